internal import CLibXML2
import Glibc

/// The attributes of an element being started, read in place from libxml2's SAX2 array (five
/// pointers per attribute: local name, prefix, namespace URI, value start, value end).
///
/// With entity substitution off (as it must be on untrusted input), libxml2 hands attribute values
/// over with `&` still written as `&#38;`; values are decoded here.
struct Attributes {
    private let array: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    private let count: Int

    static let xmlNamespace: StaticString = "http://www.w3.org/XML/1998/namespace"
    static let rdfNamespace: StaticString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let xmlBase = (local: "base" as StaticString, namespace: xmlNamespace)

    init(_ array: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, count: Int) {
        self.array = array
        self.count = count
    }

    func value(_ key: (local: StaticString, namespace: StaticString)) -> String? {
        value(local: key.local, namespace: key.namespace)
    }

    /// The value of the attribute with this local name, in this namespace (nil: no namespace).
    /// Names are literals: compared as C strings in place, with no Swift string bridged per call.
    func value(local: StaticString, namespace: StaticString? = nil) -> String? {
        guard let array, count > 0 else { return nil }
        for i in 0..<count {
            guard let name = array[i * 5], Self.equals(name, local) else { continue }
            let uri = array[i * 5 + 2]
            if let namespace {
                guard let uri, Self.equals(uri, namespace) else { continue }
            } else if uri != nil {
                continue
            }
            guard let start = array[i * 5 + 3], let end = array[i * 5 + 4] else { return "" }
            let bytes = UnsafeBufferPointer(start: start, count: end - start)
            if bytes.contains(0x26) { return HTMLText.decodingReferences(bytes) }
            return String(decoding: bytes, as: UTF8.self)
        }
        return nil
    }

    /// A NUL-terminated name from libxml2 equals a literal (which holds no NUL).
    private static func equals(_ c: UnsafePointer<xmlChar>, _ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { lit in
            for k in 0..<lit.count where c[k] != lit[k] { return false }
            return c[lit.count] == 0
        }
    }
}
