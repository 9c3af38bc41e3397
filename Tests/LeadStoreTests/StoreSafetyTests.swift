import FollowUp
import Foundation
import LeadStore
import Testing

/// A fresh folder for one test's files.
private func scratch() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("followup-safety-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// Runs Debian's sqlite3 on a database, as another program would touch it.
func sqlite3(_ path: String, _ sql: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path, sql]
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
}

private func mode(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

/// A store, its files and sheets hold personal data; a damaged or foreign
/// file is refused unchanged.
@Suite struct StoreSafetyTests {
    @Test func aStoreAndItsJournalFilesAreOwnerOnly() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("leads.sqlite").path
        let previous = umask(0o022)
        defer { umask(previous) }
        let store = try SQLiteStore.create(at: path)
        try store.add(Lead(id: "L1", name: "Ann"), now: "2026-12-01")
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            #expect(try mode(file) == 0o600, "\(file)")
        }
        #expect(FileManager.default.fileExists(atPath: path + "-wal"), "the journal is checked, not missed")
    }

    @Test func anExportedSheetIsOwnerOnly() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let previous = umask(0o022)
        defer { umask(previous) }
        let sheet = folder.appendingPathComponent("out.csv").path
        try LeadSheetWriter.write([Lead(id: "L1", name: "Ann")], to: sheet)
        #expect(try mode(sheet) == 0o600)
    }

    @Test(arguments: ["truncated", "foreign", "text"])
    func aFileThatIsNotAStoreGetsNoFilesBesideIt(_ kind: String) throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let real = folder.appendingPathComponent("real.sqlite").path
        let store = try SQLiteStore.create(at: real)
        for number in 0..<200 { try store.add(Lead(id: "L\(number)", name: "Lead \(number)", notes: String(repeating: "n", count: 200)), now: "x") }
        let path = folder.appendingPathComponent("given.sqlite").path
        switch kind {
        case "truncated":
            // A followup store cut short (a copy that stopped half-way).
            try sqlite3(real, "PRAGMA wal_checkpoint(TRUNCATE);")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: real))
            try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: path))
        case "foreign":
            try sqlite3(path, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        default:
            try Data("id,name\n1,Ann\n".utf8).write(to: URL(fileURLWithPath: path))
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        for verify in [false, true] {
            #expect(throws: LeadStoreError.self) { _ = try SQLiteStore.open(at: path, verify: verify).leads() }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "the file is as it was")
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(!FileManager.default.fileExists(atPath: path + "-shm"))
    }

    @Test func aDamagedStoreIsRefusedForWritingAndLeftAsItWas() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("leads.sqlite").path
        do {
            let store = try SQLiteStore.create(at: path)
            for number in 0..<300 { try store.add(Lead(id: "L\(number)", name: "Lead \(number)", notes: String(repeating: "n", count: 300)), now: "x") }
        }
        try sqlite3(path, "PRAGMA wal_checkpoint(TRUNCATE);")
        // 8 KB of garbage inside the file, past its first page (which still says "a followup store").
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.count > 40_000)
        bytes.replaceSubrange(12_288..<20_480, with: Data((0..<8_192).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }))
        try bytes.write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: LeadStoreError.self) {
            _ = try SQLiteStore.open(at: path, verify: true).log(
                "L1", at: nil, on: LocalDate(iso: "2026-12-01")!, channel: "email",
                inbound: false, step: nil, note: nil, now: "x")
        }
        #expect(error.description.contains("damaged"))
        #expect(error.description.contains("nothing was changed"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
    }

    @Test(arguments: ["=cmd|' /C calc'!A0", "+1 555 0100", "-2+3", "@SUM(A1:A2)", "\tTab", "'quoted", "''twice", "'=already", "plain", "a=b"])
    func exportNeutralisesFormulasAndImportRestoresThem(_ value: String) throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let lead = Lead(id: "L1", name: value.trimmed.isEmpty ? "x" : value.trimmed, company: value.trimmed, phone: value.trimmed, notes: value.trimmed)
        let sheet = folder.appendingPathComponent("out.csv").path
        try LeadSheetWriter.write([lead], to: sheet)
        let text = try String(contentsOfFile: sheet, encoding: .utf8)
        // No cell of a data row starts with a formula character.
        let cells = text.split(separator: "\r\n").dropFirst().flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
        for cell in cells {
            let bare = cell.hasPrefix("\"") ? cell.dropFirst() : cell[...]
            #expect(!(bare.first.map { "=+-@\t\r".contains($0) } ?? false), "cell \(cell)")
        }
        let back = try LeadSheet(path: sheet, isKnownTimeZone: { _ in true }).read()
        #expect(back.errors.isEmpty)
        #expect(back.leads == [lead], "the round trip keeps every value")
    }
}
