import Foundation
import Testing

/// The defects found when followup was attacked (issue 13), through the
/// built binary: a bad row loses only itself, a run that would drop many
/// leads says so, a damaged store is never written.
@Suite struct HostileInputTests {
    /// The demo sheet's header and its rows, as bytes, with `count` more
    /// leads made from its first data row (ids M0001…), all owned by Alice.
    static func sheet(count: Int) throws -> (header: [UInt8], rows: [[UInt8]]) {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Fixtures/demo/leads.csv"), encoding: .utf8)
        let header = String(text.prefix(while: { $0 != "\n" })) + "\n"
        var rows: [[UInt8]] = []
        for number in 0..<count {
            rows.append(
                Array("M\(String(format: "%04d", number)),Lead \(number) Zoë,Acme,,,Alice Martin,Europe/Berlin,new,2026-11-30,,,,,,,,,,note \(number)\n".utf8))
        }
        return (Array(header.utf8), rows)
    }

    static func write(_ bytes: [UInt8], in folder: URL, name: String = "leads.csv") throws -> String {
        let path = folder.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func generate(_ sheet: String, _ out: URL, _ more: [String] = []) async throws -> Run {
        try await followup(["generate", "--store", sheet, "--out", out.path, "--now", "2026-12-01", "--timezone", "UTC"] + more)
    }

    @Test func oneLatin1ByteLosesOnlyItsRowAndTheFeedsKeepEveryOtherLead() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (header, rows) = try Self.sheet(count: 2_000)
        // Row 3 of the sheet (the second data row) has a Latin-1 é: one byte 0xE9.
        var bad = rows
        bad[1] = Array("M0001,Ren".utf8) + [0xE9] + Array("e,Acme,,,Alice Martin,Europe/Berlin,new,2026-11-30,,,,,,,,,,x\n".utf8)
        let clean = try Self.write(header + (rows[0...0] + rows[2...]).flatMap { $0 }, in: folder, name: "clean.csv")
        let broken = try Self.write(header + bad.flatMap { $0 }, in: folder, name: "broken.csv")
        let cleanOut = folder.appendingPathComponent("clean"), brokenOut = folder.appendingPathComponent("broken")
        let cleanRun = try await Self.generate(clean, cleanOut)
        #expect(cleanRun.status == 0, "\(cleanRun.stderr)")
        let run = try await Self.generate(broken, brokenOut)
        #expect(run.status == 65)
        #expect(run.stderr.contains("\(broken):3:name: not UTF-8 (byte 0xE9"), "\(run.stderr)")
        #expect(run.stderr.contains("1999 leads planned, 1 row rejected"))
        // The feeds are those of the sheet without the bad row, byte for byte.
        for file in ["alice-martin.events.ics", "alice-martin.tasks.ics", "all.tasks.ics"] {
            let a = try Data(contentsOf: cleanOut.appendingPathComponent(file)), b = try Data(contentsOf: brokenOut.appendingPathComponent(file))
            #expect(a == b, "\(file)")
        }
        // plan prints the same touches of every other lead, in the sheet's order, and names the row.
        let plan = try await followup(["plan", "--store", broken, "--now", "2026-12-01", "--timezone", "UTC"])
        #expect(plan.status == 65 && plan.stderr.contains("\(broken):3:name: not UTF-8 (byte 0xE9"), "\(plan.stderr)")
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: brokenOut.appendingPathComponent("index.json"))) as? [String: Any]
        let lines = plan.stdout.split(separator: "\n")
        #expect(lines.count == index?["touchpoints"] as? Int)
        let leads = lines.compactMap { line in (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["lead"] as? String }
        #expect(!leads.contains("M0001") && leads.contains("M1999") && leads.firstIndex(of: "M0000")! < leads.firstIndex(of: "M0002")!)
        // import reads the same rows, with the same exit status.
        let store = folder.appendingPathComponent("leads.sqlite").path
        #expect(try await followup(["init", store]).status == 0)
        let imported = try await followup(["import", broken, "--store", store])
        #expect(imported.status == 65)
        #expect(imported.stdout.contains("1999 added"), "\(imported.stdout)")
    }

    @Test func aWindows1252SheetIsReadWithOneWarning() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bytes: [UInt8] =
            Array("id,name,company,notes\n1,Ren".utf8) + [0xE9] + Array("e Dupont,Caf".utf8) + [0xE9] + Array(",ok\n2,J".utf8) + [0xFC]
            + Array("rgen,M".utf8) + [0xFC] + Array("ller,5".utf8) + [0x80] + Array("\n".utf8)
        let sheet = try Self.write(bytes, in: folder)
        let out = folder.appendingPathComponent("out")
        let run = try await Self.generate(sheet, out)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("read as Windows-1252"))
        #expect(run.stderr.contains("2 leads planned, 0 rows rejected"))
        let feed = try String(contentsOf: out.appendingPathComponent("me.tasks.ics"), encoding: .utf8)
        #expect(feed.contains("Renée Dupont") && feed.contains("Jürgen"))
        // Named, the encoding is used as it is, with no warning.
        let named = try await Self.generate(sheet, folder.appendingPathComponent("named"), ["--encoding", "windows-1252"])
        #expect(named.status == 0 && !named.stderr.contains("warning"))
        let strict = try await Self.generate(sheet, folder.appendingPathComponent("strict"), ["--encoding", "utf-8"])
        #expect(strict.status == 65 && strict.stderr.contains(":2:name: not UTF-8"))
        let wrong = try await Self.generate(sheet, folder.appendingPathComponent("wrong"), ["--encoding", "klingon"])
        #expect(wrong.status == 64 && wrong.stderr.contains("--encoding"))
    }

    @Test func anUnclosedQuoteLosesOnlyItsRowAndExits65() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = try Self.write(
            Array("id,name,owner,first_contact,notes\nA1,Ann,Al,2026-11-30,\"never closed\nB2,Bo,Al,2026-11-30,fine\nC3,Cy,Al,2026-11-30,\"also fine\"\n".utf8),
            in: folder)
        let run = try await Self.generate(sheet, folder.appendingPathComponent("out"))
        #expect(run.status == 65)
        #expect(run.stderr.contains("\(sheet):2:notes: a quoted value opened here is never closed"))
        #expect(run.stderr.contains("2 leads planned, 1 row rejected"))
        let store = folder.appendingPathComponent("leads.sqlite").path
        #expect(try await followup(["init", store]).status == 0)
        let imported = try await followup(["import", sheet, "--store", store])
        #expect(imported.status == 65)
        #expect(imported.stdout.contains("2 added"))
    }

    @Test func aRunThatWouldDropManyLeadsSaysSoAndStrictWritesNothing() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (header, rows) = try Self.sheet(count: 50)
        let out = folder.appendingPathComponent("out")
        let full = try Self.write(header + rows.flatMap { $0 }, in: folder)
        #expect(try await Self.generate(full, out).status == 0)
        let before = try Data(contentsOf: out.appendingPathComponent("alice-martin.tasks.ics"))
        // The same sheet saved badly: a stray byte after row 5 and every row after it malformed.
        let damaged = rows.prefix(5).flatMap { $0 } + rows.dropFirst(5).flatMap { Array("\($0.count),".utf8) + $0 }
        _ = try Self.write(header + damaged, in: folder)
        let strict = try await Self.generate(full, out, ["--strict"])
        #expect(strict.status == 65)
        #expect(try Data(contentsOf: out.appendingPathComponent("alice-martin.tasks.ics")) == before, "--strict writes nothing")
        let run = try await Self.generate(full, out, ["--quiet"])
        #expect(run.status == 65)
        #expect(run.stderr.contains("warning: 5 leads planned where the last run into \(out.path) planned 50: 45 fewer"), "\(run.stderr.suffix(600))")
        // One row rejected of fifty is reported as usual, without the warning.
        let other = folder.appendingPathComponent("other")
        _ = try Self.write(header + rows.flatMap { $0 }, in: folder)
        #expect(try await Self.generate(full, other).status == 0)
        let one = rows.prefix(49).flatMap { $0 } + Array("X,,,,,,,,,,,,,,,,,,\n".utf8)
        _ = try Self.write(header + one, in: folder)
        let small = try await Self.generate(full, other)
        #expect(small.status == 65 && !small.stderr.contains("fewer"))
    }

    @Test(arguments: ["666", "777", "4755", "7777", "620", "602", "1644", "200"])
    func unsafeFileModesAreRefused(_ mode: String) async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try await followup(["generate", "--store", "Fixtures/demo/leads.csv", "--out", folder.appendingPathComponent("out").path, "--mode", mode])
        #expect(run.status == 64)
        #expect(run.stderr.contains("--mode \(mode)"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
    }

    @Test func theStoreAndExportedSheetsAreOwnerOnlyUnlessAskedOtherwise() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        let store = folder.appendingPathComponent("leads.sqlite").path
        #expect(try await followup(["init", store]).status == 0)
        #expect(try await followup(["add", "--name", "Ann", "--store", store]).status == 0)
        for file in [store, store + "-wal", store + "-shm"] where FileManager.default.fileExists(atPath: file) {
            #expect(try mode(file) == 0o600, "\(file)")
        }
        let sheet = folder.appendingPathComponent("out.csv").path
        #expect(try await followup(["export", sheet, "--store", store]).status == 0)
        #expect(try mode(sheet) == 0o600)
        #expect(try await followup(["export", sheet, "--store", store, "--mode", "644"]).status == 0)
        #expect(try mode(sheet) == 0o644)
        let shared = folder.appendingPathComponent("shared.sqlite").path
        #expect(try await followup(["init", shared, "--mode", "640"]).status == 0)
        #expect(try mode(shared) == 0o640)
        let refused = try await followup(["init", folder.appendingPathComponent("open.sqlite").path, "--mode", "666"])
        #expect(refused.status == 64 && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("open.sqlite").path))
    }

    @Test func writingCommandsRefuseADamagedStoreAndChangeNothing() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = folder.appendingPathComponent("leads.sqlite").path
        #expect(try await followup(["init", store]).status == 0)
        let (header, rows) = try Self.sheet(count: 400)
        let sheet = try Self.write(header + rows.flatMap { $0 }, in: folder)
        #expect(try await followup(["import", sheet, "--store", store]).status == 0)
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [store, "PRAGMA wal_checkpoint(TRUNCATE);"]
        sqlite.standardOutput = FileHandle.nullDevice
        _ = try await Child(sqlite).exited()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: store))
        bytes.replaceSubrange(16_384..<24_576, with: Data((0..<8_192).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }))
        try bytes.write(to: URL(fileURLWithPath: store))
        for command in [
            ["log", "M0001", "--channel", "email"], ["snooze", "M0002", "--until", "2027-01-01"], ["close", "M0003", "won"],
            ["next", "M0004", "Call", "--due", "2026-12-10"], ["add", "--name", "New Person"], ["import", sheet],
        ] {
            let run = try await followup(command + ["--store", store])
            #expect(run.status != 0, "\(command[0]) must fail")
            #expect(run.stderr.contains("damaged"), "\(command[0]): \(run.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == bytes, "nothing was written")
    }
}

