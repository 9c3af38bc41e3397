import FollowUp
import Foundation
import LeadStore
import Testing

private func day(_ text: String) -> LocalDate { LocalDate(iso: text)! }

@Suite struct LeadValuesTests {
    @Test(
        arguments: [
            ("2026-11-25", nil, "2026-11-25"), ("2026-11-25T10:00:00Z", nil, "2026-11-25"), ("2026-11-25 10:00", nil, "2026-11-25"),
            ("2026-11-25T23:30:00-08:00", nil, "2026-11-25"), ("2026-11-25T10:00:00.000+01:00", nil, "2026-11-25"),
            ("2026/11/25", nil, "2026-11-25"), ("11/24/2026", "mdy", "2026-11-24"), ("04/11/2026", "dmy", "2026-11-04"),
            ("04/11/2026", "mdy", "2026-04-11"), ("24.11.26", "dmy", "2026-11-24"), ("11/24/2026 3:15 PM", "mdy", "2026-11-24"),
            ("Nov 25, 2026", "mdy", "2026-11-25"), ("25 November 2026", "dmy", "2026-11-25"), ("25-Nov-2026", "dmy", "2026-11-25"),
            ("Wed, 25 Nov 2026", "dmy", "2026-11-25"), ("Sept 3 2026", "mdy", "2026-09-03"),
        ] as [(String, String?, String)])
    func datesAsSheetsExportThem(text: String, order: String?, expected: String) {
        #expect(LeadValues.date(text, order: order.flatMap(DateOrder.init(rawValue:))).value == day(expected), "\(text)")
    }

    @Test func anUnambiguousDateIsReadWithANoteAndAnAmbiguousOneNamesTheFix() {
        guard case .read(let date, let how) = LeadValues.date("24/11/2026", order: nil) else { Issue.record("not read"); return }
        #expect(date == day("2026-11-24") && how.contains("day-first"))
        guard case .read(let named, _) = LeadValues.date("Nov 25, 2026", order: nil) else { Issue.record("not read"); return }
        #expect(named == day("2026-11-25"))
        guard case .invalid(let expected) = LeadValues.date("11/04/2026", order: nil) else { Issue.record("read"); return }
        #expect(expected.contains("did you mean 2026-11-04?") && expected.contains("--date-order mdy"), "\(expected)")
        // The same day either way is no guess.
        #expect(LeadValues.date("05/05/2026", order: nil).value == day("2026-05-05"))
    }

    @Test(arguments: ["next week", "", "31/31/2026", "2026-13-01", "Febtember 3 2026", "1/2", "12/11/10/2026", "99999999"])
    func notDates(text: String) {
        #expect(LeadValues.date(text, order: .dmy).value == nil, "\(text)")
        #expect(LeadValues.date(text, order: nil).value == nil, "\(text)")
    }

    @Test(arguments: [
        ("not now", LeadStatus.notYet), ("Not Now", .notYet), ("NOT-NOW", .notYet), ("nurture", .notYet), ("cold", .notYet),
        ("Closed Won", .won), ("closed - won", .won), ("Closed/Lost", .lost), ("closed lost", .lost), ("Not interested", .closed),
        ("not_yet", .notYet), ("Engaged", .engaged), ("Meeting booked", .engaged), ("On hold", .paused), ("New Lead", .new),
    ])
    func statusWords(text: String, status: LeadStatus) {
        #expect(LeadValues.status(text).value == status, "\(text)")
    }

    @Test func timeZonesByNameCityAndTypo() {
        let known: (String) -> Bool = { TimeZone(identifier: $0) != nil }
        #expect(LeadValues.timeZone("Europe/Paris", isKnown: known) == .exact("Europe/Paris"))
        #expect(LeadValues.timeZone("europe/paris", isKnown: known).value == "Europe/Paris")
        #expect(LeadValues.timeZone("Central Time", isKnown: known).value == "America/Chicago")
        #expect(LeadValues.timeZone("(UTC-05:00) Eastern Time (US & Canada)", isKnown: known).value == "America/New_York")
        #expect(LeadValues.timeZone("EST", isKnown: { $0 != "EST" && known($0) }).value == "America/New_York")
        #expect(LeadValues.timeZone("New York", isKnown: known).value == "America/New_York")
        #expect(LeadValues.timeZone("São Paulo", isKnown: known).value == "America/Sao_Paulo")
        guard case .invalid(let expected) = LeadValues.timeZone("Europe/Pari", isKnown: known) else { Issue.record("read"); return }
        #expect(expected.contains("did you mean Europe/Paris"), "\(expected)")
        #expect(LeadValues.timeZone("Mars/Olympus_Mons", isKnown: known).value == nil)
    }

