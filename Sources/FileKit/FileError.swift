#if !os(Linux)
    // O_TMPFILE, sendfile(2), /proc/self/exe and flock(2) as Linux has them: this
    // target is where they live, and it builds on Linux only.
    #error("followup builds on Linux only: FileKit uses O_TMPFILE, sendfile and /proc/self/exe")
#endif
import Glibc

/// A file operation that failed: what was done, to which file, and the
/// system's reason.
public struct FileError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The operation failed; what was in place is whole.
        case failed
        /// Another process holds the folder's lock.
        case locked
    }

    public enum Operation: String, Sendable {
        case create, write, read, replace, copy, empty, lock
    }

    public let kind: Kind
    public let operation: Operation
    /// The file the operation was on.
    public let path: String
    /// The system's error number (`errno`); 0 when the failure is not the system's.
    public let code: Int32
    public let description: String

    public init(_ operation: Operation, _ path: String, code: Int32, kind: Kind = .failed, description: String? = nil) {
        self.kind = kind
        self.operation = operation
        self.path = path
        self.code = code
        self.description = description ?? "cannot \(operation.rawValue) \(path): \(code == 0 ? "it failed" : Self.reason(code))"
    }

    /// The failure of the call that just set `errno`.
    static func last(_ operation: Operation, _ path: String) -> FileError {
        FileError(operation, path, code: errno)
    }

    /// The system's words for an error number.
    public static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
