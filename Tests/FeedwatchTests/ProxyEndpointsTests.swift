import Testing

@testable import FeedwatchHTTP

@Suite struct ProxyEndpointsTests {
    @Test("proxy values as libcurl takes them: scheme, credentials, IPv6 and the default ports optional")
    func hostAndPort() {
        let cases: [(String, String, UInt16)] = [
            ("http://proxy.corp:3128", "proxy.corp", 3128),
            ("proxy.corp:3128", "proxy.corp", 3128),
            ("proxy.corp", "proxy.corp", 1080),
            ("https://proxy.corp", "proxy.corp", 443),
            ("socks5h://user:pa:ss@10.0.0.1:1081/", "10.0.0.1", 1081),
            ("http://[::1]:8080", "::1", 8080),
            ("[fd00::2]", "fd00::2", 1080),
            (" http://127.0.0.1:3128/path ", "127.0.0.1", 3128),
        ]
        for (value, host, port) in cases {
            let parsed = ProxyEndpoints.hostAndPort(value)
            #expect(parsed?.0 == host && parsed?.1 == port, "\(value): \(String(describing: parsed))")
        }
        for bad in ["", "http://", "proxy:99999", "proxy:x"] {
            #expect(ProxyEndpoints.hostAndPort(bad) == nil, "\(bad)")
        }
    }

    @Test("the variables libcurl reads, and only those (HTTP_PROXY can come from a request header)")
    func variables() {
        let none = ProxyEndpoints(environment: ["HTTP_PROXY": "http://10.0.0.1:3128", "no_proxy": "x"])
        #expect(none.isEmpty)
        let some = ProxyEndpoints(environment: ["https_proxy": "http://127.0.0.1:3128"])
        #expect(some.contains([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 127, 0, 0, 1], port: 3128))
        #expect(!some.contains([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 127, 0, 0, 1], port: 3129))
    }
}
