import FollowUp
import Foundation
import LeadStore
import Testing

/// What `generate` trusts to replan only the owners whose leads changed:
/// every write to a lead, by followup or any other program, gives the
/// lead's owner (both owners, for a lead that moves) a new revision, and
/// no other owner's.
@Suite struct OwnerRevisionTests {
    private func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("followup-revisions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    private func revisions(_ path: String) throws -> [String: Int64] {
        try SQLiteLeads(path: path).read(selecting: { _ in [] }, each: { _ in }).revisions.owners
    }

    /// The owners whose revisions differ between two readings (appeared and gone included).
    private func changed(_ before: [String: Int64], _ after: [String: Int64]) -> Set<String> {
        Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }
    }

    @Test func everyWriteChangesItsOwnersRevisionAndNoOther() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("leads.sqlite").path
        do {
            let store = try SQLiteStore.create(at: path)
            try store.add(Lead(id: "A1", name: "Ann", owner: "Ana"), now: "2026-12-01")
            try store.add(Lead(id: "B1", name: "Ben", owner: "Bo"), now: "2026-12-01")
            try store.add(Lead(id: "C1", name: "Cy", owner: "Cat"), now: "2026-12-01")
        }
        // Opened for each write and closed after, as each command does
        // (and so that sqlite3 below is the only program with it open).
        func store() throws -> SQLiteStore { try SQLiteStore.open(at: path) }
        var last = try revisions(path)
        #expect(Set(last.keys) == ["Ana", "Bo", "Cat"])

        func step(_ expected: Set<String>, _ comment: Comment, _ write: () throws -> Void) throws {
            try write()
            let now = try revisions(path)
            #expect(changed(last, now) == expected, comment)
            last = now
        }
        try step(["Ana"], "a touch logged") {
            _ = try store().log("A1", at: nil, on: LocalDate(iso: "2026-12-02")!, channel: "email", inbound: false, step: nil, note: nil, now: "2026-12-02")
        }
        try step(["Bo"], "a snooze") { _ = try store().snooze("B1", until: LocalDate(iso: "2027-02-01")!, now: "2026-12-02") }
        try step(["Bo", "Cat"], "a lead moved from one owner to another") {
            _ = try store().edit("B1", now: "2026-12-02") { $0.owner = "Cat" }
        }
        #expect(!last.keys.contains("Bo"), "an owner with no lead left has no revision")
        try step(["Dee"], "a lead of a new owner") { try store().add(Lead(id: "D1", name: "Dan", owner: "Dee"), now: "2026-12-02") }
        try step(["Ana"], "a deleted lead") { _ = try store().delete("A1", now: "2026-12-02") }
        // Another program's write counts too: the triggers are in the file.
        try step(["Cat"], "an sqlite3 session's UPDATE") { try sqlite3(path, "UPDATE lead SET notes = 'by hand' WHERE id = 'C1';") }
        try step([], "history that no lead row reflects changes no plan") {
            try sqlite3(path, "INSERT INTO journal (at, command, summary) VALUES ('2026-12-02', 'x', 'y');")
        }
    }

    @Test func aReadPicksItsOwnersFromTheRevisionsItSees() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("leads.sqlite").path
        let store = try SQLiteStore.create(at: path)
        for index in 0..<30 {
            try store.add(Lead(id: String(format: "L%02d", index), name: "Lead \(index)", owner: ["Ana", "Bo", "Cat"][index % 3]), now: "2026-12-01")
        }
        var offered: Set<String> = []
        var read: [String] = []
        let result = try SQLiteLeads(path: path).read(
            selecting: { revisions in
                offered = Set(revisions.owners.keys)
                return ["Bo"]
            }, each: { read.append($0.id) })
        #expect(offered == ["Ana", "Bo", "Cat"])
        #expect(read == (0..<30).filter { $0 % 3 == 1 }.map { String(format: "L%02d", $0) }, "only Bo's leads, in the store's order")
        #expect(result.result.rowsRead == 10)
        var all = 0
        _ = try SQLiteLeads(path: path).read(selecting: { _ in nil }, each: { _ in all += 1 })
        #expect(all == 30)
        // Picking many owners reads every row and keeps theirs.
        let many = Set((0..<600).map { "Owner \($0)" } + ["Cat"])
        var cat: [String] = []
        _ = try SQLiteLeads(path: path).read(selecting: { _ in many }, each: { cat.append($0.owner) })
        #expect(cat == Array(repeating: "Cat", count: 10))
    }

    @Test func aStoreFromBeforeRevisionsGetsThemWhenOpened() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("leads.sqlite").path
        do {
            let store = try SQLiteStore.create(at: path)
            try store.add(Lead(id: "A1", name: "Ann", owner: "Ana"), now: "2026-12-01")
            try store.add(Lead(id: "B1", name: "Ben", owner: "Bo"), now: "2026-12-01")
        }
        // The store as the version before this one left it.
        try sqlite3(
            path,
            """
            DROP TRIGGER lead_inserted; DROP TRIGGER lead_updated; DROP TRIGGER lead_deleted;
            DROP TABLE owner_revision; DROP INDEX lead_owner;
            DELETE FROM grdb_migrations WHERE identifier = 'v3-owner-revisions';
            """)
        let first = try revisions(path)
        #expect(Set(first.keys) == ["Ana", "Bo"])
        try SQLiteStore.open(at: path).add(Lead(id: "A2", name: "Abe", owner: "Ana"), now: "2026-12-02")
        #expect(changed(first, try revisions(path)) == ["Ana"])
    }
}
