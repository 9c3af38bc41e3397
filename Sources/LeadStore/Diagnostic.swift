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
    /// A warning that the header has columns followup does not read: it
    /// loses nothing, so `import` and `generate` say it and the commands
    /// that only look at a sheet (agenda, check, plan, explain) do not
    /// repeat it on every run.
    public var isAboutUnknownColumns = false

    /// Control characters in any part are written as escapes (a value from
    /// a sheet must not move the cursor or recolour a terminal), and a
    /// message is cut at `maxMessageLength` characters.
    public init(_ severity: Severity, file: String, row: Int?, column: String?, _ message: String) {
        self.severity = severity
        self.file = Self.shownPlain(file, limit: 400)
        self.row = row
        self.column = column.map { Self.shownPlain($0, limit: 100) }
        self.message = Self.shownPlain(message, limit: Self.maxMessageLength)
    }

    /// The longest message, in characters.
    public static let maxMessageLength = 2_000

    /// A value as a message shows it: in double quotes, control and
    /// direction-changing characters escaped (`\n`, `\u{1B}`), cut after
    /// `limit` characters with its whole length said.
    public static func shown(_ value: String, limit: Int = 60) -> String {
        shownPlain(value, limit: limit, quoted: true)
    }

    /// `shown` without the quotes (unless `quoted`).
    public static func shownPlain(_ value: String, limit: Int = 60, quoted: Bool = false) -> String {
        // Most messages and values are short printable ASCII: kept as they are.
        if value.utf8.count <= limit, value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return quoted ? "\"" + value + "\"" : value
        }
        var text = quoted ? "\"" : ""
        var count = 0
        var cut = false
        for scalar in value.unicodeScalars {
            if count >= limit { cut = true; break }
            count += 1
            switch scalar.value {
            case 0x0A: text += "\\n"
            case 0x0D: text += "\\r"
            case 0x09: text += "\\t"
            case 0x00...0x1F, 0x7F...0x9F, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF:
                text += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: text.unicodeScalars.append(scalar)
            }
        }
        if cut { text += "…" }
        if quoted { text += "\"" }
        if cut { text += " (\(value.unicodeScalars.count) characters)" }
        return text
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
    /// How the sheet's bytes were read (nil for a store that is not a sheet).
    public var encoding: SheetEncoding.Resolved?
    /// True when the header lacks a required column, so no row could be
    /// read: writing feeds from it would empty every subscriber's calendar.
    public var headerIsUnusable = false

    /// Whether anything was rejected or could not be read: a command exits 65 then.
    public var hasErrors: Bool { rejectedRows > 0 || !errors.isEmpty }

    /// The most problems kept in `errors`: a sheet gone wrong from some row
    /// on (an unclosed quote over a million lines) has a problem a row, and
    /// a million messages help nobody and take gigabytes. Past it they are
    /// counted in `unreportedErrors`, and their rows in `rejectedRows`.
    public static let maxReportedErrors = 1_000
    /// Problems past `maxReportedErrors`, counted and not kept.
    public var unreportedErrors = 0

    /// Keeps `diagnostics` in `errors` while there is room, and counts the rest.
    public mutating func report(_ diagnostics: [Diagnostic]) {
        let room = max(0, Self.maxReportedErrors - errors.count)
        errors += diagnostics.prefix(room)
        unreportedErrors += max(0, diagnostics.count - room)
    }

    /// Warnings past `maxReportedErrors`, counted and not kept.
    public var unreportedWarnings = 0

    /// Keeps `diagnostics` in `warnings` while there is room, and counts the rest.
    public mutating func reportWarnings(_ diagnostics: [Diagnostic]) {
        guard !diagnostics.isEmpty else { return }
        let room = max(0, Self.maxReportedErrors - warnings.count)
        warnings += diagnostics.prefix(room)
        unreportedWarnings += max(0, diagnostics.count - room)
    }

    /// One line for the problems not kept, if any.
    public func unreportedSummary(file: String) -> String? {
        guard unreportedErrors > 0 || unreportedWarnings > 0 else { return nil }
        if unreportedErrors == 0 {
            return "\(Diagnostic.shownPlain(file, limit: 400)): \(unreportedWarnings) more warning\(unreportedWarnings == 1 ? "" : "s") not shown "
                + "(the first \(Self.maxReportedErrors) are above)"
        }
        return "\(Diagnostic.shownPlain(file, limit: 400)): \(unreportedErrors) more problem\(unreportedErrors == 1 ? "" : "s") not shown "
            + "(the first \(Self.maxReportedErrors) are above); \(rejectedRows) row\(rejectedRows == 1 ? "" : "s") rejected in all"
    }
}

import FollowUp

extension LeadSheetResult {
    /// A result with no leads and no problems: what a run that read
    /// nothing (or reports an earlier run's count) starts from.
    public init(rowsRead: Int = 0, rejectedRows: Int = 0, owners: [String] = []) {
        self.init(leads: [], errors: [], warnings: [], rowsRead: rowsRead, rejectedRows: rejectedRows, owners: owners)
    }
}
