// libxml2 for Swift, restricted to what feedwatch needs: the SAX2 push parser, URI resolution, and
// the tree reader for OPML subscription lists.
//
// Debian's libxml2 headers include the system ICU headers, which clash with the ICU copy inside
// Foundation ("'UErrorCode' has different definitions in different modules"). Nothing here needs
// ICU, so the switch is turned off before any other libxml2 header is read.
#ifndef FEEDWATCH_CLIBXML2_SHIM_H
#define FEEDWATCH_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>
#include <stdlib.h>

/// xmlFree is a global function pointer: Swift 6 rejects reading it as shared mutable state.
static inline void CLibXML2_free(void *p) { xmlFree(p); }

/// The external entity loader used for every document: it loads nothing. With XML_PARSE_NONET this
/// makes sure no DTD, external entity or XInclude target is ever opened, file or network.
static inline xmlParserInputPtr CLibXML2_deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt) {
    (void)url; (void)id; (void)ctxt;
    return NULL;
}

/// Installs the deny-all loader process-wide, and silences libxml2's default printing of errors to
/// stderr (errors are read from each parser's own context instead). Call once, before any parse.
static inline void CLibXML2_harden(void) {
    xmlInitParser();
    xmlSetExternalEntityLoader(CLibXML2_deny_loader);
}

/// Stops a push parser from inside a SAX callback (used when nesting exceeds the cap).
static inline void CLibXML2_stop(void *ctx) { xmlStopParser((xmlParserCtxtPtr)ctx); }

/// XML_SAX2_MAGIC is a macro.
static const unsigned int CLibXML2_sax2_magic = XML_SAX2_MAGIC;

#endif
