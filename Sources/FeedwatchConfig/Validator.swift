import FeedwatchMatch
import FeedwatchModel
import Foundation

/// Turns a decoded `RawConfig` into a `Config`, collecting every problem with its line.
struct Validator {
    let file: String
    let index: TOMLLineIndex
    let environment: [String: String]
    private var problems: [ConfigProblem] = []

    init(file: String, index: TOMLLineIndex, environment: [String: String]) {
        self.file = file
        self.index = index
        self.environment = environment
    }

    private mutating func problem(_ path: [String], _ message: String) {
        problems.append(ConfigProblem(file: file, line: index.line(for: path), message: message))
    }

    /// `context` (the start of a problem's message) is made only for a problem: with a feed's
    /// URL in it, made for every feed it was 5 % of loading a 10,000-feed file.
    private mutating func duration(
        _ text: String?, _ path: [String], _ context: @autoclosure () -> String, min: Duration = .seconds(1)
    ) -> Duration? {
        guard let text else { return nil }
        guard let d = DurationText.parse(text) else {
            problem(
                path,
                "\(context())invalid duration \"\(text)\" (write it like \"90s\", \"15m\", \"1h30m\", \"1d\"; at most \"36500d\")"
            )
            return nil
        }
        if d < min {
            problem(path, "\(context())\(path.last ?? "duration") must be at least \(DurationText.format(min))")
            return nil
        }
        return d
    }

