import FollowUp
import Foundation
import LeadStore
import PropertyBased
import Testing

/// A store's whole content, as `undo` must put it back: every lead with
/// every field, and every lead's history.
private func contents(_ store: SQLiteStore) throws -> [String] {
    try store.leads().map { lead in
        let fields = LeadColumns.standard.values(of: lead).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "|")
        let history = try store.history(of: lead.id).map { "\($0.at) \($0.kind.rawValue) \($0.text)" }.joined(separator: "|")
        return "\(fields) // \(history)"
    }
}

private func newStore() throws -> (SQLiteStore, URL) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("followup-journal-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return (try SQLiteStore.create(at: folder.appendingPathComponent("leads.sqlite").path), folder)
}

private func day(_ text: String) -> LocalDate { LocalDate(iso: text)! }

@Suite struct JournalTests {
    @Test func eachCaptureIsUndoneExactlyAndUndoGoesBackOneAtATime() throws {
        let (store, folder) = try newStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        try store.add(Lead(id: "L1", name: "Ann Lee", email: "ann@acme.example", owner: "Alice"), now: "2026-12-01T09:00:00Z")
        try store.add(Lead(id: "L2", name: "Bo Chen", owner: "Alice", status: .new), now: "2026-12-01T09:01:00Z")
        var states = [try contents(store)]
        let changes: [() throws -> Void] = [
            { try store.log("L1", at: nil, on: day("2026-12-01"), channel: "email", inbound: false, step: "day0", note: "Hello", now: "t1") },
            { try store.log("L1", at: nil, on: day("2026-12-03"), channel: "call", inbound: true, step: nil, note: "Keen", now: "t2") },
            { try store.setNextStep("L1", what: "Send the quote", due: day("2026-12-08"), owner: .me, now: "t3") },
            { try store.markNextStepDone("L1", on: day("2026-12-08"), now: "t4") },
            {
                _ = try store.edit("L1", now: "t5") {
                    $0.email = "ann@new.example"; $0.timeZone = "Europe/Paris"
                }
            },
            { try store.snooze("L2", until: day("2027-02-01"), now: "t6") },
            { _ = try store.reassign(from: "Alice", to: "Bo", now: "t7") },
            { try store.close("L1", outcome: .won, on: day("2026-12-09"), now: "t8") },
            {
                _ = try store.upsert(
                    [Lead(id: "L2", name: "Bo Chen", company: "Chen & Co", owner: "Bo"), Lead(id: "L3", name: "Cy")], source: "s.csv", now: "t9")
            },
            { try store.delete("L1", now: "t10") },
        ]
        for change in changes {
            try change()
            states.append(try contents(store))
            #expect(states.last != states[states.count - 2], "each change changes the store")
        }
        #expect(
            try store.journalEntries().map(\.command).prefix(10) == ["delete", "import", "close", "reassign", "snooze", "edit", "done", "next", "log", "log"])
        // Undo walks back through every state, newest first.
        for expected in states.dropLast().reversed() {
            #expect(try store.undo() != nil)
            #expect(try contents(store) == expected)
        }
        // The two adds are undone too, then there is nothing left.
        #expect(try store.undo()?.command == "add")
        #expect(try store.undo()?.command == "add")
        #expect(try store.leads().isEmpty)
        #expect(try store.undo() == nil)
    }

    @Test func aDeletedLeadComesBackWithItsHistoryAndItsPlace() throws {
        let (store, folder) = try newStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        for id in ["A", "B", "C"] { try store.add(Lead(id: id, name: "Lead \(id)"), now: "n") }
        try store.log(
            "B", at: LocalDateTime(iso: "2026-12-01T10:30"), on: day("2026-12-01"), channel: "email", inbound: false, step: "day0", note: "x", now: "n")
        let before = try contents(store)
        try store.delete("B", now: "n")
        #expect(try store.leads().map(\.id) == ["A", "C"])
        #expect(try store.count("touch") == 0, "its history goes with it")
        _ = try store.undo()
        #expect(try store.leads().map(\.id) == ["A", "B", "C"], "back in its place")
        #expect(try contents(store) == before)
    }

    @Test func aTouchLoggedTwiceIsRefusedUnlessAgain() throws {
        let (store, folder) = try newStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        try store.add(Lead(id: "L1", name: "Ann"), now: "n")
        let at = LocalDateTime(iso: "2026-12-01T10:30")
        try store.log("L1", at: at, on: day("2026-12-01"), channel: "email", inbound: false, step: "day0", note: nil, now: "n")
        // Same minute, seconds apart: the same touch.
        #expect(throws: DuplicateTouch.self) {
            try store.log(
                "L1", at: LocalDateTime(iso: "2026-12-01T10:30:40"), on: day("2026-12-01"), channel: "email", inbound: false, step: nil, note: nil, now: "n")
        }
        // Another minute, another channel or direction: not the same.
        try store.log("L1", at: LocalDateTime(iso: "2026-12-01T10:31"), on: day("2026-12-01"), channel: "email", inbound: false, step: nil, note: nil, now: "n")
        try store.log("L1", at: at, on: day("2026-12-01"), channel: "call", inbound: false, step: nil, note: nil, now: "n")
        try store.log("L1", at: at, on: day("2026-12-01"), channel: "email", inbound: true, step: nil, note: nil, now: "n")
        try store.log("L1", at: at, on: day("2026-12-01"), channel: "email", inbound: false, step: nil, note: nil, again: true, now: "n")
        #expect(try store.count("touch") == 5)
        // A refused touch leaves no journal entry.
        #expect(try store.journalEntries().count == 6)
    }

    @Test func anEditThatChangesNothingLeavesNoEntry() throws {
        let (store, folder) = try newStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        try store.add(Lead(id: "L1", name: "Ann", email: "a@x.example"), now: "n")
        let edit = try store.edit("L1", now: "n") { $0.email = "a@x.example" }
        #expect(edit.columns.isEmpty)
        #expect(try store.journalEntries().map(\.command) == ["add"])
        let renamed = try store.edit("L1", now: "n") {
            $0.id = "other"; $0.name = "Ann Lee"
        }
        #expect(renamed.columns == ["name"], "the id stays")
        #expect(try store.lead("L1").name == "Ann Lee")
    }

    @Test func anUnknownIdNamesTheClosestOnes() throws {
        let (store, folder) = try newStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        for id in ["P05", "P50", "Q99"] { try store.add(Lead(id: id, name: "x"), now: "n") }
        let error = try #require(throws: LeadStoreError.self) { _ = try store.lead("p05") }
        #expect(error.description.contains("did you mean P05?"), "\(error)")
        let far = try #require(throws: LeadStoreError.self) { _ = try store.lead("ZZZZZZ") }
        #expect(!far.description.contains("did you mean"))
    }

    @Test func theJournalKeepsItsLengthAndUndoStillWorks() throws {
        let (store, folder) = try newStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        try store.add(Lead(id: "L1", name: "Ann"), now: "n")
        for index in 0..<(SQLiteStore.journalLength + 20) {
            _ = try store.edit("L1", now: "n") { $0.notes = "note \(index)" }
        }
        #expect(try store.journalEntries().count == SQLiteStore.journalLength)
        _ = try store.undo()
        #expect(try store.lead("L1").notes == "note \(SQLiteStore.journalLength + 18)")
    }

    /// Random sequences of captures on random leads, then as many undos:
    /// the store is back to what it was, field for field and touch for touch.
    @Test func anyRunOfCapturesIsUndoneToTheStart() async throws {
        await propertyCheck(count: 25, input: Gen.int(in: 0...Int.max).array(of: 1...12)) { choices in
            do {
                let (store, folder) = try newStore()
                defer { try? FileManager.default.removeItem(at: folder) }
                for id in ["A", "B", "C"] { try store.add(Lead(id: id, name: "Lead \(id)", owner: "O\(id)"), now: "n") }
                let start = try contents(store)
                var done = 0
                for (index, choice) in choices.enumerated() {
                    let id = ["A", "B", "C"][choice % 3]
                    let date = day("2026-12-01").adding(days: index)
                    let entries = try store.journalEntries().count
                    do {
                        switch (choice / 3) % 7 {
                        case 0: try store.log(id, at: nil, on: date, channel: "email", inbound: false, step: "day0", note: "n\(index)", now: "n")
                        case 1: try store.log(id, at: nil, on: date, channel: "call", inbound: true, step: nil, note: nil, now: "n")
                        case 2: try store.setNextStep(id, what: "Step \(index)", due: date.adding(days: 3), owner: .them, now: "n")
                        case 3: try store.snooze(id, until: date.adding(days: 40), droppingNextStep: index % 2 == 0, now: "n")
                        case 4: _ = try store.edit(id, now: "n") { $0.notes = "edit \(index)" }
                        case 5: try store.delete(id, now: "n")
                        default: _ = try store.reassign(from: "O\(id)", to: "X", now: "n")
                        }
                    } catch {
                        // A capture on a deleted lead: refused, and nothing journaled.
                        #expect(try store.journalEntries().count == entries)
                    }
                    // A reassign of nobody changes nothing and keeps no entry.
                    if try store.journalEntries().count > entries { done += 1 }
                }
                for _ in 0..<done { _ = try store.undo() }
                #expect(try contents(store) == start)
            } catch {
                Issue.record("\(error)")
            }
            await Task.yield()
        }
    }
}

