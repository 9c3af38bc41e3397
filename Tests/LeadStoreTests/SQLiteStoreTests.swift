import FollowUp
import Foundation
import LeadStore
import PropertyBased
import Testing

/// A fresh folder for one test's files.
private func scratch() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("followup-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

private func day(_ text: String) -> LocalDate { LocalDate(iso: text)! }

/// The repository's demo sheet.
private let demoSheet = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/demo/leads.csv").path

private func readDemo() throws -> LeadSheetResult {
    try LeadSheet(path: demoSheet, isKnownTimeZone: { TimeZone(identifier: $0) != nil }).read()
}

@Suite struct SQLiteStoreTests {
    @Test func aNewStoreOpensAgainAndIsNeverOverwritten() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("leads.sqlite").path
        let store = try SQLiteStore.create(at: path)
        try store.add(Lead(id: "L1", name: "Ann Lee"), now: "2026-12-01")
        #expect(throws: LeadStoreError.self) { _ = try SQLiteStore.create(at: path) }
        #expect(try SQLiteStore.open(at: path).leads().map(\.id) == ["L1"])
    }

    @Test func aForeignOrCorruptFileIsRefusedAndLeftAsItWas() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Another application's SQLite database.
        let foreign = folder.appendingPathComponent("other.sqlite").path
        try sqlite3(foreign, "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me');")
        let before = try Data(contentsOf: URL(fileURLWithPath: foreign))
        let error = try #require(throws: LeadStoreError.self) { _ = try SQLiteStore.open(at: foreign) }
        #expect(error.description.contains("not a followup store"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: foreign)) == before, "not even switched to WAL")
        // Not a database at all.
        let garbage = folder.appendingPathComponent("leads.sqlite").path
        try Data("id,name\nL1,Ann\n".utf8).write(to: URL(fileURLWithPath: garbage))
        #expect(throws: LeadStoreError.self) { _ = try SQLiteStore.open(at: garbage) }
        #expect(try String(contentsOfFile: garbage, encoding: .utf8) == "id,name\nL1,Ann\n")
        // A store whose pages are damaged.
        let damaged = folder.appendingPathComponent("damaged.sqlite").path
        let store = try SQLiteStore.create(at: damaged)
        try store.add(Lead(id: "L1", name: "Ann"), now: "2026-12-01")
        // Every page after the 100-byte header overwritten, and the WAL gone.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: damaged))
        bytes.replaceSubrange(100..<bytes.count, with: Data(repeating: 0xFF, count: bytes.count - 100))
        try? FileManager.default.removeItem(atPath: damaged + "-wal")
        try? FileManager.default.removeItem(atPath: damaged + "-shm")
        try bytes.write(to: URL(fileURLWithPath: damaged))
        #expect(throws: LeadStoreError.self) { _ = try SQLiteStore.open(at: damaged).leads() }
    }

    @Test func aStoreFromANewerVersionIsRefused() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("leads.sqlite").path
        _ = try SQLiteStore.create(at: path)
        // A later version would have recorded a migration this one does not know.
        try sqlite3(path, "INSERT INTO grdb_migrations VALUES ('v99-from-the-future');")
        let error = try #require(throws: LeadStoreError.self) { _ = try SQLiteStore.open(at: path) }
        #expect(error.description.contains("newer version"))
    }

    @Test func eachCommandUpdatesTheLeadAndKeepsTheHistory() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore.create(at: folder.appendingPathComponent("leads.sqlite").path)
        try store.add(Lead(id: "L1", name: "Ann Lee", status: .new), now: "2026-11-20")
        #expect(throws: LeadStoreError.self) { try store.add(Lead(id: "L1", name: "Other"), now: "2026-11-20") }

        var lead = try store.log("L1", at: nil, on: day("2026-11-20"), channel: "email", inbound: false, step: "day0", note: "Sent", now: "x")
        #expect(lead.firstContact == day("2026-11-20") && lead.lastContact == day("2026-11-20") && lead.status == .active)
        #expect(lead.lastStep == "day0", "the step a touch fulfilled is kept for the planner")
        lead = try store.log("L1", at: nil, on: day("2026-11-24"), channel: "call", inbound: true, step: nil, note: nil, now: "x")
        #expect(lead.lastReply == day("2026-11-24") && lead.status == .engaged)
        lead = try store.setNextStep("L1", what: "Send numbers", due: day("2026-12-03"), owner: .them, now: "x")
        #expect(lead.nextStep == "Send numbers" && lead.nextStepOwner == .them)
        lead = try store.markNextStepDone("L1", on: day("2026-12-03"), now: "x")
        #expect(lead.nextStep == nil && lead.nextStepDue == nil)
        #expect(lead.lastContact == day("2026-11-20"), "their step done is not a contact from us")
        #expect(throws: LeadStoreError.self) { try store.markNextStepDone("L1", on: day("2026-12-03"), now: "x") }
        lead = try store.snooze("L1", until: day("2027-03-01"), now: "x")
        #expect(lead.snoozeUntil == day("2027-03-01") && lead.status == .notYet)
        lead = try store.close("L1", outcome: .won, on: day("2027-03-02"), now: "x")
        #expect(lead.status == .won)
        #expect(try store.lead("L1") == lead)
        #expect(try store.touches(of: "L1").map(\.inbound) == [false, true])
        for (table, count) in [("touch", 2), ("next_step", 1), ("snooze", 1), ("outcome", 1)] {
            #expect(try store.count(table) == count, "\(table)")
        }
    }

    @Test func aFailedCommandChangesNothing() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore.create(at: folder.appendingPathComponent("leads.sqlite").path)
        try store.add(Lead(id: "L1", name: "Ann Lee"), now: "2026-11-20")
        let error = try #require(throws: LeadStoreError.self) {
            try store.log("NOPE", at: nil, on: day("2026-11-20"), channel: "email", inbound: false, step: nil, note: nil, now: "x")
        }
        #expect(error.description == "no lead \"NOPE\" in \(store.path)")
        #expect(try store.count("touch") == 0)
    }

    @Test func aSheetImportedIntoAStoreReadsBackAsTheSameLeadsAndExportsToThem() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = try readDemo()
        #expect(sheet.errors.isEmpty)
        let store = try SQLiteStore.create(at: folder.appendingPathComponent("leads.sqlite").path)
        let report = try store.upsert(sheet.leads, now: "2026-12-01")
        #expect(report.added.count == sheet.leads.count)
        #expect(try store.leads() == sheet.leads)
        // Again: nothing changes; one changed lead is reported with its column.
        var changed = sheet.leads
        changed[3].notes = "New notes"
        let again = try store.upsert(changed, now: "2026-12-02")
        #expect(again.added.isEmpty && again.unchanged == sheet.leads.count - 1)
        #expect(again.updated.map(\.id) == [changed[3].id])
        #expect(again.updated.first?.columns == ["notes"])
        // Export, then read the sheet: the same leads.
        let exported = folder.appendingPathComponent("export.csv").path
        try LeadSheetWriter.write(try store.leads(), to: exported)
        let back = try LeadSheet(path: exported, isKnownTimeZone: { TimeZone(identifier: $0) != nil }).read()
        #expect(back.errors.isEmpty)
        #expect(back.leads == changed)
    }

    @Test func crmExportsAreReadThroughTheColumnMapping() throws {
        let hubspot = try readSheet(
            """
            Record ID,First Name,Last Name,Company Name,Email,Contact owner,Lead Status,Last Activity Date
            101,Ann,Lee,Acme,ann@acme.example,Alice,ATTEMPTED_TO_CONTACT,2026-11-20 10:15
            102,Bo,,Beta,,Alice,BAD_TIMING,
            """)
        #expect(hubspot.errors.isEmpty, "\(hubspot.errors)")
        #expect(hubspot.leads.map(\.name) == ["Ann Lee", "Bo"])
        #expect(hubspot.leads.map(\.status) == [.active, .notYet])
        #expect(hubspot.leads.first?.lastContact == day("2026-11-20"))
        #expect(hubspot.leads.first?.company == "Acme" && hubspot.leads.first?.owner == "Alice")
        let salesforce = try readSheet(
            """
            Lead ID,First Name,Last Name,Company,Email,Lead Owner,Lead Status,Description
            00Q1,Cy,Diaz,Gamma,cy@g.example,Bo,Working - Contacted,"Wants a pilot"
            """)
        #expect(salesforce.leads.first?.name == "Cy Diaz")
        #expect(salesforce.leads.first?.status == .active)
        #expect(salesforce.leads.first?.notes == "Wants a pilot")
        let pipedrive = try readSheet(
            """
            Person - ID,Person - Name,Person - Organization,Person - Email - Work,Person - Owner
            7,Dee Egan,Delta,dee@d.example,Cy
            """)
        #expect(pipedrive.leads.first == Lead(id: "7", name: "Dee Egan", company: "Delta", email: "dee@d.example", owner: "Cy"))
    }
}