    private func absolute(_ path: String, relativeTo base: String) -> String {
        if path.hasPrefix("/") { return (path as NSString).standardizingPath }
        return ((base as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }

    private func firstOf(_ variable: String) -> String? {
        // systemd passes a colon-separated list when a unit names several directories.
        environment[variable].flatMap { $0.split(separator: ":").first.map(String.init) }
    }

    mutating func validate(_ raw: RawConfig) throws(ConfigError) -> Config {
        let cwd = FileManager.default.currentDirectoryPath
        let stateDir = absolute(raw.stateDir ?? firstOf("STATE_DIRECTORY") ?? "/var/lib/feedwatch", relativeTo: cwd)
        let logDir = absolute(raw.logDir ?? firstOf("LOGS_DIRECTORY") ?? stateDir, relativeTo: cwd)
        let store = absolute(raw.store ?? "feedwatch.db", relativeTo: stateDir)
        let interval = duration(raw.interval, ["interval"], "") ?? .seconds(15 * 60)
        let logLevel = raw.logLevel ?? "info"
        if !["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) {
            problem(["log_level"], "log_level must be one of trace, debug, info, notice, warning, error, critical")
        }
        let fetch = validateFetch(raw.fetch)
        let feeds = validateFeeds(raw.feed ?? [])
        let outputs = validateOutputs(raw.output ?? [], logDir: logDir)
        let aliases = raw.aliases ?? [:]
        for (name, entries) in aliases where entries.isEmpty {
            problem(["aliases", name], "alias '\(name)' is empty")
        }
        let watches = validateWatches(raw.watch ?? [], outputs: outputs)
        let definitions = (raw.watch ?? []).map {
            WatchDefinition(
                name: $0.name, expression: $0.match, any: $0.any ?? [], all: $0.all ?? [], none: $0.none ?? [],
                fields: Self.fieldSet($0.fields) ?? .text)
        }
        var matcher: Matcher? = nil
        do throws(WatchErrors) {
            matcher = try Matcher(watches: definitions, aliases: aliases)
        } catch {
            for e in error.errors {
                let i = (raw.watch ?? []).firstIndex { $0.name == e.watch } ?? 0
                let key: [String]
                switch e.place {
                case .expression: key = ["watch[\(i)]", "match"]
                case .list(let name, _): key = ["watch[\(i)]", name]
                case .watch: key = ["watch[\(i)]"]
                }
                problem(key, e.description)
            }
        }
        var metrics: MetricsAddress? = nil
        if let listen = raw.metrics?.listen {
            metrics = MetricsAddress(listen)
            if metrics == nil {
                problem(
                    ["metrics", "listen"],
                    "metrics: listen \"\(listen)\" must be a loopback address and port, e.g. \"127.0.0.1:9464\"")
            }
        }
        let forgetAfter = duration(
            raw.stories?.forgetAfter, ["stories", "forget_after"], "stories: ", min: .seconds(3600))
        let acrossText = raw.stories?.acrossFeeds
        let acrossFeeds = acrossText == "off" ? nil : duration(acrossText, ["stories", "across_feeds"], "stories: ")
        guard problems.isEmpty, let matcher else {
            throw ConfigError(problems: problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        }
        var config = Config(
            file: file, stateDirectory: stateDir, logDirectory: logDir, storePath: store, interval: interval,
            logLevel: logLevel, fetch: fetch, feeds: feeds, watches: watches, outputs: outputs, aliases: aliases,
            matcher: matcher, metricsListen: metrics)
        if let forgetAfter { config.forgetAfter = forgetAfter }
        if acrossText == "off" {
            config.acrossFeeds = nil
        } else if let acrossFeeds {
            config.acrossFeeds = acrossFeeds
        }
        return config
    }

    private mutating func validateFetch(_ raw: RawFetch?) -> FetchSettings {
        var s = FetchSettings()
        guard let raw else { return s }
        if let d = duration(raw.timeout, ["fetch", "timeout"], "fetch: ") { s.timeout = d }
        if let d = duration(raw.connectTimeout, ["fetch", "connect_timeout"], "fetch: ") { s.connectTimeout = d }
        if let mb = raw.maxBodyMB {
            let range = FetchSettings.maxBodyMBRange
            if range.contains(mb) {
                s.maxBodyBytes = mb << 20
            } else {
                problem(
                    ["fetch", "max_body_mb"], "fetch: max_body_mb must be \(range.lowerBound) to \(range.upperBound)")
            }
        }
        if let n = raw.concurrency {
            if (1...1000).contains(n) {
                s.concurrency = n
            } else {
                problem(["fetch", "concurrency"], "fetch: concurrency must be 1 to 1000")
            }
        }
        if let n = raw.perHost {
            if (1...100).contains(n) {
                s.perHost = n
            } else {
                problem(["fetch", "per_host"], "fetch: per_host must be 1 to 100")
            }
        }
        if let d = duration(raw.minInterval, ["fetch", "min_interval"], "fetch: ") { s.minInterval = d }
        if let d = duration(raw.maxInterval, ["fetch", "max_interval"], "fetch: ") { s.maxInterval = d }
        if s.minInterval > s.maxInterval {
            problem(["fetch", "max_interval"], "fetch: max_interval must not be shorter than min_interval")
        }
        for cidr in raw.allowAddresses ?? [] {
            if AddressRange(cidr) == nil {
                problem(
                    ["fetch", "allow_addresses"], "fetch: allow_addresses: \"\(cidr)\" is not an address or CIDR block")
            }
        }
        s.allowAddresses = raw.allowAddresses ?? []
        return s
    }

    /// What is wrong with `url` as the address of a feed or a webhook, or nil: it must be an
    /// absolute http(s) URL with a host, and a port it names must be one a connection can use
    /// (`:99999` or `:0` would fail every poll or delivery with libcurl's "port out of range").
    /// The host is read as written (`encodedHost`): `host` decodes an IDNA name through ICU,
    /// whose pages (1.4 MB) the daemon would otherwise hold for as long as it runs.
    static func httpURLProblem(_ url: String) -> String? {
        guard let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = parsed.encodedHost, !host.isEmpty
        else { return "is not an http or https URL" }
        if let port = parsed.port, !(1...65_535).contains(port) { return "names port \(port), outside 1-65535" }
        return nil
    }

    private mutating func validateFeeds(_ raw: [RawFeed]) -> [FeedSettings] {
        var seen: [String: Int] = [:]
        var feeds: [FeedSettings] = []
        if raw.isEmpty { problem([], "no [[feed]]: nothing to watch") }
        for (i, f) in raw.enumerated() {
            let path = ["feed[\(i)]"]
            // Foundation's trimming is slow enough to matter at 10,000 feeds; most URLs need none.
            let url =
                f.url.first?.isWhitespace == false && f.url.last?.isWhitespace == false
                ? f.url : f.url.trimmingCharacters(in: .whitespaces)
            if let why = Self.httpURLProblem(url) {
                problem(path + ["url"], "feed #\(i + 1): url \"\(RedactedURL.text(f.url))\" \(why)")
                continue
            }
            if let first = seen[url] {
                problem(path + ["url"], "feed #\(i + 1): \(RedactedURL.text(url)) is already feed #\(first + 1)")
                continue
            }
            seen[url] = i
            let interval = duration(f.interval, path + ["interval"], "feed \(RedactedURL.text(url)): ")
            feeds.append(FeedSettings(url: url, name: f.name, interval: interval))
        }
        return feeds
    }

    private mutating func validateOutputs(_ raw: [RawOutput], logDir: String) -> [OutputSettings] {
        var outputs: [OutputSettings] = []
        var names: Set<String> = []
        for (i, o) in raw.enumerated() {
            let path = ["output[\(i)]"]
            let ctx = "output \"\(o.name)\": "
            guard !o.name.isEmpty, o.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                problem(path + ["name"], "output #\(i + 1): name must be letters, digits, '-' or '_'")
                continue
            }
            guard names.insert(o.name).inserted else {
                problem(path + ["name"], "\(ctx)defined twice")
                continue
            }
            func misplaced(_ keys: [(String, Any?)], _ type: String) {
                for (key, value) in keys where value != nil {
                    problem(path + [key], "\(ctx)'\(key)' does not apply to \(type) outputs")
                }
            }
            switch o.type {
            case "jsonl":
                misplaced(
                    [
                        ("url", o.url), ("secret_env", o.secretEnv), ("secret_file", o.secretFile),
                        ("timeout", o.timeout), ("format", o.format), ("template", o.template),
                        ("chat_id", o.chatID), ("batch", o.batch), ("retry_min", o.retryMin),
                        ("retry_max", o.retryMax), ("retry_for", o.retryFor),
                    ], "jsonl")
                guard let p = o.path, !p.isEmpty else {
                    problem(path, "\(ctx)missing required key 'path' (a file, or \"-\" for standard output)")
                    continue
                }
                let policy = FsyncPolicy(rawValue: o.fsync ?? "batch")
                if policy == nil { problem(path + ["fsync"], "\(ctx)fsync must be batch, always or never") }
                let resolved = p == "-" ? "-" : absolute(p, relativeTo: logDir)
                outputs.append(OutputSettings(name: o.name, kind: .jsonl(path: resolved, fsync: policy ?? .batch)))
            case "webhook":
                misplaced([("path", o.path), ("fsync", o.fsync)], "webhook")
                if let w = validateWebhook(o, path: path, ctx: ctx) {
                    outputs.append(OutputSettings(name: o.name, kind: .webhook(w)))
                }
            default:
                problem(path + ["type"], "\(ctx)type must be \"jsonl\" or \"webhook\", not \"\(o.type)\"")
            }
        }
        return outputs
    }

    private mutating func validateWebhook(_ o: RawOutput, path: [String], ctx: String) -> WebhookSettings? {
        let format = MessageFormat(rawValue: o.format ?? "native")
        if format == nil {
            let names = MessageFormat.allCases.map(\.rawValue).joined(separator: ", ")
            problem(path + ["format"], "\(ctx)format must be one of \(names), not \"\(o.format ?? "")\"")
        }
        // Telegram's endpoint is fixed; `url` only points elsewhere (a Bot API server of one's own).
        let url = o.url ?? (format == .telegram ? "https://api.telegram.org" : nil)
        guard let u = url else {
            problem(path + ["url"], "\(ctx)url must be an http or https URL")
            return nil
        }
        if let why = Self.httpURLProblem(u) {
            problem(path + ["url"], "\(ctx)url \"\(RedactedURL.text(u))\" \(why)")
            return nil
        }
        var w = WebhookSettings(url: u, format: format ?? .native)
        switch (o.secretEnv, o.secretFile) {
        case (let env?, nil): w.secret = .environment(env)
        case (nil, let f?): w.secret = .file(f)
        case (nil, nil): w.secret = nil
        default: problem(path + ["secret_file"], "\(ctx)give secret_env or secret_file, not both")
        }
        w.timeout = duration(o.timeout, path + ["timeout"], ctx) ?? w.timeout
        switch w.format {
        case .template:
            guard let text = o.template else {
                problem(
                    path + ["format"],
                    "\(ctx)format \"template\" needs a 'template' (the JSON body, with {{field}} placeholders)")
                return nil
            }
            do throws(TemplateError) {
                let template = try MessageTemplate(text)
                let sample = template.render { "sample \"text\" \\ \($0.rawValue)" }
                if (try? JSONSerialization.jsonObject(with: Data(sample))) == nil {
                    problem(
                        path + ["template"],
                        "\(ctx)template is not JSON once filled in (placeholders belong inside JSON strings: \"{{title}}\")"
                    )
                }
                w.template = template
            } catch {
                problem(path + ["template"], "\(ctx)template: \(error)")
            }
        case .telegram:
            w.chatID = o.chatID?.text
            if w.chatID?.isEmpty ?? true {
                problem(path + ["chat_id"], "\(ctx)format \"telegram\" needs 'chat_id' (a number or \"@channel\")")
            }
            if w.secret == nil {
                problem(path, "\(ctx)format \"telegram\" needs the bot token in secret_env or secret_file")
            }
        default:
            break
        }
        if w.format != .template, o.template != nil {
            problem(path + ["template"], "\(ctx)'template' applies only to format \"template\"")
        }
        if w.format != .telegram, o.chatID != nil {
            problem(path + ["chat_id"], "\(ctx)'chat_id' applies only to format \"telegram\"")
        }
        if let batch = o.batch {
            if !(1...1000).contains(batch) {
                problem(path + ["batch"], "\(ctx)batch must be between 1 and 1000")
            } else if batch > 1, w.format != .native {
                problem(
                    path + ["batch"],
                    "\(ctx)batch applies only to format \"native\" (chat services take one message per POST)")
            } else {
                w.batch = batch
            }
        }
        w.retry.first = duration(o.retryMin, path + ["retry_min"], ctx) ?? w.retry.first
        w.retry.longest = duration(o.retryMax, path + ["retry_max"], ctx) ?? w.retry.longest
        w.retry.horizon = duration(o.retryFor, path + ["retry_for"], ctx) ?? w.retry.horizon
        if w.retry.first > w.retry.longest {
            problem(path + ["retry_max"], "\(ctx)retry_max must not be shorter than retry_min")
        }
        return w
    }

    private mutating func validateWatches(_ raw: [RawWatch], outputs: [OutputSettings]) -> [WatchSettings] {
        var names: Set<String> = []
        var watches: [WatchSettings] = []
        let all = outputs.map(\.name)
        for (i, w) in raw.enumerated() {
            let path = ["watch[\(i)]"]
            guard !w.name.isEmpty else {
                problem(path + ["name"], "watch #\(i + 1): name must not be empty")
                continue
            }
            guard names.insert(w.name).inserted else {
                problem(path + ["name"], "watch \"\(w.name)\": defined twice")
                continue
            }
            let targets = w.outputs ?? all
            for name in targets where !all.contains(name) {
                problem(path + ["outputs"], "watch \"\(w.name)\": no output named \"\(name)\"")
            }
            if targets.isEmpty {
                problem(path, "watch \"\(w.name)\": goes to no output (define an [[output]])")
            }
            var backlog = Backlog.window(.seconds(86_400))
            switch w.backlog {
            case nil: break
            case .count(let n)?:
                if n >= 0 {
                    backlog = .count(n)
                } else {
                    problem(path + ["backlog"], "watch \"\(w.name)\": backlog count must not be negative")
                }
            case .text("none")?: backlog = .none
            case .text(let t)?:
                if let d = DurationText.parse(t) {
                    backlog = .window(d)
                } else {
                    problem(
                        path + ["backlog"],
                        "watch \"\(w.name)\": backlog must be \"none\", a duration such as \"24h\", or a count")
                }
            }
            var updates = UpdatePolicy.title
            if let text = w.updates {
                if let policy = UpdatePolicy(rawValue: text) {
                    updates = policy
                } else {
                    problem(path + ["updates"], "watch \"\(w.name)\": updates must be \"none\", \"title\" or \"all\"")
                }
            }
            if let names = w.fields {
                if names.isEmpty {
                    problem(path + ["fields"], "watch \"\(w.name)\": fields must name at least one field")
                }
                for name in names where FieldSet(name: name) == nil {
                    problem(
                        path + ["fields"], "watch \"\(w.name)\": unknown field '\(name)' in fields (\(FieldSet.names))")
                }
            }
            watches.append(WatchSettings(name: w.name, outputs: targets, backlog: backlog, updates: updates))
        }
        return watches
    }

    /// A watch's `fields`, as a set (nil when absent or invalid: `validateWatches` reports why).
    private static func fieldSet(_ names: [String]?) -> FieldSet? {
        guard let names, !names.isEmpty else { return nil }
        var set: FieldSet = []
        for name in names {
            guard let field = FieldSet(name: name) else { return nil }
            set.formUnion(field)
        }
        return set
    }
}
