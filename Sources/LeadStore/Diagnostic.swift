/// A problem found in a lead store, located as a person finds it.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var severity: Severity
    public var file: String
    /// The spreadsheet row: the header is row 1. nil for the file as a whole.
    public var row: Int?
    /// The column as the header names it.
    public var column: String?
    public var message: String

    public init(_ severity: Severity, file: String, row: Int?, column: String?, _ message: String) {
        self.severity = severity; self.file = file; self.row = row; self.column = column; self.message = message
    }

    /// `FILE:ROW:COLUMN: reason`, with `warning: ` before the reason of a warning.
    public var description: String {
        var location = file
        if let row { location += ":\(row)" }
        if let column { location += ":\(column)" }
        return "\(location): \(severity == .warning ? "warning: " : "")\(message)"
    }
}

/// A store that cannot be read at all.
public struct LeadStoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What reading a store gave: the valid leads and every problem found.
public struct LeadSheetResult: Sendable {
    /// Valid leads, in the order of their rows.
    public var leads: [Lead]
    /// Problems that rejected a row (or the whole sheet), in row order.
    public var errors: [Diagnostic]
    /// Problems that lost nothing (an unknown column).
    public var warnings: [Diagnostic]
    /// Data rows read, blank rows not counted.
    public var rowsRead: Int
    /// Rows that were rejected.
    public var rejectedRows: Int
    /// The owners of the data rows, rejected rows included, each once, in
    /// the order they first appear: each owner keeps their feeds even while
    /// their rows need fixing.
    public var owners: [String]
    /// True when the header lacks a required column, so no row could be
    /// read: writing feeds from it would empty every subscriber's calendar.
    public var headerIsUnusable = false
}

import FollowUp
