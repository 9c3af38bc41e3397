import ArgumentParser
import Foundation
import Publish

/// The served folder and its tokens file, shared by `serve` and `token`.
struct FeedFolderOptions: ParsableArguments {
    @Option(
        name: .customLong("dir"), help: ArgumentHelp("The folder of feeds (what `generate --out` wrote; default: the config file's `out`).", valueName: "dir"))
    var dirOption: String?

    /// --dir, else the config file's `out`.
    var dir: String { dirOption ?? Config.current.value(.out) ?? "" }

    func validate() throws {
        if dirOption == nil && Config.current.value(.out) == nil {
            throw ValidationError("Missing expected argument '--dir <dir>' (or `out:` in the config file; see `followup config`).")
        }
    }

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
