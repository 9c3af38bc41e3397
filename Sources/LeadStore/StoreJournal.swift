import FollowUp
import Foundation
import GRDB

/// A touch the store has logged already: `log` refuses to log it twice.
public struct DuplicateTouch: Error, Sendable {
    public let existing: SQLiteStore.Touch
}

/// An action's request the store has seen already (`v4-action-requests`):
/// nothing was changed again.
public struct RepeatedRequest: Error, Sendable {
    /// What the first one did, and whether it was undone since.
    public let summary: String
    public let undone: Bool
}

/// An edit that changed nothing (rolled back, so no journal entry).
struct Unchanged: Error {}

/// The journal: every capture command writes, in the same transaction as
/// its change, each lead it changed as it was before, so `undo` can put
/// them back exactly (fields and history), newest entry first.
extension SQLiteStore {
    /// How many entries are kept: older ones are dropped as new ones come.
    public static let journalLength = 200

    /// The history tables, each keyed by `lead_id`.
    static let historyTables = ["touch", "next_step", "snooze", "outcome"]

    /// One entry of the journal.
    public struct JournalEntry: Sendable, Hashable {
        public var id: Int64
        /// When the command ran (its `--now`, or the clock).
        public var at: String
        /// The command: log, next, done, snooze, close, edit, reassign, add, import, delete.
        public var command: String
        /// What it did, in one line.
        public var summary: String
        /// The leads it changed.
        public var leads: [String]
    }

    /// A lead's row and history as JSON; nil when there is no such lead.
    func snapshot(_ id: String, in db: Database) throws -> String? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM lead WHERE id = ?", arguments: [id]) else { return nil }
        var object: [String: Any] = ["lead": Self.json(row)]
        for table in Self.historyTables {
            object[table] = try Row.fetchAll(db, sql: "SELECT * FROM \(table) WHERE lead_id = ? ORDER BY id", arguments: [id]).map(Self.json)
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    private static func json(_ row: Row) -> [String: Any] {
        var object: [String: Any] = [:]
        for (column, value) in row {
            switch value.storage {
            case .null: object[column] = NSNull()
            case .int64(let number): object[column] = number
            case .double(let number): object[column] = number
            case .string(let text): object[column] = text
            case .blob(let data): object[column] = ["blob": data.base64EncodedString()]
            }
        }
        return object
    }

    private static func value(_ json: Any) -> DatabaseValue {
        switch json {
        case let text as String: return text.databaseValue
        case let number as NSNumber:
            // The store's columns hold text and integers; a number with a fraction is a REAL.
            return number.doubleValue == Double(number.int64Value) ? number.int64Value.databaseValue : number.doubleValue.databaseValue
        case let object as [String: Any]:
            return (object["blob"] as? String).flatMap { Data(base64Encoded: $0) }?.databaseValue ?? .null
        default: return .null
        }
    }

    /// Puts a lead back as `snapshot` has it, history and all (nil: no lead).
    func restore(_ id: String, from snapshot: String?, in db: Database) throws {
        try db.execute(sql: "DELETE FROM lead WHERE id = ?", arguments: [id])
        guard let snapshot else { return }
        guard let object = try JSONSerialization.jsonObject(with: Data(snapshot.utf8)) as? [String: Any],
            let lead = object["lead"] as? [String: Any]
        else { throw LeadStoreError("\(path): the journal entry of \(id) is damaged; nothing was changed") }
        try insert(lead, into: "lead", in: db)
        for table in Self.historyTables {
            for row in object[table] as? [[String: Any]] ?? [] { try insert(row, into: table, in: db) }
        }
    }

    private func insert(_ row: [String: Any], into table: String, in db: Database) throws {
        let present = Set(try db.columns(in: table).map(\.name))
        let names = row.keys.filter(present.contains).sorted()
        try db.execute(
            sql:
                "INSERT INTO \(table) (\(names.map(\.quotedDatabaseIdentifier).joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
            arguments: StatementArguments(names.map { Self.value(row[$0]!) }))
    }

    /// Adds an entry for a change made in this transaction.
    @discardableResult
    func journal(_ command: String, _ summary: String, leads: [(id: String, before: String?)], at now: String, in db: Database) throws -> Int64 {
        try db.execute(sql: "INSERT INTO journal (at, command, summary) VALUES (?, ?, ?)", arguments: [now, command, summary])
        let entry = db.lastInsertedRowID
        for (id, before) in leads {
            try db.execute(sql: "INSERT INTO journal_lead (journal_id, lead_id, before) VALUES (?, ?, ?)", arguments: [entry, id, before])
        }
        try db.execute(sql: "DELETE FROM journal WHERE id <= ?", arguments: [entry - Int64(Self.journalLength)])
        return entry
    }

    /// The entries `undo` can reverse, newest first.
    public func journalEntries(limit: Int = SQLiteStore.journalLength) throws(LeadStoreError) -> [JournalEntry] {
        do {
            return try pool.read { db in try Self.entries(limit: limit, in: db) }
        } catch { throw LeadStoreError("\(path): cannot read the journal: \(Self.describe(error))") }
    }

    private static func entries(limit: Int, in db: Database) throws -> [JournalEntry] {
        try Row.fetchAll(db, sql: "SELECT * FROM journal ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
            let id: Int64 = row["id"]
            let leads = try String.fetchAll(db, sql: "SELECT lead_id FROM journal_lead WHERE journal_id = ? ORDER BY rowid", arguments: [id])
            return JournalEntry(id: id, at: row["at"], command: row["command"], summary: row["summary"], leads: leads)
        }
    }

    /// Reverses the newest entry: every lead it changed is put back as it
    /// was before (a lead it added is removed, one it deleted comes back),
    /// and the entry is gone, so the next `undo` reverses the one before.
    /// nil when there is nothing to undo.
    public func undo() throws -> JournalEntry? {
        try write(failure: "nothing was undone") { db in
            guard let entry = try Self.entries(limit: 1, in: db).first else { return nil }
            try reverse(entry.id, in: db)
            return entry
        }
    }

    /// An action's request as the store keeps it.
    public struct ActionRequest: Sendable, Hashable {
        public var id: String
        public var leadID: String
        public var journalID: Int64
        public var summary: String
        /// When it was made, in seconds since 1970 (this machine's clock).
        public var created: Int
        public var undone: Bool
    }

    /// The action a request made, nil when the store has none by that id.
    public func actionRequest(_ id: String) throws(LeadStoreError) -> ActionRequest? {
        do {
            return try pool.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM action_request WHERE id = ?", arguments: [id]).map(Self.actionRequest)
            }
        } catch { throw LeadStoreError("\(path): cannot read the actions: \(Self.describe(error))") }
    }

