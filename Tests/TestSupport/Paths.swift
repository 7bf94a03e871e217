public import Foundation

/// Where things are, seen from the tests.
public enum Paths {
    /// The repository root (this file is Tests/TestSupport/Paths.swift).
    public static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The shared material next to the repository (`../shared`). Tests that use it fail, never
    /// skip, when it is missing: a check that silently does not run is a defect.
    public static func shared(_ relative: String) throws -> URL {
        let root = repository.deletingLastPathComponent().appendingPathComponent("shared")
        let url = root.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TestSupportError("missing \(url.path): the tests read ../shared next to the repository")
        }
        return url
    }

    /// The `feedwatch` binary built with the tests (next to the test bundle).
    public static var binary: URL {
        get throws {
            var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = dir.appendingPathComponent("feedwatch")
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue {
                    return candidate
                }
                dir = dir.deletingLastPathComponent()
            }
            let fallback = repository.appendingPathComponent(".build/debug/feedwatch")
            guard FileManager.default.fileExists(atPath: fallback.path) else {
                throw TestSupportError("cannot find the built feedwatch binary (run `swift build` first)")
            }
            return fallback
        }
    }
}

/// A temporary directory removed when the value is released.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("feedwatch-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
