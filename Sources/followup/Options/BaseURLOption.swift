import ArgumentParser
import Feeds
import Foundation
import Publish

/// `--base-url`: the public address `serve` is reached at, shared by
/// `generate` (the links in the feeds) and `serve` (its pages' links).
struct BaseURLOption: ParsableArguments {
    @Option(
        name: .customLong("base-url"),
        help: ArgumentHelp(
            "The public address `followup serve` is reached at, such as https://cal.example.com (default: the config file's base_url). With it, every event and task links to its page of Done, They replied, Not now and No.",
            valueName: "url"))
    var option: String?

    /// --base-url, else the config file's.
    var value: String? { option ?? Config.current.value(.baseURL) }

    func validate() throws {
        if let option, let problem = Self.problem(option) { throw ValidationError("--base-url \(problem)") }
    }

    /// What is wrong with `text` as a base address, nil when nothing:
    /// http or https, a host, no query or fragment (the links go after it).
    static func problem(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            return "\"\(text)\" is not a URL with a host; expected such as https://cal.example.com"
        }
        guard scheme == "https" || scheme == "http" else { return "\"\(text)\" is not an http or https address" }
        guard url.query == nil, url.fragment == nil, url.user == nil, url.password == nil else {
            return "\"\(text)\" has a query, fragment or password; expected only scheme, host, port and path"
        }
        return nil
    }

    /// The links of a run whose tokens are in `tokensPath`: a stem without
    /// a token is given one there (as `serve` would on its start), and a
    /// revoked stem stays without one, and without links.
    static func links(base: String, tokensPath: String) -> ActionLinkSource {
        ActionLinkSource(
            base: base,
            tokens: { (stems) throws(FeedError) in
                do throws(PublishError) {
                    var file = try TokenFile.load(tokensPath)
                    if file.ensure(stems) { try file.save(tokensPath) }
                    return file.tokens
                } catch {
                    throw FeedError(error.description)
                }
            },
            current: { (try? TokenFile.load(tokensPath))?.tokens ?? [:] })
    }
}
