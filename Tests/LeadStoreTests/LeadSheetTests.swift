import FollowUp
import Foundation
@testable import LeadStore
import Testing

/// Writes a sheet into a fresh temporary folder and reads it.
func readSheet(_ text: String, bytes: [UInt8]? = nil, name: String = "leads.csv", encoding: SheetEncoding = .auto) throws -> LeadSheetResult {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("followup-sheet-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent(name).path
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes ?? Array(text.utf8)))
    let known: Set<String> = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "UTC"]
    return try LeadSheet(path: path, displayName: name, encoding: encoding, isKnownTimeZone: { known.contains($0) }).read()
}

@Suite struct LeadSheetTests {
    @Test func aCountryIsACodeASubdivisionOrAnEnglishName() throws {
        let result = try readSheet(
            """
            id,name,Country/Region
            C1,Ann,de
            C2,Bo,US-CA
            C3,Cy,Germany
            C4,Dee,United States
            C5,Eve,Côte d’Ivoire
            C6,Fay,
            C7,Gus,Atlantis
            C8,Hal,US-
            C9,Ida,\u{202E}DE
            """)
        #expect(result.leads.map { $0.country ?? "-" } == ["DE", "US-CA", "DE", "US", "CI", "-", "-", "-", "-"])
        let expected =
            "is not a country; expected an ISO 3166 code such as DE, a subdivision such as US-CA, or a country's English name; the lead is planned with its time zone's holidays"
        #expect(
            result.warnings.map(\.description) == [
                "leads.csv:8:Country/Region: warning: \"Atlantis\" \(expected)",
                "leads.csv:9:Country/Region: warning: \"US-\" \(expected)",
                "leads.csv:10:Country/Region: warning: \"\\u{202E}DE\" \(expected)",
            ])
        #expect(result.rejectedRows == 0)
    }

    @Test func readsEveryColumn() throws {
        let result = try readSheet(
            #"""
            id,name,company,email,phone,owner,timezone,status,first_contact,last_contact,last_reply,next_step,next_step_due,next_step_owner,snooze_until,fiscal_year_start,launch_date,events,notes
            L1,Ann Lee,"Acme, Inc.",ann@acme.example,+1 555,Alice,Europe/Berlin,Not_Yet,2026-11-02,2026-11-04,2026-11-05,Call back,2026-12-03,them,2027-01-10,04-01,2027-05-20,2027-03-10 Hannover Messe; 2027-06-15 Data Summit,"Line one
            Line ""two"""
            """#)
        #expect(result.errors.isEmpty)
        let lead = try #require(result.leads.first)
        #expect(
            lead
                == Lead(
                    id: "L1", name: "Ann Lee", company: "Acme, Inc.", email: "ann@acme.example", phone: "+1 555", owner: "Alice",
                    timeZone: "Europe/Berlin", status: .notYet, firstContact: LocalDate(iso: "2026-11-02"),
                    lastContact: LocalDate(iso: "2026-11-04"), lastReply: LocalDate(iso: "2026-11-05"), nextStep: "Call back",
                    nextStepDue: LocalDate(iso: "2026-12-03"), nextStepOwner: .them, snoozeUntil: LocalDate(iso: "2027-01-10"),
                    fiscalYearStart: MonthDay("04-01"), launchDate: LocalDate(iso: "2027-05-20"),
                    events: [
                        LeadEvent(date: LocalDate(iso: "2027-03-10")!, name: "Hannover Messe"),
                        LeadEvent(date: LocalDate(iso: "2027-06-15")!, name: "Data Summit"),
                    ],
                    notes: "Line one\nLine \"two\""))
    }

    @Test func headerIsMatchedWithoutRegardToCaseAndABOMIsTolerated() throws {
        let text = "ID,Name,First Contact,TIMEZONE,Next-Step-Due\r\n1,Ann,2026-11-02,Asia/Tokyo,2026-12-01\r\n"
        let result = try readSheet("", bytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8))
        #expect(result.errors.isEmpty)
        #expect(result.leads.first?.id == "1")
        #expect(result.leads.first?.firstContact == LocalDate(iso: "2026-11-02"))
        #expect(result.leads.first?.timeZone == "Asia/Tokyo")
        #expect(result.leads.first?.nextStepDue == LocalDate(iso: "2026-12-01"))
        #expect(result.leads.first?.owner == "me")
    }

    @Test func unknownColumnsGiveOneWarning() throws {
        let result = try readSheet("id,name,Deal Size,Source\n1,Ann,100,web\n2,Bo,200,fair\n")
        #expect(result.leads.count == 2)
        #expect(result.warnings.count == 1)
        #expect(result.warnings.first?.description.hasPrefix("leads.csv:1: warning: unknown columns ignored: \"Deal Size\", \"Source\"") == true)
    }

    @Test func everyProblemIsReportedWithFileRowAndColumn() throws {
        let result = try readSheet(
            #"""
            id,name,timezone,status,first_contact,next_step_owner,fiscal_year_start,events,notes
            A1,Ann,Mars/Base,new,2026-11-02,me,,,"a note
            over two lines"
            A2,Bo,Europe/Berlin,maybe,2026-02-30,you,13-01,2026-12-01,
            A1,Cy,UTC,new,,,,,
            ,Dee,UTC,new,,,,,
            A5,,UTC,new,,,,,
            A6,Eve,america/new_york,active,12/01/2026,,,,
            A7,Fay,UTC,new,,,,"2026-12-01 Summit; next week",
            A8,Gus,UTC,NEW,2026-11-30,THEM,2026-04-01,,ok
            """#)
        // Rejected: only rows without an id or a name, or with an id taken.
        #expect(
            result.errors.map(\.description) == [
                "leads.csv:4:id: duplicate id \"A1\": row 2 has it already; this row is skipped",
                "leads.csv:5:id: the id is empty; every lead needs a unique, stable id",
                "leads.csv:6:name: the name is empty; every lead needs the name of a person",
            ])
        // Each bad optional field is a warning at its row and column, with its value; the lead is kept without it.
        let warnings = result.warnings.map(\.description)
        for prefix in [
            "leads.csv:2:timezone: warning: \"Mars/Base\" is not an IANA name such as America/New_York",
            "leads.csv:3:status: warning: \"maybe\" is not a status: one of new, active, engaged, not_yet",
            "leads.csv:3:first_contact: warning: \"2026-02-30\" is not a date, YYYY-MM-DD, such as 2026-12-01; the lead is planned without it",
            "leads.csv:3:next_step_owner: warning: \"you\" is not me or them",
            "leads.csv:3:fiscal_year_start: warning: \"13-01\" is not a month and day, MM-DD, such as 04-01",
            "leads.csv:3:events: warning: event \"2026-12-01\" is not \"YYYY-MM-DD Name\"",
            "leads.csv:7:first_contact: warning: \"12/01/2026\" is not a date whose order is known",
            "leads.csv:8:events: warning: event \"next week\" is not \"YYYY-MM-DD Name\"",
            "leads.csv:7:timezone: warning: \"america/new_york\" read as America/New_York",
        ] {
            #expect(warnings.contains { $0.hasPrefix(prefix) }, "\(prefix) in \(warnings)")
        }
        // Of two rows with one id the first is kept.
        #expect(result.leads.map(\.id) == ["A1", "A2", "A6", "A7", "A8"])
        #expect(result.leads[0].timeZone == nil && result.leads[2].timeZone == "America/New_York")
        #expect(result.leads[3].events.map(\.name) == ["Summit"])
        #expect(result.rejectedRows == 3)
        #expect(result.rowsRead == 8)
        // Every row has the default owner: named once, rejected rows included.
        #expect(result.owners == [Lead.defaultOwner])
        let gus = try #require(result.leads.last)
        #expect(gus.status == .new && gus.nextStepOwner == .them)
        #expect(gus.fiscalYearStart == MonthDay("04-01"))
    }

    @Test func theFirstOfTwoRowsWithOneIdIsKept() throws {
        let result = try readSheet("id,name\nX,First\nY,Other\nX,Second\n")
        #expect(result.leads.map(\.name) == ["First", "Other"])
        #expect(result.errors.map(\.description) == ["leads.csv:4:id: duplicate id \"X\": row 2 has it already; this row is skipped"])
    }

    @Test func aMissingRequiredColumnMakesTheSheetUnusable() throws {
        let result = try readSheet("id,company\n1,Acme\n")
        #expect(result.headerIsUnusable)
        #expect(result.leads.isEmpty)
        #expect(result.errors.map(\.description) == ["leads.csv:1:name: missing required column \"name\"; the header row must name it"])
    }

    @Test func aSemicolonSeparatedSheetGetsAHint() throws {
        let result = try readSheet("id;name;status\n1;Ann;new\n")
        #expect(result.headerIsUnusable)
        #expect(result.errors.first?.description.contains("separated by semicolons") == true)
    }

    @Test(arguments: [("2026-12-01 00:00:00", "2026-12-01"), ("2026-12-01T09:30", "2026-12-01"), ("2026-12-01 17:45", "2026-12-01")])
    func aDateWithATimeOfDayKeepsItsDay(_ value: String, _ expected: String) throws {
        let result = try readSheet("id,name,first_contact\n1,Ann,\(value)\n")
        #expect(result.errors.isEmpty)
        #expect(result.leads.first?.firstContact == LocalDate(iso: expected))
    }

    @Test(arguments: ["2026-12-01T09:30:00Z", "2026-12-01T09:30:00+01:00", "2026-12-01T23:30:00.000-08:00"])
    func aDateTimeWithAZoneKeepsItsWrittenDay(_ value: String) throws {
        let result = try readSheet("id,name,first_contact\n1,Ann,\(value)\n")
        #expect(result.leads.first?.firstContact == LocalDate(iso: "2026-12-01"))
        #expect(result.warnings.isEmpty && result.errors.isEmpty)
    }

    @Test(arguments: ["2026-12-01 25:00", "2026-12-01 noon", "2026-12-01T09:75"])
    func aDateWithABadTimeIsAWarningAndTheLeadIsKept(_ value: String) throws {
        let result = try readSheet("id,name,first_contact\n1,Ann,\(value)\n")
        #expect(result.leads.map(\.id) == ["1"])
        #expect(result.leads.first?.firstContact == nil)
        #expect(result.warnings.first?.column == "first_contact")
    }

    @Test func rowsThatDoNotFitTheHeaderAreReported() throws {
        let result = try readSheet("id,name,notes\n1,Ann,ok\n2,Bo,has, a comma\n3,\"Cy,unclosed\n4,Dee,kept\n")
        #expect(result.leads.map(\.id) == ["1", "4"])
        #expect(
            result.errors.map(\.description) == [
                "leads.csv:3: the row has 4 fields but the header has 3: a value with a comma in it needs double quotes around it",
                "leads.csv:4:name: a quoted value opened here is never closed: this row is skipped up to the end of the line it opened on, "
                    + "and the lines after it are read as rows; close the quote (a quote inside a quoted value is written \"\")",
            ])
    }

    @Test func anUnclosedQuoteLosesOnlyItsRow() throws {
        // The issue's own case: the rows after it are rows, not its notes.
        let result = try readSheet(
            "id,name,owner,first_contact,notes\nA1,Ann,Al,2026-11-30,\"never closed\nB2,Bo,Al,2026-11-30,fine\nC3,Cy,Al,2026-11-30,\"multi\nline\"\n")
        #expect(result.leads.map(\.id) == ["B2", "C3"])
        #expect(result.leads.last?.notes == "multi\nline")
        #expect(result.errors.map(\.row) == [2])
        #expect(result.errors.first?.column == "notes")
        #expect(result.hasErrors)
        // A quote that closes on a later line is a value over lines, not an error.
        let closed = try readSheet("id,name,notes\n1,Ann,\"a\n\nb\"\n2,Bo,x\n")
        #expect(closed.errors.isEmpty && closed.leads.map(\.id) == ["1", "2"])
    }

    @Test func aQuoteThatDoesNotCloseWithinTheRowLimitIsCutAtItsLine() throws {
        // 2 MiB of lines inside one quote that never closes: its row is
        // reported, the lines after it are read again as rows (the lines
        // of garbage among them rejected one by one, each with its reason).
        var text = "id,name,notes\n1,Ann,\"opens here\n"
        for number in 0..<40_000 { text += "x\(number),,filler filler filler filler filler\n" }
        text += "2,Bo,last\n"
        let result = try readSheet(text)
        #expect(result.leads.map(\.id) == ["2"])
        #expect(result.errors.first?.row == 2)
        #expect(result.errors.first?.message.contains("does not close within 1 MiB") == true)
        #expect(result.rejectedRows == 40_001)
    }

    @Test func recordsAndValuesOverTheLimitsAreRowErrors() throws {
        let long = String(repeating: "n", count: LeadSheet.maxFieldBytes + 1)
        let longID = String(repeating: "i", count: LeadSheet.maxIDLength + 1)
        let hugeLine = String(repeating: "h", count: (1 << 20) + 10)
        let result = try readSheet("id,name,notes\n1,Ann,\(long)\n\(longID),Bo,x\n3,Cy,\(hugeLine)\n4,Dee,ok\n")
        #expect(result.leads.map(\.id) == ["4"])
        #expect(result.errors.map(\.row) == [2, 3, 4])
        #expect(result.errors.map(\.column) == ["notes", "id", nil])
        #expect(result.errors[0].message.contains("at most 64 KiB"))
        #expect(result.errors[1].message.contains("longer than 200 characters"))
        #expect(result.errors[2].message.contains("longer than 1 MiB"))
        // No message echoes a megabyte value.
        #expect(result.errors.allSatisfy { $0.description.count < 600 })
    }

    @Test func diagnosticsEscapeControlCharactersAndCutLongValues() throws {
        let result = try readSheet("id,name,timezone,status\n1,Ann,\"\u{1B}[31mRed\u{07}\",\(String(repeating: "s", count: 5_000))\n")
        let text = result.warnings.map(\.description).joined(separator: "\n")
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(text.contains("\\u{1B}[31mRed\\u{7}"))
        #expect(text.contains("…\" (5000 characters)"))
        #expect(text.count < 800)
    }

    @Test func aByteOrderMarkInsideTheSheetIsNotKept() throws {
        let bytes = Array("id,name\n1,Ann\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("2,Bo\n".utf8)
        let result = try readSheet("", bytes: bytes)
        #expect(result.errors.isEmpty)
        #expect(result.leads.map(\.id) == ["1", "2"])
    }

    @Test func thousandsOfUnknownColumnsGiveOneShortWarning() throws {
        let names = (0..<100_000).map { "extra\($0)" }
        let result = try readSheet("id,name," + names.joined(separator: ",") + "\n1,Ann\n")
        #expect(result.warnings.count == 1)
        #expect(result.warnings[0].description.contains("and 99990 more"))
        #expect(result.warnings[0].description.count < 1_000)
    }

    @Test func blankRowsAreSkippedButCounted() throws {
        let result = try readSheet("id,name,timezone\n1,Ann,UTC\n\n,,\n4,Bo,Nowhere/City\n")
        #expect(result.leads.map(\.id) == ["1", "4"])
        #expect(result.warnings.first?.row == 5, "rows are numbered as a spreadsheet shows them")
        #expect(result.rowsRead == 2)
    }

    @Test func textThatIsNotUTF8LosesOnlyItsRow() throws {
        // A UTF-8 sheet (Zoë) with one Latin-1 é (0xE9) in row 3.
        let bytes = Array("id,name,notes\n1,Zoë,ok\n2,Ren".utf8) + [0xE9] + Array("e,x\n3,Cy,\"two\nlines\"\n4,Dee,y\n".utf8)
        let result = try readSheet("", bytes: bytes)
        #expect(result.leads.map(\.id) == ["1", "3", "4"])
        #expect(
            result.errors.map(\.description) == [
                "leads.csv:3:name: not UTF-8 (byte 0xE9 at byte 4 of the value, in \"2,Ren\\xE9e,x\"): this row is skipped; "
                    + "save the sheet as \"CSV UTF-8\", or name its encoding with --encoding (such as windows-1252)"
            ])
        #expect(result.encoding == .utf8)
        // Every piece size finds the same.
        for size in [1, 3, 7, 20] {
            let cut = try SheetChunkingTests.read(bytes, chunkSize: size)
            #expect(cut.leads.map(\.id) == ["1", "3", "4"] && cut.errors == result.errors, "chunk size \(size)")
        }
    }

    /// Every kind of byte sequence that is not UTF-8 loses its row only.
    @Test(arguments: [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xF0, 0x9F, 0x98]] as [[UInt8]])
    func anyMalformedSequenceLosesOnlyItsRow(_ bad: [UInt8]) throws {
        let bytes = Array("id,name,notes\n1,Zoë,a\n2,x".utf8) + bad + Array(",b\n3,Cy,c\n".utf8)
        for size in [1, 5, 1 << 20] {
            let result = try SheetChunkingTests.read(bytes, chunkSize: size)
            #expect(result.leads.map(\.id) == ["1", "3"], "\(bad) in pieces of \(size)")
            #expect(result.errors.map(\.row) == [3])
            #expect(result.errors.first?.message.hasPrefix("not UTF-8 (byte 0x\(String(format: "%02X", bad[0]))") == true)
        }
        // At the very end of the file, without a line break.
        let last = try readSheet("", bytes: Array("id,name\n1,Zoë\n2,x".utf8) + bad)
        #expect(last.leads.map(\.id) == ["1"] && last.errors.map(\.row) == [3])
    }

    @Test(arguments: ["\n", "\r\n"])
    func unclosedQuotesAnywhereLoseOnlyTheirRows(_ newline: String) throws {
        let rows = ["id,name,notes", "1,Ann,ok", "\"2,Bo,quote opens the id", "3,Cy,fine", "4,Dee,\"opens at the end"]
        let result = try readSheet(rows.joined(separator: newline) + newline)
        #expect(result.leads.map(\.id) == ["1", "3"])
        #expect(result.errors.map(\.row) == [3, 5])
        #expect(result.errors.map(\.column) == ["id", "notes"])
        // The last row, with no line break after it.
        let end = try readSheet(rows.joined(separator: newline))
        #expect(end.leads.map(\.id) == ["1", "3"] && end.errors.map(\.row) == [3, 5])
    }

    @Test func anUnclosedQuoteInTheHeaderIsOneErrorForTheSheet() {
        #expect { try readSheet("id,\"name,notes\n1,Ann,x\n") } throws: { error in
            "\(error)".contains("leads.csv:1: the header row cannot be read: a quoted value opened here is never closed")
        }
    }

    @Test func theOwnerOfARowThatIsNotUTF8KeepsTheirFeeds() throws {
        let bytes = Array("id,name,owner\n1,Zoë,Alice\n2,Ren".utf8) + [0xE9] + Array("e,Solo\n".utf8)
        let result = try readSheet("", bytes: bytes)
        #expect(result.leads.map(\.id) == ["1"])
        #expect(result.owners == ["Alice", "Solo"])
    }

    @Test func aBadByteInAQuotedValueIsPlacedInTheValue() throws {
        let bytes = Array("id,name,notes\n1,Zoë,\"a, b".utf8) + [0xFF] + Array("\nc\"\n2,Bo,x\n".utf8)
        let result = try readSheet("", bytes: bytes)
        #expect(result.leads.map(\.id) == ["2"])
        #expect(result.errors.first?.column == "notes")
        #expect(result.errors.first?.message.hasPrefix("not UTF-8 (byte 0xFF at byte 5 of the value") == true)
    }

    @Test func aWindows1252SheetIsRecognisedAndRead() throws {
        // As Excel saves "CSV" on a western Windows: é, ü, € and ’ as one byte each.
        var bytes: [UInt8] = Array("id,name,company,notes\n1,Ren".utf8)
        bytes += [0xE9]
        bytes += Array("e,M".utf8)
        bytes += [0xFC]
        bytes += Array("ller GmbH,costs 5".utf8)
        bytes += [0x80]
        bytes += Array("\n2,Bo,x,it".utf8)
        bytes += [0x92]
        bytes += Array("s fine\n".utf8)
        let result = try readSheet("", bytes: bytes)
        #expect(result.errors.isEmpty)
        #expect(result.encoding == SheetEncoding.Resolved.windows1252)
        #expect(result.leads.map { $0.name } == ["Renée", "Bo"])
        #expect(result.leads.first?.company == "Müller GmbH")
        #expect(result.leads.first?.notes == "costs 5€")
        #expect(result.leads.last?.notes == "it’s fine")
        #expect(result.warnings.count == 1)
        #expect(result.warnings.first?.description.contains("read as Windows-1252") == true)
        #expect(result.warnings.first?.description.contains("byte 0xE9 on line 2") == true)
    }

    @Test func anEncodingCanBeNamed() throws {
        let bytes = Array("id,name\n1,Ren".utf8) + [0xE9] + Array("e\n".utf8)
        let strict = try readSheet("", bytes: bytes, encoding: .utf8)
        #expect(strict.leads.isEmpty && strict.errors.first?.row == 2)
        let latin = try readSheet("", bytes: bytes, encoding: .latin1)
        #expect(latin.leads.first?.name == "Renée" && latin.warnings.isEmpty)
        #expect(SheetEncoding(name: "CP1252") == .windows1252 && SheetEncoding(name: "ISO-8859-1") == .latin1)
        #expect(SheetEncoding(name: "ebcdic") == nil)
    }

    @Test func aUTF16SheetIsRefusedWithAReason() throws {
        #expect { try readSheet("", bytes: [0xFF, 0xFE] + Array("i\0d\0\n\0".utf8)) } throws: { error in
            "\(error)".contains("UTF-16")
        }
    }

    @Test func aThousandProblemsAreKeptAndTheRestCounted() throws {
        var text = "id,name\n"
        for number in 0..<5_000 { text += "\(number),\n" }
        text += "ok,Ann\n"
        let result = try readSheet(text)
        #expect(result.leads.map(\.id) == ["ok"])
        #expect(result.rejectedRows == 5_000)
        #expect(result.errors.count == LeadSheetResult.maxReportedErrors)
        #expect(result.unreportedErrors == 4_000)
        #expect(result.unreportedSummary(file: "leads.csv") == "leads.csv: 4000 more problems not shown (the first 1000 are above); 5000 rows rejected in all")
        #expect(result.hasErrors)
    }

    @Test func blankLinesCostNothing() throws {
        // 3 MB of line breaks, then a row: numbered as a spreadsheet numbers it.
        let result = try readSheet("id,name\n" + String(repeating: "\n", count: 3_000_000) + "1,Ann,extra\n")
        #expect(result.rowsRead == 1)
        #expect(result.errors.first?.row == 3_000_002)
    }

    @Test func aMissingFileIsAnError() {
        #expect(throws: LeadStoreError.self) {
            try LeadSheet(path: "/nonexistent/leads.csv", isKnownTimeZone: { _ in true }).read()
        }
    }
}

@Suite struct ColumnTests {
    /// Rows find their fields by a column's ordinal: it must be its place.
    @Test func ordinalsAreThePlacesInAllCases() {
        #expect(LeadSheet.Column.allCases.map(\.ordinal) == Array(LeadSheet.Column.allCases.indices))
    }
}
