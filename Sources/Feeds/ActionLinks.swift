import FileKit
import Glibc

/// The links to a touch's action page that `generate --base-url` puts in
/// each event and task (`URL:` and the description's last line), where
/// `serve` offers Done, They replied, Not now and No for it.
///
/// An owner's components link with the owner's feed token; everyone's feeds
/// (`all.*`) are the owners' components copied through, with each owner's
/// token replaced by everyone's (`TokenSwap`), so a read-only `all` link
/// never hands out an owner's key to act and read as them.
public struct ActionLinks: Sendable, Hashable {
    /// The start of the description's last line, which `serve` reads back.
    public static let marker = "Done, replied, not now: "

    /// The public address (no trailing slash).
    public let base: String
    /// Each owner feed stem's token; a stem without one (revoked) gets no links.
    public let tokens: [String: String]
    /// Everyone's token (`all`), nil when it is revoked.
    public let everyone: String?

    public init(base: String, tokens: [String: String]) {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
        var owners = tokens
        everyone = owners.removeValue(forKey: OwnerNames.everyone)
        self.tokens = owners
    }

    /// The action page of the touch whose task or event has `uid`, in the
    /// feeds of `stem`; nil when the owner has no token (revoked).
    public func url(stem: String, uid: String) -> String? {
        guard let page = page(stem: stem) else { return nil }
        return page + "t/" + Self.encode(uid)
    }

    /// The owner's page (with its trailing slash): what a digest links to.
    public func page(stem: String) -> String? {
        guard let token = tokens[stem] else { return nil }
        return "\(base)/feeds/\(token)/"
    }

    /// A digest of the address and every token (each stem's, and everyone's):
    /// equal for links that make equal components.
    public var fingerprint: String {
        var hasher = InputDigest()
        hasher.add(base)
        for (stem, token) in tokens.sorted(by: { $0.key < $1.key }) { hasher.add("\(stem)=\(token)") }
        hasher.add("all=\(everyone ?? "")")
        return hasher.hex
    }

    /// What replaces `stem`'s token in everyone's feeds: nil when the
    /// owner's components carry no links. A revoked `all` gets a token of
    /// the same length that no server knows (the links then lead nowhere,
    /// and nobody can act with them).
    func swap(stem: String) -> TokenSwap? {
        guard let token = tokens[stem] else { return nil }
        let replacement = everyone ?? String(repeating: "0", count: token.utf8.count)
        return TokenSwap(from: token, to: replacement)
    }

    /// A UID as one path segment: RFC 3986's unreserved characters, `.`
    /// and `@` as they are (every followup UID is made of those and
    /// percent escapes), anything else percent-encoded.
    static func encode(_ uid: String) -> String {
        // Every UID followup writes is already one segment as it is.
        if uid.utf8.allSatisfy(isPlain) { return uid }
        var result = ""
        for byte in uid.utf8 {
            if isPlain(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                result += hex.count < 2 ? "%0" + hex : "%" + hex
            }
        }
        return result
    }

    private static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "."), UInt8(ascii: "@"):
            true
        default: false
        }
    }
}

/// Replaces one token by another of the same length in serialised
/// components, wherever a line fold (CRLF and a space or tab, RFC 5545
/// 3.1) falls inside it: the lengths of lines, and so every fold and every
/// offset a feed records, stay as they were.
///
/// Written here rather than taken from a library: no iCalendar library
/// rewrites folded bytes in place, and unfolding, replacing and folding
/// again through libical would serialise every component of everyone's
/// feeds a second time, the cost the copy of owners' bytes exists to avoid.
struct TokenSwap: Sendable, Hashable {
    let from: [UInt8]
    let to: [UInt8]

    init(from: String, to: String) {
        precondition(from.utf8.count == to.utf8.count && !from.isEmpty, "a token is swapped for one of the same length")
        self.from = Array(from.utf8)
        self.to = Array(to.utf8)
    }

    /// The most bytes a token can take in a feed: its own and one fold
    /// per 74 of them (a folded line holds at least 74 octets after its space).
    var span: Int { from.count + 3 * (from.count / 74 + 1) }

    /// Replaces every whole occurrence in `bytes` whose start is before
    /// `limit`, and returns where the scan stopped: an occurrence that may
    /// run past the end of `bytes` starts at or after that (when `final`
    /// is false, the caller keeps those bytes for the next chunk).
    @discardableResult
    func apply(to bytes: inout [UInt8], final: Bool) -> Int {
        let count = bytes.count
        let limit = final ? count : max(0, count - span)
        let from = self.from, to = self.to
        return bytes.withUnsafeMutableBufferPointer { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            var positions = [Int](repeating: 0, count: from.count)
            var index = 0
            while index < limit {
                // The token's first byte, by memchr: most of a feed is text that holds none.
                guard let found = memchr(base + index, Int32(from[0]), limit - index) else { return limit }
                index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                var at = index
                var matched = 0
                while matched < from.count, at < count {
                    if base[at] == 0x0D, matched > 0, at + 2 < count, base[at + 1] == 0x0A, base[at + 2] == 0x20 || base[at + 2] == 0x09 {
                        at += 3
                        continue
                    }
                    guard base[at] == from[matched] else { break }
                    positions[matched] = at
                    matched += 1
                    at += 1
                }
                if matched == from.count {
                    for place in 0..<to.count { base[positions[place]] = to[place] }
                    index = at
                } else {
                    index += 1
                }
            }
            return index
        }
    }
}

/// Where a run gets its action links from: the public address, and the
/// tokens of the run's feed stems (made for stems that have none, when
/// the source keeps tokens), asked for once the run knows its owners.
public struct ActionLinkSource: Sendable {
    public var base: String
    /// Each stem's token, `all` included; a stem left out (revoked) gets no links.
    public var tokens: @Sendable (_ stems: [String]) throws(FeedError) -> [String: String]
    /// The tokens as they are now, none made (empty when there are none
    /// or they cannot be read): a run whose last run took other tokens
    /// writes the feeds again.
    public var current: @Sendable () -> [String: String]

    public init(
        base: String, tokens: @escaping @Sendable (_ stems: [String]) throws(FeedError) -> [String: String],
        current: @escaping @Sendable () -> [String: String]
    ) {
        self.base = base
        self.tokens = tokens
        self.current = current
    }
}
