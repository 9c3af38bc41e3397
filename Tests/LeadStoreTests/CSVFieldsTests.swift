import CSV
import Foundation
import PropertyBased
import Testing

@testable import LeadStore

/// `CSVFields` splits records as CSV.swift's reader does, on any text:
/// the reader is the reference, on random texts of the characters that
/// decide where fields and records end.
@Suite struct CSVFieldsTests {
    /// Pieces of text that matter to a CSV parser, and some that do not.
    static let alphabet = [
        "a", "Zoë", ",", "\"", "\"\"", "\r", "\n", "\r\n", " ", "株", "🙂", "\u{FEFF}", "x\"y", "\",", "\"\n", "\"é", "\"🙂",
        "\t", "\u{301}", "\u{0}",
    ]

    static func reference(_ text: String) -> [[String]] {
        guard let reader = try? CSVReader(string: text, hasHeaderRow: false) else { return [] }
        var records: [[String]] = []
        while let fields = reader.next() { records.append(fields) }
        return records
    }

    static func split(_ text: String, removingByteOrderMarks: Bool = false) -> [[String]] {
        var records: [[String]] = []
        Array(text.utf8).withUnsafeBufferPointer { bytes in
            CSVFields.split(bytes, removingByteOrderMarks: removingByteOrderMarks) { records.append($0) }
        }
        return records
    }

    /// Compared scalar by scalar: String's == would call "e\u{301}" and "é" the same.
    static func scalars(_ records: [[String]]) -> [[[Unicode.Scalar]]] {
        records.map { $0.map { Array($0.unicodeScalars) } }
    }

    @Test func randomTextsSplitAsCSVSwiftSplitsThem() async {
        await propertyCheck(count: 2_000, input: Gen.int(in: 0...(Self.alphabet.count - 1)).array(of: 0...40)) { choices in
            let text = choices.map { Self.alphabet[$0] }.joined()
            #expect(Self.scalars(Self.split(text)) == Self.scalars(Self.reference(text)), "text \(text.debugDescription)")
        }
    }

    @Test func quotesAndLineEndsAtTheEdges() {
        for text in [
            "", ",", "\n", "\r", "\r\n", "\"", "\"\"", "\"\"\"", "a,", "a,\n", "\"a\"", "\"a\"\r", "\"a\"\rb", "\"a\"x", "\"a\"🙂b\"",
            "\"a\nb\"\r\nc", "a\"b\",c", "\"never closed\nnext,row", "\"\",\"\"", "a,,b\n\n\nc", "\r\r\n\n",
        ] {
            #expect(Self.scalars(Self.split(text)) == Self.scalars(Self.reference(text)), "text \(text.debugDescription)")
        }
    }

    @Test func valuesAreWhatTheRecordsSay() {
        #expect(
            Self.split("id,name\r\n7,\"Bo, \"\"the\"\" Boss\"\n8,\"two\nlines\",\n") == [["id", "name"], ["7", "Bo, \"the\" Boss"], ["8", "two\nlines", ""]])
        // A stray quote in a quoted value is kept and the character after it dropped, as CSV.swift does.
        #expect(Self.split("\"5\"x screen\",b") == [["5\" screen", "b"]])
    }

    @Test func byteOrderMarksAreTakenOutOfValuesOnlyWhenAsked() {
        let text = "\u{FEFF}id,\"a\u{FEFF}b\"\n\u{FEFF}7,x\n"
        #expect(Self.split(text, removingByteOrderMarks: true) == [["id", "ab"], ["7", "x"]])
        #expect(Self.scalars(Self.split(text)) == Self.scalars(Self.reference(text)))
    }

    /// A value of many megabytes, and records of thousands of fields, in one piece.
    @Test func hugeValuesAndRecords() {
        let note = String(repeating: "word, \"\"quoted\"\"\n", count: 200_000)
        let text = "1,\"\(note)\",end\n" + String(repeating: "x,", count: 50_000) + "y\n"
        let records = Self.split(text)
        #expect(records.count == 2)
        #expect(records.first == ["1", note.replacingOccurrences(of: "\"\"", with: "\""), "end"])
        #expect(records.last?.count == 50_001)
        #expect(Self.scalars(records) == Self.scalars(Self.reference(text)))
    }
}
