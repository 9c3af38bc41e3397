import ArgumentParser
import Foundation
import Publish

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
