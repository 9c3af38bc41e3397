import ArgumentParser
import Foundation
import Publish

struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, rotate or revoke the private links to each owner's feeds.",
        discussion: """
            Examples:
              followup token list --dir feeds/
              followup token rotate "Alice Martin" --dir feeds/
              followup token revoke bob --dir feeds/
            """,
        subcommands: [List.self, Rotate.self, Revoke.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show each owner's token (owners without one get one).")
        @OptionGroup var folder: FeedFolderOptions

        func run() throws {
            let tokens = try folder.ensureTokens()
            for (stem, owner) in try FeedFolder.stems(in: folder.dir) {
                print("\(stem)\t\(owner ?? "everyone")\t\(tokens.tokens[stem] ?? "revoked")")
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give an owner a new token; the old link stops working at once.")
        @Argument(help: "The owner, by name or file name (all for everyone's feeds).") var owner: String
        @OptionGroup var folder: FeedFolderOptions
        @OptionGroup var base: BaseURLOption
        var baseURL: String? { base.value }

        func run() throws {
            var rotated: (stem: String, token: String)?
            try folder.change(owner) { tokens, stem in
                let token = tokens.rotate(stem)
                rotated = (stem, token)
                return token
            }
            guard let (stem, token) = rotated else { return }
            if let baseURL {
                for line in Serve.links(base: baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL, token: token, stem: stem) { print(line) }
            } else {
                for kind in ["events", "tasks"] { print("  \(kind): /feeds/\(token)/\(stem).\(kind).ics") }
            }
            if baseURL == nil { print("  (the links of `followup serve`; --base-url prints them with the public address, such as https://cal.example.com)") }
            print("The old links stop working now: give subscribers the new ones.")
            print("Feeds written with --base-url link their touches with the old token until `followup generate` writes them again.")
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an owner's token: their links stop working until rotated.")
        @Argument(help: "The owner, by name or file name (all for everyone's feeds).") var owner: String
        @OptionGroup var folder: FeedFolderOptions

        func run() throws {
            try folder.change(owner) { tokens, stem in
                tokens.revoke(stem)
                return "revoked"
            }
        }
    }
}

extension FeedFolderOptions {
    /// Changes one owner's entry in the tokens file and prints the stem and the result.
    func change(_ owner: String, _ body: (inout TokenFile, String) -> String) throws {
        let stem = try FeedFolder.stem(for: owner, in: dir)
        var tokens = try TokenFile.load(tokensPath)
        let result = body(&tokens, stem)
        try tokens.save(tokensPath)
        print("\(stem)\t\(result)")
    }
}
