import ArgumentParser
import FollowUp
import Foundation
import Generation
import LeadStore
import Publish

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the feeds over HTTP, each owner's behind a private link.",
        discussion: """
            Serves --dir (the folder `generate --out` writes) at /feeds/<token>/<owner>.events.ics
            and /feeds/<token>/<owner>.tasks.ics, where each owner's token is a 256-bit secret
            kept in --tokens (owner-only permissions). /feeds/<token>/ is the owner's page: this
            week's touches with their drafts, and one-click subscribe links with a QR code;
            /feeds/<token>/t/<uid> is a touch's page, with Done, They replied, Not now, Snooze a
            week and No. With --store a SQLite store, those buttons write to it (one transaction
            each, undoable) and the feeds are written again at once; `all`'s page is read-only.
            Everything else is 404: no listing, no feed by owner name. Every owner in index.json
            gets a token on start; manage them with `followup token`. Binds to 127.0.0.1: put a
            TLS-terminating proxy in front for subscribers outside this machine, and give
            --base-url, its public address. Regenerated feeds are served at once.

            Examples:
              followup serve --dir feeds/
              followup serve --dir feeds/ --print-urls --base-url https://cal.example.com
              followup serve --dir feeds/ --store leads.sqlite --base-url https://cal.example.com
              (with --base-url, the feeds it writes again link each touch to its page, as `generate --base-url` does)
              followup serve --dir feeds/ --regenerate-every 15m --store leads.csv --timezone Europe/Berlin --digest
            """
    )

    @OptionGroup var folder: FeedFolderOptions

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8080

    @Flag(name: .customLong("print-urls"), help: "Print each owner's subscribe links for --base-url, then exit.")
    var printURLs = false

    @OptionGroup var base: BaseURLOption

    /// --base-url, else the config file's: for --print-urls, the pages'
    /// links, and the feeds' action links when this server regenerates them.
    var baseURL: String? { base.value }

    @Option(help: ArgumentHelp("Run `generate` on this schedule too: 30s, 15m, 1h.", valueName: "duration"))
    var regenerateEvery: String?

    @Option(
        help: ArgumentHelp(
            "The lead store: what --regenerate-every plans from (a .csv lead sheet or a SQLite store), and, a SQLite store, what the pages' buttons write to.",
            valueName: "path"))
    var store: String?

    // What each regeneration plans with and writes: the options of `generate`.
    @OptionGroup var today: NowOption
    @OptionGroup var planning: PlanningOptions
    @OptionGroup var sheetEncoding: SheetEncodingOption
    @OptionGroup var output: FeedOutputOptions

    func validate() throws {
        if printURLs, baseURL == nil { throw ValidationError("--print-urls needs --base-url, such as https://cal.example.com.") }
        if let regenerateEvery {
            guard Self.seconds(regenerateEvery) != nil else {
                throw ValidationError("--regenerate-every \"\(regenerateEvery)\" is not a duration; expected 30s, 15m or 1h.")
            }
            guard store != nil else { throw ValidationError("--regenerate-every needs --store.") }
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535.") }
    }

    func run() async throws {
        if let regenerateEvery, let store {
            try regenerate(store)  // the feeds exist before the first request
            let interval = Self.seconds(regenerateEvery)!
            Task.detached { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(interval))
                    do { try regenerate(store) } catch {
                        printError("followup serve: regeneration failed: \(failureReport(error)?.message ?? "\(error)")")
                    }
                }
            }
        }
        let tokens = try folder.ensureTokens()
        if printURLs, let baseURL {
            print(Self.urls(base: baseURL, tokens: tokens, stems: try FeedFolder.stems(in: folder.dir)))
            return
        }
        let server = FeedServer(
            folder: folder.dir, tokensPath: folder.tokensPath, host: host, port: port, pages: try pageSettings(),
            log: { printError("followup serve: \($0)") })
        do {
            try await server.run { port in
                printError("followup serve: serving \(folder.dir) on http://\(host):\(port)/feeds/<token>/ (followup token list shows the links)")
            }
        } catch {
            // NIO's bind error reads "bind(descriptor:ptr:bytes:): Address already in use (errno: 98)".
            let text = "\(error)"
            if text.contains("Address already in use") || text.contains("errno: 98") {
                throw Failure("\(host):\(port) is in use by another program (another `followup serve`?); give another port with --port (0 picks a free one)")
            }
            if text.contains("bind(") {
                throw Failure("cannot listen on \(host):\(port): \(text.components(separatedBy: "): ").last ?? text)")
            }
            throw error
        }
    }

    /// The pages: today as --now says, and the actions when --store is a SQLite store.
    private func pageSettings() throws -> PageSettings {
        let now = today.now
        let today: @Sendable () -> LocalDate = { NowOption.today(now) }
        guard let store else { return PageSettings(baseURL: baseURL, today: today) }
        // A store that is not there is an error before the first request, not a page that refuses.
        guard FileManager.default.fileExists(atPath: store) else {
            throw Failure(
                isSheet(store)
                    ? "\(store): no such lead sheet; `followup sheet --template > \(store)` writes a blank one"
                    : "\(store): no such lead store; `followup init \(store)` makes one (and `followup import leads.csv --store \(store)` fills it from a sheet)"
            )
        }
        guard !isSheet(store), SQLiteStore.looksLikeSQLite(store) else {
            return PageSettings(
                baseURL: baseURL, today: today,
                actions: .refused(
                    "Actions need a SQLite store, and this server reads \(isSheet(store) ? "the lead sheet" : "the file") \((store as NSString).lastPathComponent), which is not one: "
                        + "`followup init` and `followup import \((store as NSString).lastPathComponent)` make one, then start serve with --store leads.sqlite."
                ))
        }
        _ = try SQLiteStore.open(at: store, verify: true)  // migrated and checked before the first action
        let playbook = try planning.setup(now: self.today).playbook
        var steps: [String: String] = [:]
        for step in playbook.steps { steps[step.id] = step.channel }
        let actions = TouchActions(
            store: store, steps: steps, today: today,
            now: {
                if let now { return (now, nil) }
                let clock = Date()
                return (ISO8601DateFormatter().string(from: clock), localDateTime(clock))
            },
            regenerate: { [self] in try regenerate(store) })
        return PageSettings(baseURL: baseURL, today: today, actions: actions)
    }

    /// Runs `generate`'s job into --dir: rows rejected are reported, and
    /// the other leads written.
    private func regenerate(_ store: String) throws {
        let clock = Date()
        let setup = try planning.setup(now: today, clock: clock)
        var options = output.generateOptions(zone: setup.zone, followsClock: today.now == nil, clock: clock)
        // The feeds link to this server's pages, as `generate --base-url` writes them.
        if let baseURL { options.links = BaseURLOption.links(base: baseURL, tokensPath: folder.tokensPath) }
        let job = GenerateJob(
            store: StoreSource.source(store, reading: sheetEncoding, playbook: setup.playbook), planner: setup.planner,
            options: options, out: folder.dir)
        let report = try job.run { event in
            if case .read(let result) = event { StoreSource.report(result, store: store) }
        }
        if let warning = Generate.lostLeadsWarning(report, out: folder.dir) { printError(warning) }
        _ = try folder.ensureTokens()
    }

    static func seconds(_ text: String) -> Double? {
        guard let unit = text.last, let value = Double(text.dropLast()), value > 0 else { return nil }
        switch unit {
        case "s": return value
        case "m": return value * 60
        case "h": return value * 3600
        default: return nil
        }
    }

    /// Each owner's https and webcal links.
    static func urls(base: String, tokens: TokenFile, stems: [(stem: String, owner: String?)]) -> String {
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        var lines: [String] = []
        for (stem, owner) in stems {
            guard let token = tokens.tokens[stem] else {
                lines.append("\(owner ?? "everyone"): revoked (followup token rotate \(stem) gives a new link)")
                continue
            }
            lines.append("\(owner ?? "everyone"):")
            lines += links(base: trimmed, token: token, stem: stem)
        }
        return lines.joined(separator: "\n")
    }

    /// An owner's feed links under `base` (no trailing slash): the https one to
    /// paste, and the webcal one that opens the calendar app's subscribe
    /// dialog (iOS takes `webcal://`, not `webcals://`; an `https://` link
    /// downloads the file instead).
    static func links(base: String, token: String, stem: String) -> [String] {
        ["  page: \(base)/feeds/\(token)/"]
            + ["events", "tasks"].flatMap { kind -> [String] in
                let https = "\(base)/feeds/\(token)/\(stem).\(kind).ics"
                let webcal = https.replacingOccurrences(of: "^https?://", with: "webcal://", options: .regularExpression)
                return ["  \(kind): \(https)", "  \(kind) (webcal): \(webcal)"]
            }
    }
}
