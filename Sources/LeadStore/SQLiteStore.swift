import FollowUp
import FileKit
import Foundation
import GRDB

/// The SQLite lead store: one trusted place for every lead, touch, promise
/// and outcome, through GRDB on the system's libsqlite3.
///
/// The `lead` table holds each lead as the lead sheet describes it, kept
/// current by every command in the same transaction that appends to the
/// history (`touch`, `next_step`, `snooze`, `outcome`). So the planner reads
/// the same `Lead` values from a store as from a sheet, and `export` writes
/// a sheet that plans the same touchpoints.
///
/// Writes are IMMEDIATE transactions in WAL mode with a busy timeout: a
/// failed command changes nothing, and two commands at once (cron's
/// `generate` reading while a person logs a touch, or two people logging)
/// wait for each other instead of failing or losing a write.
public final class SQLiteStore {
    /// `PRAGMA application_id` of a followup store ("FUp1"): another SQLite
    /// file is refused before anything is written to it.
    public static let applicationID: Int32 = 0x4655_7031
    public let path: String
    let pool: DatabasePool

    /// The columns of its `lead` table, and what each holds.
    public let columns: LeadColumns

    private init(path: String, pool: DatabasePool, columns: LeadColumns) throws {
        self.path = path
        self.pool = pool
        self.columns = columns
        try Self.addMissingColumns(columns, to: pool)
    }

    /// A column of the mapping that the table lacks (a field added after
    /// the store was made) is added, empty: the schema follows the mapping.
    private static func addMissingColumns(_ columns: LeadColumns, to pool: DatabasePool) throws {
        let present = try pool.read { db in Set(try db.columns(in: "lead").map(\.name)) }
        let missing = columns.names.filter { !present.contains($0) }
        guard !missing.isEmpty else { return }
        try pool.write { db in
            for column in missing { try db.execute(sql: "ALTER TABLE lead ADD COLUMN \(column.quotedDatabaseIdentifier) TEXT") }
        }
    }

    /// Whether the file at `path` starts as an SQLite database does.
    public static func looksLikeSQLite(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        return header == Data("SQLite format 3\0".utf8)
    }

    private static func configuration(readonly: Bool) -> Configuration {
        var configuration = Configuration()
        configuration.readonly = readonly
        configuration.busyMode = .timeout(30)
        configuration.foreignKeysEnabled = true
        return configuration
    }

    /// Creates a new store at `path`; refuses a file that exists.
    public static func create(at path: String, mode: mode_t = 0o600, columns: LeadColumns = .standard) throws(LeadStoreError) -> SQLiteStore {
        if FileManager.default.fileExists(atPath: path) {
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            let what = isFolder.boolValue ? "a folder" : looksLikeSQLite(path) && ((try? open(at: path)) != nil) ? "a followup store" : "a file"
            throw LeadStoreError("\(path): there is already \(what) there; nothing was changed")
        }
        do {
            // The store holds the same personal data as the feeds: owner-only
            // unless asked otherwise.
            // SQLite gives its -wal and -shm files the mode of the database file.
            do { try createExclusively(path, mode: mode) } catch {
                throw LeadStoreError("\(path): cannot create the store: \(FileError.reason(error.code))")
            }
            let pool = try DatabasePool(path: path, configuration: configuration(readonly: false))
            try migrator.migrate(pool)
            try pool.write { db in try db.execute(sql: "PRAGMA application_id = \(applicationID)") }
            return try SQLiteStore(path: path, pool: pool, columns: columns)
        } catch let error as LeadStoreError {
            throw error
        } catch {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            throw LeadStoreError("\(path): cannot create the store: \(describe(error))")
        }
    }

