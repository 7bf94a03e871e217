// Typed entry points into libcurl for Swift.
//
// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic, and Swift refuses to call
// variadic C functions ("Variadic function is unavailable"). Each wrapper below fixes one argument
// type, the way swift-corelibs-foundation's _CFURLSessionInterface does. Macros that alias other
// names are not imported by Swift either, so the few we need are re-exported as constants.
#ifndef FEEDWATCH_CCURL_SHIM_H
#define FEEDWATCH_CCURL_SHIM_H

#include <curl/curl.h>

typedef size_t (*CCurl_data_callback)(char *data, size_t size, size_t count, void *userdata);
typedef curl_socket_t (*CCurl_opensocket_callback)(void *clientp, curlsocktype purpose,
                                                   struct curl_sockaddr *address);
typedef int (*CCurl_xferinfo_callback)(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
                                       curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode CCurl_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode CCurl_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode CCurl_easy_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode CCurl_easy_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode CCurl_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode CCurl_easy_setopt_data_callback(CURL *h, CURLoption o, CCurl_data_callback f) {
    return curl_easy_setopt(h, o, f);
}
static inline CURLcode CCurl_easy_setopt_opensocket_callback(CURL *h, CCurl_opensocket_callback f) {
    return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, f);
}
static inline CURLcode CCurl_easy_setopt_xferinfo_callback(CURL *h, CCurl_xferinfo_callback f) {
    return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, f);
}

static inline CURLcode CCurl_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode CCurl_easy_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode CCurl_easy_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode CCurl_easy_getinfo_pointer(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }

static inline CURLMcode CCurl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }

/// CURL_GLOBAL_ALL is a macro; curl_global_init is not thread-safe and must run once, early.
static inline CURLcode CCurl_global_init(void) { return curl_global_init(CURL_GLOBAL_ALL); }

/// The address inside a curl_sockaddr, which may be longer than `struct sockaddr` (IPv6): curl
/// allocates room for any address family.
static inline const struct sockaddr *CCurl_sockaddr(const struct curl_sockaddr *a) { return &a->addr; }

/// CURL_SOCKET_BAD is a macro; Swift does not import it.
static const curl_socket_t CCurl_socket_bad = CURL_SOCKET_BAD;
/// Returned from a write callback, CURL_WRITEFUNC_ERROR-equivalent: any count != size*nmemb aborts
/// the transfer with CURLE_WRITE_ERROR. 0 is what 7.88 documents for "abort".
static const size_t CCurl_write_abort = 0;

#endif
