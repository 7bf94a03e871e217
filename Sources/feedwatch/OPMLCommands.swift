import ArgumentParser
import FeedwatchConfig
import FeedwatchModel
import FeedwatchParse
import Foundation

/// `feedwatch import FILE.opml`: add another reader's subscriptions to the configuration.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add the feeds of an OPML subscription list to the configuration.",
        discussion: """
            Every http(s) <outline xmlUrl=…> not already configured becomes a [[feed]] block \
            (with its title as name), appended to the configuration file under a comment saying \
            where it came from. The result is validated before the file is replaced, atomically; \
            nothing else in the file changes. --print shows the blocks instead of writing them. \
            A running daemon picks them up on SIGHUP.
            """)

    @Option(name: .shortAndLong, help: "The configuration file to add to.")
    var config: String = "/etc/feedwatch/feedwatch.toml"

    @Flag(help: "Print the [[feed]] blocks instead of adding them.")
    var print = false

    @Argument(help: "The OPML file.")
    var file: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            Console.error("feedwatch: \(file): cannot read")
            throw Exit.usage
        }
        let feeds: [OPML.Feed]
        do throws(OPML.Failure) {
            feeds = try OPML.feeds(in: Array(data))
        } catch {
            Console.error("feedwatch: \(file): \(error)")
            throw Exit.feedFailed
        }
        let current = try? ConfigLoader.load(path: config)
        var known = Set(current?.feeds.map(\.url) ?? [])
        var blocks = ""
        var added = 0
        for f in feeds where !known.contains(f.url) {
            known.insert(f.url)
            blocks += "\n[[feed]]\n"
            if let title = f.title { blocks += "name = \(Self.quoted(title))\n" }
            blocks += "url = \(Self.quoted(f.url))\n"
            added += 1
        }
        let skipped = feeds.count - added
        if print {
            Swift.print(blocks, terminator: "")
            Console.error("feedwatch: \(added) feeds to add, \(skipped) already configured or repeated")
            return
        }
        guard added > 0 else {
            Console.error("feedwatch: nothing to add (\(skipped) feeds already configured)")
            return
        }
        guard current != nil else {
            Console.error("feedwatch: \(config) must load before feeds are added to it (see feedwatch check)")
            throw Exit.config
        }
        let stamp = Timestamp.now().rfc3339
        let original = try String(contentsOfFile: config, encoding: .utf8)
        let separator = original.hasSuffix("\n") ? "" : "\n"
        let updated = original + separator + "\n# Imported from \(file) on \(stamp)" + blocks
        try Self.replace(config, with: updated)
        Console.error("feedwatch: added \(added) feeds to \(config) (\(skipped) already configured or repeated)")
    }

    /// A TOML basic string.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 || c.value == 0x7F {
                    out += String(format: "\\u%04X", c.value)
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }

    /// Writes `text` next to `path`, checks that it loads, then renames it over `path`.
    static func replace(_ path: String, with text: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).import")
        try text.write(to: temporary, atomically: false, encoding: .utf8)
        if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary.path)
        }
        do throws(ConfigError) {
            _ = try ConfigLoader.load(path: temporary.path)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            for p in error.problems { Console.error(p.description) }
            throw Exit.config
        }
        guard rename(temporary.path, path) == 0 else {
            let why = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            Console.error("feedwatch: cannot replace \(path): \(why)")
            throw Exit.config
        }
    }
}

/// `feedwatch export`: the configured feeds as an OPML subscription list.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Print the configured feeds as an OPML 2.0 subscription list.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let c = try options.load()
        let feeds = c.feeds.map { OPML.Feed(url: $0.url, title: $0.name) }
        print(OPML.document(title: "feedwatch feeds (\(c.file))", feeds: feeds), terminator: "")
    }
}
