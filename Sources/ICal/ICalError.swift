/// A failure inside the libical layer: what libical reported and what we were doing.
///
/// Mirrors GRDB's `DatabaseError`: the C error is captured at the boundary,
/// together with the operation, so a caller gets one readable line.
public struct ICalError: Error, CustomStringConvertible, Sendable, Equatable {
    /// libical's own name for the error (`icalerror_strerror`), or nil when the
    /// failure was detected on the Swift side.
    public let libicalError: String?
    /// What the layer was doing when it failed, e.g. `loading time zone "Mars/Base"`.
    public let context: String

    public init(context: String, libicalError: String? = nil) {
        self.context = context
        self.libicalError = libicalError
    }

    public var description: String {
        if let libicalError { return "libical: \(context): \(libicalError)" }
        return "libical: \(context)"
    }
}
