/// A feed that could not be built or written.
public struct FeedError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Writing failed; the previous feeds are whole.
        case failed
        /// Another run holds the output folder's lock.
        case locked
    }

    public let kind: Kind
    public let description: String

    public init(_ description: String, kind: Kind = .failed) {
        self.description = description
        self.kind = kind
    }
}