@Suite struct TerminalSafetyTests {
    @Test func noControlCharacterAGivenValueHoldsReachesTheTerminal() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = folder.appendingPathComponent("leads.sqlite").path
        #expect(try await followup(["init", store]).status == 0)
        let run = try await followup(["log", "X\u{1B}[2J\u{1B}]0;pwned\u{07}", "--channel", "email", "--store", store])
        #expect(run.status != 0)
        #expect(!run.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(run.stderr)")
        #expect(run.stderr.contains("\\u{1B}[2J"))
        // A name with escapes in a sheet does not reach the terminal through agenda or check.
        let sheet = folder.appendingPathComponent("leads.csv")
        try Data("id,name,first_contact\nL1,Evil\u{1B}]0;title\u{07}\u{1B}[31m,2026-11-30\n".utf8).write(to: sheet)
        for command in [
            ["agenda", "--store", sheet.path, "--now", "2026-12-01", "--timezone", "UTC"],
            ["check", "--store", sheet.path, "--now", "2026-12-01"],
        ] {
            let shown = try await followup(command)
            #expect(shown.stdout.contains("Evil"), "\(command[0]): \(shown.stdout)")
            #expect(!shown.stdout.unicodeScalars.contains { $0.value == 0x07 || $0.value == 0x1B }, "\(command[0]): \(shown.stdout)")
            // Shown escaped (agenda may cut the long cell after the first escape).
            #expect(shown.stdout.contains("\\u{1B}]0;title\\u{7}"), "\(command[0]): \(shown.stdout)")
            if command[0] == "check" { #expect(shown.stdout.contains("\\u{1B}[31m")) }
        }
    }
}
