import FileKit
import Foundation
import Testing

@Suite struct AtomicFileTests {
    @Test func aWholeFileIsReplacedOnlyWhenItsBytesChangeAndTakesTheModeAsked() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("stamp.json").path
        #expect(try AtomicFile.write(Array("one".utf8), to: path, mode: 0o600))
        let first = try #require(FileIdentity(regularFileAt: path))
        #expect(try !AtomicFile.write(Array("one".utf8), to: path, mode: 0o644), "same bytes: left in place")
        #expect(FileIdentity(regularFileAt: path) == first)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o644, "a new mode applies to an unchanged file too")
        #expect(try AtomicFile.write(Array("two".utf8), to: path, mode: 0o600))
        #expect(FileIdentity(regularFileAt: path) != first)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
        // Nothing of the writes is left beside the file.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["stamp.json"])
    }

    @Test func everyWriterNamesItsTemporariesOneWay() {
        let name = AtomicFile.temporaryName(for: "alice.events.ics")
        #expect(AtomicFile.target(ofTemporary: name) == "alice.events.ics")
        #expect(AtomicFile.target(ofTemporary: ".followup-tokens.json.tmp-12") == "followup-tokens.json")
        for other in ["alice.events.ics", ".alice.events.ics.tmp-", ".x.tmp-12a", "x.tmp-12", ".tmp-12"] {
            #expect(AtomicFile.target(ofTemporary: other) == nil, "\(other)")
        }
    }

    @Test func aFileThatExistsIsNeverCreatedOver() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path
        try createExclusively(path, mode: 0o600)
        #expect(FileIdentity(regularFileAt: path)?.size == 0)
        #expect(throws: FileError.self) { try createExclusively(path, mode: 0o600) }
        #expect(ReadOnlyFile(folder.path) == nil, "a folder is not a regular file")
    }
}