    /// Undoes the change an action's request made, when nothing has
    /// changed its lead since: the lead is put back as it was, the journal
    /// entry goes, and the request is marked undone (a second Undo of it
    /// changes nothing). Refused with a message when the entry is gone or
    /// a later change touched the lead (undoing under it would lose that).
    public func undo(request id: String) throws -> ActionRequest {
        try write(failure: "nothing was undone") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM action_request WHERE id = ?", arguments: [id]) else {
                throw LeadStoreError("no such action in \(path); nothing was undone")
            }
            let request = Self.actionRequest(row)
            if request.undone { throw LeadStoreError("\(request.summary): undone already; nothing was changed") }
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM journal WHERE id = ?", arguments: [request.journalID]) == true else {
                throw LeadStoreError("\(request.summary): no longer in the journal; nothing was undone")
            }
            let later = try String.fetchAll(
                db,
                sql: "SELECT j.summary FROM journal j JOIN journal_lead l ON l.journal_id = j.id WHERE j.id > ? AND l.lead_id = ? ORDER BY j.id",
                arguments: [request.journalID, request.leadID])
            if let first = later.first {
                throw LeadStoreError("\(request.summary): the lead changed since (\(first)); nothing was undone")
            }
            try reverse(request.journalID, in: db)
            try db.execute(sql: "UPDATE action_request SET undone = 1 WHERE id = ?", arguments: [id])
            return request
        }
    }

    private static func actionRequest(_ row: Row) -> ActionRequest {
        ActionRequest(
            id: row["id"], leadID: row["lead_id"], journalID: row["journal_id"], summary: row["summary"], created: row["created"],
            undone: row["undone"])
    }

    /// Puts back every lead a journal entry changed, as it was before, and
    /// removes the entry: what `undo()` and `undo(request:)` both do.
    private func reverse(_ entry: Int64, in db: Database) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT lead_id, before FROM journal_lead WHERE journal_id = ? ORDER BY rowid", arguments: [entry])
        for row in rows { try restore(row["lead_id"], from: row["before"], in: db) }
        try db.execute(sql: "DELETE FROM journal WHERE id = ?", arguments: [entry])
    }

    static func touch(_ row: Row) -> Touch {
        Touch(leadID: row["lead_id"], at: row["at"], channel: row["channel"], inbound: row["direction"] == "in", step: row["step"], note: row["note"])
    }

    /// One thing that happened to a lead, as `show` lists it.
    public struct Event: Sendable, Hashable {
        public enum Kind: String, Sendable {
            case touchOut = "touch"
            case reply
            case nextStep = "next-step"
            case nextStepDone = "next-step-done"
            case snooze, outcome
        }
        /// A date, or a date-time, as recorded.
        public var at: String
        public var kind: Kind
        /// channel, step and note; the next step and due date; the snooze's end; the outcome.
        public var text: String
        public var channel: String?
        public var step: String?
        public var note: String?
    }

    /// A lead's whole history, oldest first.
    public func history(of id: String) throws(LeadStoreError) -> [Event] {
        do {
            return try pool.read { db in
                var events: [Event] = []
                for row in try Row.fetchAll(db, sql: "SELECT * FROM touch WHERE lead_id = ? ORDER BY at, id", arguments: [id]) {
                    let touch = Self.touch(row)
                    var text = touch.inbound ? "their reply by \(touch.channel)" : "your \(touch.channel)"
                    if let step = touch.step { text += " (\(step))" }
                    if let note = touch.note { text += ": \(note)" }
                    events.append(
                        Event(at: touch.at, kind: touch.inbound ? .reply : .touchOut, text: text, channel: touch.channel, step: touch.step, note: touch.note))
                }
                for row in try Row.fetchAll(db, sql: "SELECT * FROM next_step WHERE lead_id = ? ORDER BY id", arguments: [id]) {
                    let what: String = row["what"], due: String = row["due"], owner: String = row["owner"]
                    events.append(
                        Event(
                            at: Self.day(of: row["set_at"]), kind: .nextStep,
                            text: "next step \"\(what)\" due \(due), \(owner == "me" ? "yours" : "theirs")"))
                    if let done: String = row["done_at"] {
                        let replaced = done.hasPrefix("replaced ")
                        events.append(
                            Event(
                                at: Self.day(of: replaced ? String(done.dropFirst(9)) : done), kind: .nextStepDone,
                                text: replaced ? "next step \"\(what)\" replaced" : "next step \"\(what)\" done"))
                    }
                }
                for row in try Row.fetchAll(db, sql: "SELECT * FROM snooze WHERE lead_id = ? ORDER BY id", arguments: [id]) {
                    let until: String = row["until"]
                    events.append(Event(at: Self.day(of: row["set_at"]), kind: .snooze, text: "snoozed until \(until)"))
                }
                for row in try Row.fetchAll(db, sql: "SELECT * FROM outcome WHERE lead_id = ? ORDER BY id", arguments: [id]) {
                    let outcome: String = row["outcome"]
                    events.append(Event(at: row["at"], kind: .outcome, text: "closed: \(outcome == "closed" ? "no" : outcome)"))
                }
                // Stable: events of one day keep the order they were added in.
                return events.enumerated().sorted { ($0.element.at.prefix(10), $0.offset) < ($1.element.at.prefix(10), $1.offset) }.map(\.element)
            }
        } catch { throw LeadStoreError("\(path): cannot read the history: \(Self.describe(error))") }
    }

    /// The day of a recorded time (`2026-12-01T09:00:00Z`): its first ten characters.
    private static func day(of stamp: String) -> String { String(stamp.prefix(10)) }
}

