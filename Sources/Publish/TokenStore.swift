import FileKit
import Foundation

/// A problem with the tokens file or an owner it names.
public struct PublishError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The secret links to the feeds: one token per feed stem (an owner's file
/// name, or `all`), kept in a JSON file that only its owner can read.
///
/// A token is 256 bits from the system's secure random source, written as
/// URL-safe base64. A revoked stem stays revoked (no token is made for it
/// again) until it is rotated.
public struct TokenFile: Codable, Equatable, Sendable {
    public var version = 1
    /// Feed stem → token.
    public var tokens: [String: String] = [:]
    public var revoked: [String] = []
    /// Feed stem → the token the forms of its pages carry (anti-CSRF),
    /// made and rotated with the feed token. Absent from older files.
    public var forms: [String: String]?

    public init() {}

    /// The form token of a stem with a feed token.
    public func formToken(_ stem: String) -> String? { tokens[stem] == nil ? nil : forms?[stem] }

    /// Reads the file; a file that does not exist yet is an empty one.
    public static func load(_ path: String) throws(PublishError) -> TokenFile {
        guard FileManager.default.fileExists(atPath: path) else { return TokenFile() }
        do {
            return try JSONDecoder().decode(TokenFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw PublishError("\(path): not a followup tokens file (\(error.localizedDescription))")
        }
    }

    /// Writes the file with owner-only permissions, through a temporary file
    /// renamed into place, so a server reading it never sees half of it.
    public func save(_ path: String) throws(PublishError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try AtomicFile.write(Array(try encoder.encode(self)), to: path, mode: 0o600)
        } catch let error as FileError {
            throw PublishError(error.description)
        } catch {
            throw PublishError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Gives every stem that has no token, and is not revoked, a new one.
    /// - Returns: whether anything changed.
    @discardableResult
    public mutating func ensure(_ stems: [String]) -> Bool {
        var changed = false
        for stem in stems where tokens[stem] == nil && !revoked.contains(stem) {
            tokens[stem] = Self.newToken()
            changed = true
        }
        for stem in tokens.keys.sorted() where forms?[stem] == nil {
            forms = forms ?? [:]
            forms?[stem] = Self.newToken()
            changed = true
        }
        return changed
    }

    /// A new token for the stem: the old one stops working at once.
    public mutating func rotate(_ stem: String) -> String {
        let token = Self.newToken()
        tokens[stem] = token
        forms = forms ?? [:]
        forms?[stem] = Self.newToken()
        revoked.removeAll { $0 == stem }
        return token
    }

    /// No token for the stem any more, and none made for it again.
    public mutating func revoke(_ stem: String) {
        tokens[stem] = nil
        forms?[stem] = nil
        if !revoked.contains(stem) { revoked.append(stem) }
        revoked.sort()
    }

    /// 32 bytes from `SystemRandomNumberGenerator` (the kernel's `getrandom`),
    /// URL-safe base64 without padding: 43 characters, 256 bits.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// The owners of the feeds in an output folder, from its `index.json`.
public enum FeedFolder {
    /// Each feed stem with the owner it belongs to (nil for everyone's).
    public static func stems(in folder: String) throws(PublishError) -> [(stem: String, owner: String?)] {
        let path = (folder as NSString).appendingPathComponent("index.json")
        struct Index: Decodable {
            struct Feed: Decodable { var file: String; var owner: String? }
            var feeds: [Feed]
        }
        let index: Index
        do {
            index = try JSONDecoder().decode(Index.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw PublishError("\(path): cannot read the feeds' index (run followup generate first): \(error.localizedDescription)")
        }
        var seen = Set<String>()
        var result: [(String, String?)] = []
        for feed in index.feeds {
            guard let stem = feed.file.components(separatedBy: ".").first, seen.insert(stem).inserted else { continue }
            result.append((stem, feed.owner))
        }
        return result
    }

    /// The stem an owner's name (in any case) or a stem names.
    public static func stem(for owner: String, in folder: String) throws(PublishError) -> String {
        let stems = try stems(in: folder)
        if let match = stems.first(where: { $0.stem == owner || $0.owner?.lowercased() == owner.lowercased() }) {
            return match.stem
        }
        throw PublishError(
            "no owner \"\(owner)\" in \((folder as NSString).appendingPathComponent("index.json")); owners are \(stems.map { $0.owner ?? $0.stem }.joined(separator: ", "))"
        )
    }
}