    /// The check connection's file name: while no `-wal` file is beside
    /// the store, everything it holds is in the file itself, so it is read
    /// as immutable, which creates no `-wal` or `-shm` file beside a file
    /// that may not be a store at all (Debian's SQLite takes URI names).
    static func checkName(_ path: String) -> String {
        guard !FileManager.default.fileExists(atPath: path + "-wal") else { return path }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var escaped = ""
        for byte in absolute.utf8 {
            if byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") || byte == UInt8(ascii: "%") || byte < 0x21 || byte >= 0x7F {
                escaped += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            } else {
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return "file:" + escaped + "?immutable=1"
    }

    /// Opens an existing store. A file that is not a followup store, or is
    /// one from a newer version, is refused with nothing written to it.
    /// With `verify` (every command that writes), a store that SQLite's
    /// `quick_check` finds damaged is refused too, unchanged: a write into
    /// a damaged file can lose what is still readable in it.
    public static func open(at path: String, verify: Bool = false, columns: LeadColumns = .standard) throws(LeadStoreError) -> SQLiteStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw LeadStoreError("\(path): no such store; create one with `followup init \(path)`")
        }
        guard looksLikeSQLite(path) else {
            throw LeadStoreError("\(path): not a followup store (not an SQLite database); nothing was changed")
        }
        // Checked read-only first: opening for writing would switch a
        // foreign database to WAL mode, which changes its file.
        do {
            let check = try DatabaseQueue(path: checkName(path), configuration: configuration(readonly: true))
            defer { try? check.close() }
            let (application, superseded) = try check.read { db in
                (try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0, try migrator.hasBeenSuperseded(db))
            }
            guard application == applicationID else {
                throw LeadStoreError("\(path): an SQLite database, but not a followup store; nothing was changed")
            }
            guard !superseded else {
                throw LeadStoreError("\(path): made by a newer version of followup; upgrade followup to use it (nothing was changed)")
            }
            if verify {
                let problems = try check.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check(5)") }
                guard problems == ["ok"] else {
                    throw LeadStoreError(
                        "\(path): the store is damaged (SQLite's check: \(problems.joined(separator: "; "))); nothing was changed. "
                            + "Restore it from a backup, or recover what is readable with `sqlite3 \(path) .recover`")
                }
            }
        } catch let error as LeadStoreError {
            throw error
        } catch {
            let reason = describe(error)
            if reason.contains("malformed") || reason.contains("corrupt") {
                throw LeadStoreError(
                    "\(path): the store is damaged or cut short (\(reason)); nothing was changed. "
                        + "Restore it from a backup, or recover what is readable with `sqlite3 \(path) .recover`")
            }
            throw LeadStoreError("\(path): not a followup store (\(reason)); nothing was changed")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration(readonly: false))
            try migrator.migrate(pool)
            return try SQLiteStore(path: path, pool: pool, columns: columns)
        } catch {
            throw LeadStoreError("\(path): cannot open the store: \(describe(error))")
        }
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "\(error.resultCode)"
        }
        return "\(error)"
    }

    /// The schema, as versioned migrations: a store from an older version
    /// is brought up to date when it is opened; one from a newer version
    /// (a migration this build does not know) is refused.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "lead") { table in
                table.primaryKey("id", .text)
                table.column("position", .integer).notNull()
                table.column("name", .text).notNull()
                for column in ["company", "email", "phone"] { table.column(column, .text) }
                table.column("owner", .text).notNull().defaults(to: Lead.defaultOwner)
                table.column("timezone", .text)
                table.column("status", .text)
                for column in [
                    "first_contact", "last_contact", "last_reply", "next_step", "next_step_due", "next_step_owner",
                    "snooze_until", "fiscal_year_start", "launch_date", "events", "notes", "last_step",
                ] {
                    table.column(column, .text)
                }
                table.column("created_at", .text).notNull()
                table.column("updated_at", .text).notNull()
            }
            try db.create(table: "touch") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("lead_id", .text).notNull().indexed().references("lead", onDelete: .cascade)
                table.column("at", .text).notNull()
                table.column("channel", .text).notNull()
                table.column("direction", .text).notNull().check(sql: "direction IN ('in', 'out')")
                table.column("step", .text)
                table.column("note", .text)
            }
            try db.create(table: "next_step") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("lead_id", .text).notNull().indexed().references("lead", onDelete: .cascade)
                table.column("what", .text).notNull()
                table.column("due", .text).notNull()
                table.column("owner", .text).notNull().check(sql: "owner IN ('me', 'them')")
                table.column("set_at", .text).notNull()
                table.column("done_at", .text)
            }
            try db.create(table: "snooze") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("lead_id", .text).notNull().indexed().references("lead", onDelete: .cascade)
                table.column("until", .text).notNull()
                table.column("set_at", .text).notNull()
            }
            try db.create(table: "outcome") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("lead_id", .text).notNull().indexed().references("lead", onDelete: .cascade)
                table.column("outcome", .text).notNull().check(sql: "outcome IN ('won', 'lost', 'closed')")
                table.column("at", .text).notNull()
            }
        }
        // The journal `undo` reads: each capture command's entry, and each
        // lead it changed as it was before (nil: the lead did not exist).
        migrator.registerMigration("v2-journal") { db in
            try db.create(table: "journal") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("at", .text).notNull()
                table.column("command", .text).notNull()
                table.column("summary", .text).notNull()
            }
            try db.create(table: "journal_lead") { table in
                table.column("journal_id", .integer).notNull().indexed().references("journal", onDelete: .cascade)
                table.column("lead_id", .text).notNull()
                table.column("before", .text)
            }
        }
        // What lets `generate` replan only the owners whose leads changed:
        // a revision per owner, a fresh random value whenever one of their
        // leads is added, changed or removed. Triggers keep it, so every
        // write counts (an `sqlite3` session's too), and a random value
        // cannot come back by chance as a counter would (a store restored
        // from a backup, then changed otherwise, would count to the same
        // number with other leads).
        migrator.registerMigration("v3-owner-revisions") { db in
            try db.execute(
                sql: """
                    CREATE INDEX lead_owner ON lead(owner);
                    CREATE TABLE owner_revision (owner TEXT PRIMARY KEY NOT NULL, revision INTEGER NOT NULL) WITHOUT ROWID;
                    INSERT INTO owner_revision (owner, revision) SELECT owner, random() FROM lead GROUP BY owner;
                    CREATE TRIGGER lead_inserted AFTER INSERT ON lead BEGIN
                        INSERT INTO owner_revision (owner, revision) VALUES (NEW.owner, random())
                            ON CONFLICT (owner) DO UPDATE SET revision = excluded.revision;
                    END;
                    CREATE TRIGGER lead_updated AFTER UPDATE ON lead BEGIN
                        INSERT INTO owner_revision (owner, revision) VALUES (OLD.owner, random())
                            ON CONFLICT (owner) DO UPDATE SET revision = excluded.revision;
                        INSERT INTO owner_revision (owner, revision) VALUES (NEW.owner, random())
                            ON CONFLICT (owner) DO UPDATE SET revision = excluded.revision;
                    END;
                    CREATE TRIGGER lead_deleted AFTER DELETE ON lead BEGIN
                        INSERT INTO owner_revision (owner, revision) VALUES (OLD.owner, random())
                            ON CONFLICT (owner) DO UPDATE SET revision = excluded.revision;
                    END;
                    """)
        }
        // Actions taken from a page of `serve` (Done, They replied, …):
        // each form carries a one-time request id, kept here in the same
        // transaction as its change, so a form sent twice (a reload, a
        // replay, two clicks) changes the store once; and the journal
        // entry it made, for the page's Undo.
        migrator.registerMigration("v4-action-requests") { db in
            try db.execute(
                sql: """
                    CREATE TABLE action_request (
                        id TEXT PRIMARY KEY NOT NULL,
                        lead_id TEXT NOT NULL,
                        journal_id INTEGER NOT NULL,
                        summary TEXT NOT NULL,
                        created INTEGER NOT NULL,
                        undone INTEGER NOT NULL DEFAULT 0
                    ) WITHOUT ROWID;
                    """)
        }
        return migrator
    }()

    // MARK: - Reading

    /// Every lead, in the order they were added.
    public func leads() throws(LeadStoreError) -> [Lead] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM lead ORDER BY position").map(lead(row:))
            }
        } catch { throw LeadStoreError("\(path): cannot read the leads: \(Self.describe(error))") }
    }

    /// Reads every lead with a cursor and hands each to `each` as it is
    /// read; the result's `leads` stay empty, so a store of any size can be
    /// read without holding it.
    public func read(each: (Lead) -> Void) throws(LeadStoreError) -> LeadSheetResult {
        try read(selecting: { _ in nil }, each: each).result
    }

    /// Reads the owners' revisions and then, in the same snapshot, the
    /// leads of the owners `selecting` picks from them (every lead when it
    /// picks nil), in the store's order.
    public func read(
        selecting: (OwnerRevisions) -> Set<String>?, each: (Lead) -> Void
    ) throws(LeadStoreError) -> (result: LeadSheetResult, revisions: OwnerRevisions) {
        var result = LeadSheetResult(leads: [], errors: [], warnings: [], rowsRead: 0, rejectedRows: 0, owners: [])
        var owners: Set<String> = []
        var revisions = OwnerRevisions()
        do {
            try pool.read { db in
                // Owners without leads left keep a row: they have no feeds.
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT owner, revision FROM owner_revision WHERE EXISTS (SELECT 1 FROM lead WHERE lead.owner = owner_revision.owner)")
                while let row = try rows.next() { revisions.owners[row["owner"]] = row["revision"] as Int64 }
                let chosen = selecting(revisions)
                if let chosen, chosen.isEmpty { return }
                // A few owners are read through the index; many, by reading every row.
                let few = chosen.map { $0.count <= 500 } ?? false
                let sql =
                    few
                    ? "SELECT * FROM lead WHERE owner IN (\(Array(repeating: "?", count: chosen!.count).joined(separator: ", "))) ORDER BY position"
                    : "SELECT * FROM lead ORDER BY position"
                let leads = try Row.fetchCursor(db, sql: sql, arguments: few ? StatementArguments(chosen!.sorted()) : StatementArguments())
                while let row = try leads.next() {
                    let lead = self.lead(row: row)
                    if !few, let chosen, !chosen.contains(lead.owner) { continue }
                    result.rowsRead += 1
                    if owners.insert(lead.owner).inserted { result.owners.append(lead.owner) }
                    each(lead)
                }
            }
        } catch { throw LeadStoreError("\(path): cannot read the leads: \(Self.describe(error))") }
        return (result, revisions)
    }

    public func lead(_ id: String) throws(LeadStoreError) -> Lead {
        let found: Result<Lead, LeadStoreError>
        do {
            found = try pool.read { db in
                if let row = try Row.fetchOne(db, sql: "SELECT * FROM lead WHERE id = ?", arguments: [id]) { return .success(lead(row: row)) }
                return .failure(try notFound(id, in: db))
            }
        } catch { throw LeadStoreError("\(path): cannot read lead \(Diagnostic.shown(id, limit: 80)): \(Self.describe(error))") }
        return try found.get()
    }

    /// One touch of the history.
    public struct Touch: Sendable, Hashable {
        public var leadID: String
        public var at: String
        public var channel: String
        public var inbound: Bool
        public var step: String?
        public var note: String?
    }

    /// A lead's touches, oldest first.
    public func touches(of id: String) throws(LeadStoreError) -> [Touch] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM touch WHERE lead_id = ? ORDER BY at, id", arguments: [id]).map { row in
                    Touch(
                        leadID: row["lead_id"], at: row["at"], channel: row["channel"], inbound: row["direction"] == "in",
                        step: row["step"], note: row["note"])
                }
            }
        } catch { throw LeadStoreError("\(path): cannot read the touches: \(Self.describe(error))") }
    }

    /// How many rows each history table holds (for tests and `check`).
    public func count(_ table: String) throws(LeadStoreError) -> Int {
        guard ["lead", "touch", "next_step", "snooze", "outcome"].contains(table) else { return 0 }
        do {
            return try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
        } catch { throw LeadStoreError("\(path): \(Self.describe(error))") }
    }

    // MARK: - Writing

    /// Runs `change` on the current lead in one IMMEDIATE transaction: the
    /// history rows it inserts and the lead it returns are written together,
    /// or nothing is.
    /// With a `request` id (an action's form), a request seen before is
    /// refused with `RepeatedRequest` and nothing is written.
    private func update(
        _ id: String, now: String, command: String, request: String? = nil,
        _ change: (Database, inout Lead) throws -> String
    ) throws -> Lead {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: Lead?
                try db.inTransaction(.immediate) {
                    guard let row = try Row.fetchOne(db, sql: "SELECT * FROM lead WHERE id = ?", arguments: [id]) else {
                        throw try notFound(id, in: db)
                    }
                    if let request, let seen = try Row.fetchOne(db, sql: "SELECT * FROM action_request WHERE id = ?", arguments: [request]) {
                        throw RepeatedRequest(summary: seen["summary"], undone: seen["undone"])
                    }
                    let before = try snapshot(id, in: db)
                    var lead = self.lead(row: row)
                    let summary = try change(db, &lead)
                    try save(lead, in: db, position: row["position"], createdAt: row["created_at"], now: now)
                    let entry = try journal(command, summary, leads: [(id, before)], at: now, in: db)
                    if let request {
                        try db.execute(
                            sql: "INSERT INTO action_request (id, lead_id, journal_id, summary, created) VALUES (?, ?, ?, ?, ?)",
                            arguments: [request, id, entry, summary, Int(Date().timeIntervalSince1970)])
                    }
                    result = lead
                    return .commit
                }
                return result!
            }
        } catch let error as DatabaseError {
            throw LeadStoreError("\(path): nothing was changed: \(Self.describe(error))")
        }
    }

    /// "no lead …", with the ids closest to it when there are some.
    func notFound(_ id: String, in db: Database) throws -> LeadStoreError {
        let ids = try String.fetchAll(db, sql: "SELECT id FROM lead")
        let close = Suggestions.closest(to: id, in: ids)
        let hint = close.isEmpty ? "" : "; did you mean \(close.joined(separator: " or "))?"
        return LeadStoreError("no lead \(Diagnostic.shown(id, limit: 80)) in \(path)\(hint)")
    }

    /// Adds a new lead; its id must be new.
    public func add(_ lead: Lead, now: String) throws(LeadStoreError) {
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    if try Bool.fetchOne(db, sql: "SELECT 1 FROM lead WHERE id = ?", arguments: [lead.id]) == true {
                        throw LeadStoreError("\(path): a lead with id \"\(lead.id)\" exists already; nothing was changed")
                    }
                    let position = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) + 1 FROM lead") ?? 1
                    try save(lead, in: db, position: position, createdAt: now, now: now)
                    try journal("add", "add \(lead.id) \(lead.name)", leads: [(lead.id, nil)], at: now, in: db)
                    return .commit
                }
            }
        } catch let error as LeadStoreError {
            throw error
        } catch {
            throw LeadStoreError("\(path): nothing was changed: \(Self.describe(error))")
        }
    }

    /// A free id of the form `L0001`.
    public func nextID() throws(LeadStoreError) -> String {
        let ids = Set(try leads().map(\.id))
        var number = ids.count + 1
        while ids.contains("L" + LocalDate.pad(number, 4)) { number += 1 }
        return "L" + LocalDate.pad(number, 4)
    }

    /// Records a touch. An outbound touch is our contact (the first one is
    /// Day 0); an inbound one is their reply. A touch identical to one
    /// logged already (same channel and direction and the same minute; with
    /// no time, the same day and note) is refused with `DuplicateTouch`
    /// unless `again`: the same command run twice is the likelier cause.
    @discardableResult
    public func log(
        _ id: String, at: LocalDateTime?, on date: LocalDate, channel: String, inbound: Bool,
        step: String?, note: String?, again: Bool = false, now: String, request: String? = nil
    ) throws -> Lead {
        try update(id, now: now, command: "log", request: request) { db, lead in
            let at = at.map { "\($0.date)T\($0.time):\(LocalDate.pad2($0.second))" } ?? date.description
            let direction = inbound ? "in" : "out"
            if !again,
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM touch WHERE lead_id = ? AND channel = ? AND direction = ? AND substr(at, 1, 16) = substr(?, 1, 16) "
                        + "AND (length(at) > 10 OR note IS ?) LIMIT 1",
                    arguments: [id, channel, direction, at, note])
            {
                throw DuplicateTouch(existing: Self.touch(row))
            }
            try db.execute(
                sql: "INSERT INTO touch (lead_id, at, channel, direction, step, note) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [id, at, channel, direction, step, note])
            lead = inbound ? lead.replied(on: date) : lead.touched(on: date, step: step)
            return "log \(id): \(inbound ? "their reply by" : "your") \(channel) on \(at)\(step.map { " (\($0))" } ?? "")"
        }
    }

    /// Sets the agreed next step (replacing an open one) and its owner.
    @discardableResult
    public func setNextStep(_ id: String, what: String, due: LocalDate, owner: StepOwner, now: String) throws -> Lead {
        try update(id, now: now, command: "next") { db, lead in
            try db.execute(
                sql: "UPDATE next_step SET done_at = ? WHERE lead_id = ? AND done_at IS NULL",
                arguments: ["replaced " + now, id])
            try db.execute(
                sql: "INSERT INTO next_step (lead_id, what, due, owner, set_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, what, due.description, owner.rawValue, now])
            lead = lead.agreeing(what, due: due, owner: owner)
            return "next \(id): \"\(what)\" due \(due), \(owner == .me ? "yours" : "theirs")"
        }
    }

    /// Marks the open next step done; a `me` step done is a contact from us.
    @discardableResult
    public func markNextStepDone(_ id: String, on date: LocalDate, now: String, request: String? = nil) throws -> Lead {
        try update(id, now: now, command: "done", request: request) { db, lead in
            guard let done = lead.nextStepDone(on: date) else {
                throw LeadStoreError("lead \"\(id)\" has no open next step; nothing was changed")
            }
            let what = lead.nextStep ?? "the next step"
            try db.execute(sql: "UPDATE next_step SET done_at = ? WHERE lead_id = ? AND done_at IS NULL", arguments: [now, id])
            lead = done
            return "done \(id): \"\(what)\""
        }
    }

    /// "Not now": nothing before `until`, then nurture.
    @discardableResult
    public func snooze(_ id: String, until: LocalDate, droppingNextStep: Bool = false, now: String, request: String? = nil) throws -> Lead {
        try update(id, now: now, command: "snooze", request: request) { db, lead in
            try db.execute(sql: "INSERT INTO snooze (lead_id, until, set_at) VALUES (?, ?, ?)", arguments: [id, until.description, now])
            lead = lead.snoozed(until: until, droppingNextStep: droppingNextStep)
            return "snooze \(id) until \(until)\(droppingNextStep ? ", next step dropped" : "")"
        }
    }

    /// Won, lost, or closed ("no"): nothing more is planned.
    @discardableResult
    public func close(_ id: String, outcome: LeadStatus, on date: LocalDate, now: String, request: String? = nil) throws -> Lead {
        try update(id, now: now, command: "close", request: request) { db, lead in
            guard let closed = lead.closed(as: outcome) else {
                throw LeadStoreError("\(outcome.rawValue) does not close a lead (won, lost or closed do); nothing was changed")
            }
            try db.execute(
                sql: "INSERT INTO outcome (lead_id, outcome, at) VALUES (?, ?, ?)",
                arguments: [id, outcome.rawValue, date.description])
            lead = closed
            return "close \(id) as \(outcome.rawValue)"
        }
    }

    /// Replaces a lead's fields with `edited`'s (its id stays; the history
    /// stays). Returns the lead as it was and the columns that changed; an
    /// edit that changes nothing writes nothing.
    public func edit(_ id: String, now: String, _ change: (inout Lead) throws -> Void) throws -> (before: Lead, after: Lead, columns: [String]) {
        var before: Lead?
        var changed: [String] = []
        do {
            let after = try update(id, now: now, command: "edit") { _, lead in
                before = lead
                try change(&lead)
                lead.id = id
                changed = self.changedColumns(from: before!, to: lead)
                // Rolled back: an edit that changes nothing leaves no journal entry.
                if changed.isEmpty { throw Unchanged() }
                return "edit \(id): \(changed.joined(separator: ", "))"
            }
            return (before!, after, changed)
        } catch is Unchanged {
            return (before!, before!, [])
        }
    }

    /// Gives every lead of `from` (of one status, when given) to `to`, in
    /// one transaction and one journal entry. Returns the ids moved.
    public func reassign(from: String, to: String, status: LeadStatus? = nil, now: String) throws -> [String] {
        try write(failure: "nothing was changed") { db in
            var moved: [(String, String?)] = []
            // Owners are one owner whatever their case, as the feeds split them.
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM lead ORDER BY position")
            for row in rows {
                var lead = self.lead(row: row)
                guard lead.owner.lowercased() == from.lowercased() else { continue }
                if let status, lead.effectiveStatus != status { continue }
                moved.append((lead.id, try snapshot(lead.id, in: db)))
                lead.owner = to
                try save(lead, in: db, position: row["position"], createdAt: row["created_at"], now: now)
            }
            if !moved.isEmpty {
                let which = status.map { " (\($0.rawValue))" } ?? ""
                try journal(
                    "reassign", "reassign \(moved.count) lead\(moved.count == 1 ? "" : "s")\(which) from \(from) to \(to)", leads: moved, at: now,
                    in: db)
            }
            return moved.map(\.0)
        }
    }

    /// Deletes a lead and its history; the journal keeps them, so `undo`
    /// brings them back.
    @discardableResult
    public func delete(_ id: String, now: String) throws -> Lead {
        try write(failure: "nothing was changed") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM lead WHERE id = ?", arguments: [id]) else {
                throw try notFound(id, in: db)
            }
            let lead = self.lead(row: row)
            try journal("delete", "delete \(id) \(lead.name)", leads: [(id, try snapshot(id, in: db))], at: now, in: db)
            try db.execute(sql: "DELETE FROM lead WHERE id = ?", arguments: [id])
            return lead
        }
    }

    /// What an import did.
    public struct ImportReport: Sendable {
        public var added: [String] = []
        /// Updated leads and the columns that changed.
        public var updated: [(id: String, columns: [String])] = []
        public var unchanged = 0
    }

    /// The columns whose text differs between two leads, in the mapping's order.
    func changedColumns(from old: Lead, to new: Lead) -> [String] {
        let before = columns.values(of: old), after = columns.values(of: new)
        return columns.names.filter { before[$0] != after[$0] }
    }

    /// Adds new leads and updates existing ones by id, in one transaction
    /// and one journal entry (`source` names it: the sheet's path).
    public func upsert(_ leads: [Lead], source: String = "a sheet", now: String) throws(LeadStoreError) -> ImportReport {
        do {
            return try pool.writeWithoutTransaction { db in
                var report = ImportReport()
                var journaled: [(String, String?)] = []
                try db.inTransaction(.immediate) {
                    var position = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM lead") ?? 0
                    for lead in leads {
                        if let row = try Row.fetchOne(db, sql: "SELECT * FROM lead WHERE id = ?", arguments: [lead.id]) {
                            let changed = changedColumns(from: self.lead(row: row), to: lead)
                            if changed.isEmpty {
                                report.unchanged += 1
                            } else {
                                journaled.append((lead.id, try snapshot(lead.id, in: db)))
                                try save(lead, in: db, position: row["position"], createdAt: row["created_at"], now: now)
                                report.updated.append((lead.id, changed))
                            }
                        } else {
                            position += 1
                            try save(lead, in: db, position: position, createdAt: now, now: now)
                            journaled.append((lead.id, nil))
                            report.added.append(lead.id)
                        }
                    }
                    if !journaled.isEmpty {
                        try journal(
                            "import", "import \(source): \(report.added.count) added, \(report.updated.count) updated", leads: journaled, at: now,
                            in: db)
                    }
                    return .commit
                }
                return report
            }
        } catch {
            throw LeadStoreError("\(path): nothing was imported: \(Self.describe(error))")
        }
    }

    /// Runs `body` in one IMMEDIATE transaction; an error other than the
    /// store's own is reported as "\(path): \(failure): …".
    func write<T>(failure: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let error as DatabaseError {
            throw LeadStoreError("\(path): \(failure): \(Self.describe(error))")
        }
    }

    // MARK: - Rows and leads

    func save(_ lead: Lead, in db: Database, position: Int, createdAt: String, now: String) throws {
        let values = columns.values(of: lead)
        let names = columns.names
        let arguments = StatementArguments(names.map { values[$0] }) + [position, createdAt, now]
        // An upsert, not INSERT OR REPLACE: a replace deletes the row first,
        // and the history's ON DELETE CASCADE would go with it.
        let updates = (names.dropFirst() + ["updated_at"]).map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        try db.execute(
            sql: """
                INSERT INTO lead (\(names.joined(separator: ", ")), position, created_at, updated_at)
                VALUES (\(Array(repeating: "?", count: names.count + 3).joined(separator: ", ")))
                ON CONFLICT(id) DO UPDATE SET \(updates)
                """, arguments: arguments)
    }

    func lead(row: Row) -> Lead {
        columns.lead { row[$0] }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