/// The nearest names to a mistyped one: for lead ids and time zones.
/// Written here (a Levenshtein distance, a few lines) rather than taken
/// from a library: none of the project's dependencies offers one.
public enum Suggestions {
    /// The candidates closest to `text`, best first: the same without
    /// regard to case; else those that start with it (`day7` is `day7-10`);
    /// else those fewest edits away, within a third of its length.
    public static func closest(to text: String, in candidates: [String], limit: Int = 3) -> [String] {
        let key = Array(text.lowercased())
        guard !key.isEmpty else { return [] }
        let lowered = text.lowercased()
        let same = candidates.filter { $0.lowercased() == lowered }
        if !same.isEmpty { return Array(same.sorted().prefix(limit)) }
        if key.count >= 2 {
            let starting = candidates.filter { $0.lowercased().hasPrefix(lowered) }
            if !starting.isEmpty { return Array(starting.sorted { ($0.count, $0) < ($1.count, $1) }.prefix(limit)) }
        }
        let most = max(1, key.count / 3)
        var scored: [(Int, String)] = []
        for candidate in candidates {
            let other = Array(candidate.lowercased())
            if abs(other.count - key.count) > most { continue }
            let distance = distance(key, other, most: most)
            if distance <= most { scored.append((distance, candidate)) }
        }
        // Only the nearest: a second-best guess is more noise than help.
        guard let best = scored.map(\.0).min() else { return [] }
        return scored.filter { $0.0 == best }.map(\.1).sorted().prefix(limit).map { $0 }
    }

    /// Edit distance, given up (most + 1) once it passes `most`.
    static func distance(_ a: [Character], _ b: [Character], most: Int) -> Int {
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            if current.min()! > most { return most + 1 }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