/// The request ids of `serve`'s action forms (migration v4-action-requests).
@Suite struct ActionRequestTests {
    @Test func aRequestChangesTheStoreOnceAndItsUndoOnlyWhileNothingChangedTheLeadSince() throws {
        let (store, folder) = try newStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        try store.add(Lead(id: "L1", name: "Ann Lee", owner: "Alice", status: .new), now: "t0")
        try store.add(Lead(id: "L2", name: "Bo Chen", owner: "Alice", status: .new), now: "t0")
        let fresh = try contents(store)
        try store.log("L1", at: nil, on: day("2026-12-01"), channel: "email", inbound: false, step: "day0", note: nil, again: true, now: "t1", request: "r1")
        let logged = try contents(store)
        // The same request again, even as another action, changes nothing.
        #expect(throws: RepeatedRequest.self) {
            try store.close("L1", outcome: .closed, on: day("2026-12-01"), now: "t2", request: "r1")
        }
        #expect(try contents(store) == logged)
        #expect(try store.actionRequest("r1")?.summary == "log L1: your email on 2026-12-01 (day0)")
        #expect(try store.actionRequest("r1")?.leadID == "L1")
        #expect(try store.actionRequest("nope") == nil)

        // Another lead's change does not stand in the way; this lead's does.
        try store.snooze("L2", until: day("2027-01-01"), now: "t3", request: "r2")
        try store.log("L1", at: nil, on: day("2026-12-03"), channel: "call", inbound: true, step: nil, note: nil, now: "t4")
        let changed = try contents(store)
        #expect(throws: LeadStoreError.self) { try store.undo(request: "r1") }
        #expect(try contents(store) == changed, "a refused undo changes nothing")
        // r2's undo puts L2 back; a second is refused; the first undone is marked so.
        #expect(try store.undo(request: "r2").leadID == "L2")
        #expect(try store.actionRequest("r2")?.undone == true)
        #expect(throws: LeadStoreError.self) { try store.undo(request: "r2") }
        _ = try store.undo()  // the inbound call (plain `followup undo`)
        #expect(try store.undo(request: "r1").journalID > 0)
        #expect(try contents(store) == fresh)
        // A request undone still counts as seen.
        #expect(throws: RepeatedRequest.self) {
            try store.log("L1", at: nil, on: day("2026-12-01"), channel: "email", inbound: false, step: "day0", note: nil, now: "t5", request: "r1")
        }
    }
}
