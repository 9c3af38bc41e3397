import FollowUp
import Foundation
import LeadStore
import Testing

/// One mapping of a lead's fields to columns, which the sheet and the
/// SQLite store both follow: a new field is one entry in it.
@Suite struct LeadColumnsTests {
    /// A field this test adds, as a new lead field would be added: one
    /// entry. It checks its values, so a bad one is a row error.
    static let renewal = LeadField(
        column: "renewal_date", text: { $0.extra["renewal_date"] },
        read: { lead, text in
            guard LocalDate(iso: text) != nil else { return "a date, YYYY-MM-DD" }
            lead.extra["renewal_date"] = text
            return nil
        })
    static let columns = LeadColumns.standard.adding(.extra("industry")).adding(renewal)

    static func leads() -> [Lead] {
        var first = Lead(id: "L1", name: "Ann Lee", company: "Acme", owner: "Alice", status: .active, firstContact: LocalDate(iso: "2026-11-02"))
        first.extra = ["industry": "Robotics, \"heavy\"", "renewal_date": "2027-03-01"]
        var second = Lead(id: "L2", name: "Bo", notes: "=1+1 is not a formula here")
        second.extra = ["industry": "+Logistics"]
        return [first, second, Lead(id: "L3", name: "Cy")]
    }

    private func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("followup-columns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func anAddedFieldRoundTripsThroughTheSheetAndTheSQLiteStore() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = folder.appendingPathComponent("leads.csv").path
        try LeadSheetWriter.write(Self.leads(), to: sheet, columns: Self.columns)
        let header = try String(contentsOfFile: sheet, encoding: .utf8).split(separator: "\r\n").first
        #expect(header?.hasSuffix(",last_step,country,industry,renewal_date") == true)

        let read = try LeadSheet(path: sheet, isKnownTimeZone: { _ in true }, columns: Self.columns).read()
        #expect(read.errors.isEmpty && read.warnings.isEmpty, "\(read.errors + read.warnings)")
        #expect(read.leads == Self.leads())

        // A store made before the field existed gains its column on open.
        let path = folder.appendingPathComponent("leads.sqlite").path
        _ = try SQLiteStore.create(at: path)
        let store = try SQLiteStore.open(at: path, columns: Self.columns)
        let report = try store.upsert(read.leads, now: "2026-12-01T00:00:00Z")
        #expect(report.added.count == 3)
        #expect(try store.leads() == Self.leads())
        #expect(try SQLiteLeads(path: path, columns: Self.columns).read().leads == Self.leads())

        // A changed value of the new field is a changed column on import.
        var changed = Self.leads()
        changed[0].extra["industry"] = "Drones"
        let update = try store.upsert(changed, now: "2026-12-02T00:00:00Z")
        #expect(update.updated.map(\.0) == ["L1"])
        #expect(update.updated.first?.1 == ["industry"])

        // Exported from the store, the sheet reads back to the same leads.
        let exported = folder.appendingPathComponent("export.csv").path
        try LeadSheetWriter.write(try store.leads(), to: exported, columns: Self.columns)
        #expect(try LeadSheet(path: exported, isKnownTimeZone: { _ in true }, columns: Self.columns).read().leads == changed)
    }

    @Test func aBadValueOfAnAddedFieldIsAWarningAndTheStandardMappingWarnsOfTheColumn() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = folder.appendingPathComponent("leads.csv").path
        try "id,name,renewal_date\nL1,Ann,2027-03-01\nL2,Bo,soon\nL3,Cy,\n".write(toFile: sheet, atomically: true, encoding: .utf8)
        let read = try LeadSheet(path: sheet, displayName: "leads.csv", isKnownTimeZone: { _ in true }, columns: Self.columns).read()
        #expect(read.leads.map(\.id) == ["L1", "L2", "L3"], "the lead is kept without the bad value")
        #expect(read.leads.first?.extra == ["renewal_date": "2027-03-01"])
        #expect(read.leads[1].extra.isEmpty)
        #expect(read.errors.isEmpty)
        #expect(read.warnings.map(\.description) == ["leads.csv:3:renewal_date: warning: \"soon\" is not a date, YYYY-MM-DD; the lead is kept without it"])

        // Without the field, the column is not the method's: a warning, and nothing of it read.
        let plain = try LeadSheet(path: sheet, displayName: "leads.csv", isKnownTimeZone: { _ in true }).read()
        #expect(plain.leads.count == 3 && plain.leads.allSatisfy(\.extra.isEmpty))
        #expect(plain.warnings.first?.description.contains("unknown column ignored: \"renewal_date\"") == true)
    }

    /// The sheet's typed columns and the mapping name the same fields, in one order.
    @Test func theStandardMappingIsTheSheetsColumns() {
        #expect(LeadColumns.standard.names == LeadSheet.Column.allCases.map(\.rawValue))
    }
}
