import FollowUp
import Foundation
@testable import LeadStore
import CSV
import PropertyBased
import Testing

/// A large sheet is cut into pieces that CSV.swift parses on several
/// threads; whatever the pieces, the result must be what one reader in one
/// pass gives: the same leads, the same errors on the same rows.
@Suite struct SheetChunkingTests {
    static let header = "id,name,owner,timezone,status,first_contact,notes\n"
    /// Rows good and bad, quoted and not, with line breaks (LF, CRLF) in
    /// and between rows, "" quotes, stray quotes, blank lines, non-ASCII text.
    static let rows = [
        "A{n},Ann,Alice,UTC,new,2026-11-02,plain\n",
        "B{n},\"Bo, \"\"the\"\" Boss\",Bob,Asia/Tokyo,active,2026-11-20,\"line one\nline two\"\n",
        "C{n},Cy,\"Carol\r\nSmith\",UTC,engaged,,\"a, b; c\"\r\n",
        "D{n},Dee,Dan,Mars/Base,new,,bad zone\n",
        "E{n},,Eve,UTC,new,,no name\n",
        "\n",
        "A{n},Dup,Alice,UTC,new,,duplicate id\n",
        "F{n},Fay,Fred,UTC,maybe,2026-02-30,\"株式会社 — Zoë 🙂\"\n",
        "G{n},Gus 5\" screen,Gil,UTC,new,,stray quote\n",
        "H{n},Hal,Hank,UTC,new,,\"\"\"quoted\"\" start\"\n",
        "   ,  ,  ,  ,  ,  ,  \n",
        // A quote never closed (the next quote that cannot close it ends its row), a byte order mark inside.
        "I{n},Ivy,Ike,UTC,new,,\"never closed\n",
        "\u{FEFF}J{n},Jo,Jan,UTC,new,,after a mark\n",
        "K{n},Kay,\"Kim\",UTC,new,,\"a \"\"quoted\"\" note\"\n",
    ]

    static func sheet(_ choices: [Int]) -> [UInt8] {
        var text = header
        for (number, choice) in choices.enumerated() {
            text += rows[choice].replacingOccurrences(of: "{n}", with: String(number % 7))
        }
        return Array(text.utf8)
    }

    static func read(_ bytes: [UInt8], chunkSize: Int) throws -> LeadSheetResult {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("followup-chunks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("leads.csv").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        var leads: [Lead] = []
        var result = try LeadSheet(path: path, displayName: "leads.csv", isKnownTimeZone: { ["UTC", "Asia/Tokyo"].contains($0) })
            .read(chunkSize: chunkSize) { leads.append($0) }
        result.leads = leads
        return result
    }

    static func expectSame(_ bytes: [UInt8], sizes: [Int] = [1, 2, 5, 13, 64, 200]) throws {
        let whole = try read(bytes, chunkSize: 1 << 20)
        for size in sizes {
            let cut = try read(bytes, chunkSize: size)
            #expect(cut.leads == whole.leads, "chunk size \(size)")
            #expect(cut.errors == whole.errors, "chunk size \(size)")
            #expect(cut.warnings == whole.warnings)
            #expect(cut.rowsRead == whole.rowsRead && cut.rejectedRows == whole.rejectedRows)
            #expect(cut.owners == whole.owners)
        }
    }

    @Test func anyPiecesGiveWhatOneReaderGives() async {
        await propertyCheck(count: 60, input: Gen.int(in: 0...(Self.rows.count - 1)).array(of: 0...30)) { choices in
            do { try Self.expectSame(Self.sheet(choices)) } catch { Issue.record("\(error)") }
        }
    }

    @Test func theFixturesReadTheSameInPieces() throws {
        for fixture in ["demo", "bad", "hostile"] {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Fixtures/\(fixture)/leads.csv")
            try Self.expectSame(Array(try Data(contentsOf: url)))
        }
    }

    @Test func edgesOfTheFile() throws {
        let body = Array(Self.header.utf8) + Array("A1,Ann,Alice,UTC,new,,x\nB2,Bo,Bob,UTC,new,,y".utf8)
        try Self.expectSame(body)  // no line break at the end
        try Self.expectSame([0xEF, 0xBB, 0xBF] + body)  // a byte order mark
        try Self.expectSame(Array(Self.header.utf8))  // a header and nothing else
        try Self.expectSame(body + Array("\nC3,Cy,\"never closed\n,UTC\nD4,Dee".utf8))  // an unclosed quote
        try Self.expectSame(body + [0x0A] + Array("C3,Cy,Carol,UTC,new,,".utf8) + [0xFF, 0xFE] + Array("\nD4,Dee,Dan,UTC,new,,z\n".utf8))
        #expect(throws: LeadStoreError.self) { try Self.read([], chunkSize: 3) }
        // Invalid UTF-8 loses its row only, in pieces as in one pass.
        // (Zoë makes it a UTF-8 sheet: one with no UTF-8 at all is read as Windows-1252.)
        let broken = try Self.read(body + Array("\nC3,Zoë,Carol,UTC,new,,".utf8) + [0xFF] + Array("\nD4,Dee,Dan,UTC,new,,z\n".utf8), chunkSize: 4)
        #expect(broken.leads.map(\.id) == ["A1", "B2", "D4"])
        #expect(broken.errors.map(\.row) == [4])
    }

    @Test func recordEndsAreCSVSwiftsOwn() throws {
        // The cutter's record ends, over every piece size, against one
        // CSVReader over the whole text (valid UTF-8, every quote closed):
        // the same number of rows, so the same row numbers.
        let closed = Self.rows.indices.filter { !Self.rows[$0].contains("never closed") }
        let text =
            String(decoding: Self.sheet(closed + [1, 7, 2, 8, 9]), as: UTF8.self)
            + "X1,\"a\"b,c\rY2,\"q\"\"\r\nZ3,\"\",\"\r\n,,\n\"end\""
        let reader = try CSVReader(string: text, hasHeaderRow: true)
        var records = 0
        while reader.next() != nil { records += 1 }
        for size in [1, 2, 9, 64, 1 << 20] {
            let result = try Self.read(Array(text.utf8), chunkSize: size)
            let lastRow = (result.errors.map { $0.row ?? 0 }).max() ?? 0
            #expect(lastRow <= records + 1)
            #expect(result.rowsRead == result.leads.count + result.rejectedRows)
        }
        var scanner = RecordScanner()
        var start = 0, count = 0
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBufferPointer { scanner.scan($0, from: 0, recordStart: &start, records: &count, limit: .max) }
        if start < bytes.count { count += 1 }
        #expect(count == records + 1, "the header is a record too")
    }

    @Test func aRowLongerThanTheFirstPieceIsReadWhole() throws {
        // The first piece, parsed before the threads start, is about 64 KiB:
        // rows across and beyond it come out whole and in order.
        let long = Array(repeating: "Zoë, \"quoted\" and\nbroken;", count: 1_800).joined(separator: " ")
        var text = Self.header + "L0,Long,Alice,UTC,new,,\"\(long.replacingOccurrences(of: "\"", with: "\"\""))\"\n"
        for number in 1...3_000 { text += "R\(number),Row \(number),Bob,UTC,new,,note \(number)\n" }
        let result = try Self.read(Array(text.utf8), chunkSize: 1 << 21)
        #expect(result.errors.isEmpty)
        #expect(result.leads.count == 3_001)
        #expect(result.leads.first?.notes == long)
        #expect(result.leads.map(\.id) == ["L0"] + (1...3_000).map { "R\($0)" })
    }
}