/// Round trips over generated leads: whatever a lead holds (commas, quotes,
/// line breaks, non-ASCII text, empty fields), a sheet written from it reads
/// back to it, and so does the store.
@Suite struct RoundTripPropertyTests {
    static let pieces = [
        "Ann", "Lee", "O'Brien", "Zoë", "Ødegaard", "株式会社", "a, b", "\"quoted\"", "line\nbreak", "tab\there",
        "مرحبا", "🙂", "x;y", "=1+2", "  ", "",
    ]
    static let text = Gen.int(in: 0...(pieces.count - 1)).array(of: 0...4).map { indices in
        indices.map { pieces[$0] }.joined(separator: " ").trimmed
    }

    static func lead(_ index: Int, _ texts: [String], _ numbers: [Int]) -> Lead {
        func optional(_ value: String) -> String? { value.isEmpty ? nil : value }
        let base = LocalDate(iso: "2026-01-01")!
        func date(_ value: Int) -> LocalDate? { value % 3 == 0 ? nil : base.adding(days: value % 700) }
        let eventName = texts[5].replacingOccurrences(of: ";", with: "").trimmed
        return Lead(
            id: "L\(index)-" + texts[0].filter { $0.isLetter }, name: texts[1].isEmpty ? "N" : texts[1],
            company: optional(texts[2]), email: optional(texts[3]), phone: nil,
            owner: texts[4].isEmpty ? Lead.defaultOwner : texts[4],
            timeZone: ["UTC", "Asia/Tokyo", nil][numbers[0] % 3],
            status: numbers[1] % 9 == 8 ? nil : LeadStatus.allCases[numbers[1] % 8],
            firstContact: date(numbers[2]), lastContact: date(numbers[3]), lastReply: date(numbers[4]),
            nextStep: optional(texts[6]), nextStepDue: date(numbers[5]),
            nextStepOwner: numbers[6] % 3 == 0 ? nil : (numbers[6] % 3 == 1 ? .me : .them),
            snoozeUntil: date(numbers[7]), fiscalYearStart: numbers[8] % 2 == 0 ? nil : MonthDay("02-29"),
            launchDate: date(numbers[9]),
            events: eventName.isEmpty || numbers[10] % 2 == 0 ? [] : [LeadEvent(date: base.adding(days: numbers[10] % 400), name: eventName)],
            notes: optional(texts[7]), lastStep: numbers[11] % 2 == 0 ? nil : "day2-3")
    }

    @Test func sheetsAndStoresGiveBackTheLeadsTheyWereGiven() async {
        await propertyCheck(count: 60, input: Self.text.array(of: 8).array(of: 1...12), Gen.int(in: 1...10_000).array(of: 12)) { texts, numbers in
            let leads = texts.enumerated().map { Self.lead($0.offset, $0.element, numbers.map { $0 &* ($0 + 1) }) }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("followup-roundtrip-\(UUID().uuidString)")
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            do {
                let sheet = folder.appendingPathComponent("leads.csv").path
                try LeadSheetWriter.write(leads, to: sheet)
                let read = try LeadSheet(path: sheet, isKnownTimeZone: { TimeZone(identifier: $0) != nil }).read()
                #expect(read.errors.isEmpty, "\(read.errors)")
                #expect(read.leads == leads)
                let store = try SQLiteStore.create(at: folder.appendingPathComponent("leads.sqlite").path)
                _ = try store.upsert(leads, now: "2026-12-01")
                #expect(try store.leads() == leads)
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
