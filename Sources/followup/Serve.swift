import ArgumentParser
import Foundation
import Publish

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the feeds over HTTP, each owner's behind a private link.",
        discussion: """
        Serves --dir (the folder `generate --out` writes) at /feeds/<token>/<owner>.events.ics
        and /feeds/<token>/<owner>.tasks.ics, where each owner's token is a 256-bit secret
        kept in --tokens (owner-only permissions). Everything else is 404: no listing, no
        feed by owner name. Every owner in index.json gets a token on start; manage them
        with `followup token`. Binds to 127.0.0.1: put a TLS-terminating proxy in front
        for subscribers outside this machine. Regenerated feeds are served at once.

        Examples:
          followup serve --dir feeds/
          followup serve --dir feeds/ --print-urls --base-url https://cal.example.com
          followup serve --dir feeds/ --regenerate-every 15m --store leads.csv --timezone Europe/Berlin
        """
    )

    @OptionGroup var folder: FeedFolderOptions

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8080

    @Flag(name: .customLong("print-urls"), help: "Print each owner's subscribe links for --base-url, then exit.")
    var printURLs = false

    @Option(help: ArgumentHelp("The public address the feeds are reached at, for --print-urls.", valueName: "url"))
    var baseURL: String?

    @Option(help: ArgumentHelp("Run `generate` on this schedule too: 30s, 15m, 1h.", valueName: "duration"))
    var regenerateEvery: String?

    @Option(help: ArgumentHelp("The lead store to regenerate from (with --regenerate-every).", valueName: "path"))
    var store: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Arguments for each regeneration's `generate`, as one string: \"--timezone Europe/Berlin --digest\".", valueName: "arguments"))
    var generateArguments: String = ""

    func validate() throws {
        if printURLs, baseURL == nil { throw ValidationError("--print-urls needs --base-url, such as https://cal.example.com.") }
        if let baseURL, URL(string: baseURL)?.host == nil { throw ValidationError("--base-url \"\(baseURL)\" is not a URL with a host.") }
        if let regenerateEvery {
            guard Self.seconds(regenerateEvery) != nil else {
                throw ValidationError("--regenerate-every \"\(regenerateEvery)\" is not a duration; expected 30s, 15m or 1h.")
            }
            guard store != nil else { throw ValidationError("--regenerate-every needs --store.") }
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535.") }
    }

    func run() async throws {
        do {
            try await serve()
        } catch let error as PublishError {
            printError("followup: error: \(error.description)")
            throw ExitCode.failure
        }
    }

    private func serve() async throws {
        if let regenerateEvery, let store {
            try regenerate(store)  // the feeds exist before the first request
            let interval = Self.seconds(regenerateEvery)!
            Task.detached { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(interval))
                    do { try regenerate(store) } catch { printError("followup serve: regeneration failed: \(error)") }
                }
            }
        }
        let tokens = try folder.ensureTokens()
        if printURLs, let baseURL {
            print(Self.urls(base: baseURL, tokens: tokens, stems: try FeedFolder.stems(in: folder.dir)))
            return
        }
        let server = FeedServer(folder: folder.dir, tokensPath: folder.tokensPath, host: host, port: port,
                                log: { printError("followup serve: \($0)") })
        try await server.run { port in
            printError("followup serve: serving \(folder.dir) on http://\(host):\(port)/feeds/<token>/ (followup token list shows the links)")
        }
    }

    private func regenerate(_ store: String) throws {
        var arguments = ["--store", store, "--out", folder.dir, "--quiet"]
        arguments += generateArguments.split(separator: " ").map(String.init)
        let command = try Generate.parse(arguments)
        do {
            try command.run()
        } catch let exit as ExitCode where exit == ExitCode(Generate.rowsRejected) {
            // Rows were rejected and reported; the other leads were written.
        }
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
            for kind in ["events", "tasks"] {
                let https = "\(trimmed)/feeds/\(token)/\(stem).\(kind).ics"
                let webcal = https.replacingOccurrences(of: "^https?://", with: "webcal://", options: .regularExpression)
                lines.append("  \(kind): \(https)")
                lines.append("  \(kind) (webcal): \(webcal)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// The served folder and its tokens file, shared by `serve` and `token`.
struct FeedFolderOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The folder of feeds (what `generate --out` wrote).", valueName: "dir"))
    var dir: String

    @Option(help: ArgumentHelp("The tokens file (default: <dir>/.followup-tokens.json, owner-only).", valueName: "path"))
    var tokens: String?

    var tokensPath: String { tokens ?? (dir as NSString).appendingPathComponent(".followup-tokens.json") }

    /// Loads the tokens, gives each owner of the folder without one a token, and saves.
    func ensureTokens() throws(PublishError) -> TokenFile {
        var file = try TokenFile.load(tokensPath)
        if file.ensure(try FeedFolder.stems(in: dir).map(\.stem)) { try file.save(tokensPath) }
        return file
    }
}