    @Test func suggestionsPreferTheClosest() {
        #expect(Suggestions.closest(to: "p05", in: ["P05", "P50", "Q05"]).first == "P05")
        #expect(Suggestions.closest(to: "day7", in: ["day0", "day2-3", "day7-10", "day21-30"]).first == "day7-10")
        #expect(Suggestions.closest(to: "zzzzzz", in: ["P05", "P50"]).isEmpty)
        #expect(Suggestions.closest(to: "", in: ["P05"]).isEmpty)
    }
}

/// A sheet as people export it: the lead is kept whatever its optional
/// fields hold; only a row with no id or name is rejected.
@Suite struct ExportedSheetTests {
    func read(_ text: String, order: DateOrder? = nil) throws -> LeadSheetResult {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("followup-values-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try LeadSheet(path: url.path, displayName: "leads.csv", isKnownTimeZone: { TimeZone(identifier: $0) != nil }, dateOrder: order).read()
    }

    @Test func aBadOptionalFieldIsAWarningAndTheLeadIsPlannedWithoutIt() throws {
        let result = try read(
            """
            id,name,fiscal_year_start,timezone,status,last_contact,events,country,next_step_owner
            L1,Ann Lee,13-45,Europe/Pari,won-ish,yesterday,2027-03-10 Messe; soon Expo,Atlantis,maybe
            L2,Bo Chen,04-01,Europe/Berlin,active,2026-11-20,,DE,me
            ,No Id,04-01,,,,,,
            L4,,04-01,,,,,,

            """)
        #expect(result.leads.map(\.id) == ["L1", "L2"], "the bad fields do not hide L1")
        #expect(result.rejectedRows == 2, "no id, no name")
        let l1 = result.leads[0]
        #expect(l1.fiscalYearStart == nil && l1.timeZone == nil && l1.status == nil && l1.lastContact == nil && l1.country == nil)
        #expect(l1.events.map(\.name) == ["Messe"], "the good event is kept")
        let warnings = result.warnings.map(\.description)
        for (column, value) in [
            ("fiscal_year_start", "13-45"), ("timezone", "Europe/Pari"), ("status", "won-ish"), ("last_contact", "yesterday"),
            ("events", "soon Expo"), ("country", "Atlantis"), ("next_step_owner", "maybe"),
        ] {
            #expect(
                warnings.contains {
                    $0.hasPrefix("leads.csv:2:\(column): warning: \"\(value)\"") || $0.hasPrefix("leads.csv:2:\(column): warning: event \"\(value)\"")
                }, "\(column): \(warnings)")
        }
        #expect(warnings.contains { $0.contains("Europe/Paris") }, "the zone's warning suggests the fix")
        #expect(!result.hasErrors || result.rejectedRows == 2)
    }

    @Test func aUSExportReadsWithItsOrderAndNamesTheFixWithout() throws {
        let sheet = """
            Record ID,First Name,Last Name,Lead Status,Last Contacted,Time Zone
            1,Ann,Lee,Not Now,11/04/2026 3:15 PM,Central Time
            2,Bo,Chen,Closed Won,11/24/2026,Eastern Time
            3,Cy,Diaz,nurture,"Nov 25, 2026",Paris

            """
        let plain = try read(sheet)
        #expect(plain.leads.count == 3, "every lead is kept")
        #expect(plain.leads[0].lastContact == nil, "ambiguous without an order")
        #expect(plain.warnings.contains { $0.description.contains("did you mean 2026-11-04? give --date-order mdy") }, "\(plain.warnings)")
        #expect(plain.leads[1].lastContact == day("2026-11-24"), "only month-first is a date")
        #expect(plain.leads.map(\.status) == [.notYet, .won, .notYet])
        #expect(plain.leads.map(\.timeZone) == ["America/Chicago", "America/New_York", "Europe/Paris"])
        // One warning for the zone mapping of each value, not one a row.
        #expect(plain.warnings.filter { $0.description.contains("read as America/Chicago") }.count == 1)
        let us = try read(sheet, order: .mdy)
        #expect(us.leads.map(\.lastContact) == [day("2026-11-04"), day("2026-11-24"), day("2026-11-25")])
        #expect(!us.warnings.contains { $0.column == "Last Contacted" }, "no guess with the order given: \(us.warnings)")
        let europe = try read(sheet, order: .dmy)
        #expect(europe.leads[0].lastContact == day("2026-04-11"))
        #expect(europe.leads[1].lastContact == nil, "24 is not a month")
    }

    @Test func manyGuessesAreOneWarningAColumn() throws {
        let rows = (1...500).map { "L\($0),Name \($0),24/11/2026" }.joined(separator: "\n")
        let result = try read("id,name,first_contact\n" + rows + "\n")
        #expect(result.leads.count == 500)
        let notes = result.warnings.filter { $0.column == "first_contact" }
        #expect(notes.count == 1)
        #expect(notes[0].message.contains("499 more"), "\(notes[0].message)")
    }
}
