/// The link to a touch's action page that `generate --base-url` puts in
/// each event and task (`URL:` and the description's last line), where
/// `serve` offers Done, They replied, Not now and No for it.
public struct ActionLinks: Sendable, Hashable {
    /// The start of the description's last line, which `serve` reads back.
    public static let marker = "Done, replied, not now: "

    /// The public address (no trailing slash), and each owner feed stem's token.
    public var base: String
    public var tokens: [String: String]

    public init(base: String, tokens: [String: String]) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.tokens = tokens
    }

    /// The action page of the touch whose task or event has `uid`, in the
    /// feeds of `stem`; nil when the owner has no token (revoked).
    public func url(stem: String, uid: String) -> String? {
        guard let token = tokens[stem] else { return nil }
        return "\(base)/feeds/\(token)/t/\(Self.encode(uid))"
    }

    /// A UID as one path segment: RFC 3986's unreserved characters, `.`
    /// and `@` as they are (every followup UID is made of those and
    /// percent escapes), anything else percent-encoded.
    static func encode(_ uid: String) -> String {
        var result = ""
        for byte in uid.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "."), UInt8(ascii: "@"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded2
            }
        }
        return result
    }
}

extension String {
    fileprivate var leftPadded2: String { count < 2 ? "0" + self : self }
}
