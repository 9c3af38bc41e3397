import FileKit

/// A feed that could not be built or written.
public struct FeedError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Writing failed; the previous feeds are whole.
        case failed
        /// Another run holds the output folder's lock.
        case locked
        /// Feeds of the last run could not be kept as they are: the run
        /// plans everything instead.
        case notReusable
    }

    public let kind: Kind
    public let description: String

    public init(_ description: String, kind: Kind = .failed) {
        self.description = description
        self.kind = kind
    }
}

extension FeedError {
    /// A file of the run that could not be written, read or locked.
    public init(_ error: FileError) {
        self.init(error.description, kind: error.kind == .locked ? .locked : .failed)
    }
}

/// Runs a file operation of a feed writer: its failure is the run's.
func fileOperation<T>(_ body: () throws(FileError) -> T) throws(FeedError) -> T {
    do { return try body() } catch { throw FeedError(error) }
}
