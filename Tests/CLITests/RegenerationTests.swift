import Foundation
import Testing

func modificationTimes(_ folder: URL) throws -> [String: Date] {
    var result: [String: Date] = [:]
    for file in try files(in: folder) {
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(file).path)
        result[file] = attributes[.modificationDate] as? Date
    }
    return result
}

func permissions(_ path: URL) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path.path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

@Suite(.serialized) struct RegenerationTests {
    @Test func anUnchangedStoreLeavesEveryFileUntouched() async throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let first = try await followup(demoArguments + ["--out", out.path])
        #expect(first.stderr.contains("10 feeds in \(out.path): 10 written, 0 unchanged"), "\(first.stderr)")
        let before = try modificationTimes(out)
        try await Task.sleep(for: .milliseconds(1_100))  // a rewrite would show in the modification time
        // The same inputs and the same day: nothing is even read.
        let second = try await followup(demoArguments + ["--out", out.path])
        #expect(second.status == 0)
        #expect(second.stderr.contains("and today has not changed: nothing to write"), "\(second.stderr)")
        #expect(try modificationTimes(out) == before)
        // Planned and written again, every file comes out the same and stays as it was.
        let forced = try await followup(demoArguments + ["--out", out.path, "--force"])
        #expect(forced.status == 0)
        #expect(forced.stderr.contains("0 written, 10 unchanged"), "\(forced.stderr)")
        #expect(try modificationTimes(out) == before)
        // A run on another day plans again.
        let tomorrow = try await followup([
            "generate", "--store", "Fixtures/demo/leads.csv", "--now", "2026-12-02",
            "--timezone", "America/New_York", "--out", out.path,
        ])
        #expect(tomorrow.stderr.contains("33 leads planned"), "\(tomorrow.stderr)")
    }

    @Test func aSkippedRunStillExitsAsTheRunItRepeats() async throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let arguments = ["generate", "--store", "Fixtures/bad/leads.csv", "--out", out.path, "--now", "2026-12-01", "--timezone", "UTC"]
        #expect(try await followup(arguments).status == 65)
        let again = try await followup(arguments)
        #expect(again.status == 65)
        #expect(again.stderr.contains("2 rows are still rejected"), "\(again.stderr)")
    }

    @Test func aChangedLeadRewritesOnlyTheFeedsThatHoldIt() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = folder.appendingPathComponent("leads.csv"), out = folder.appendingPathComponent("out")
        let original = try String(contentsOf: packageRoot.appendingPathComponent("Fixtures/demo/leads.csv"), encoding: .utf8)
        try original.write(to: sheet, atomically: true, encoding: .utf8)
        let arguments = ["generate", "--store", sheet.path, "--out", out.path, "--now", "2026-12-01", "--timezone", "America/New_York"]
        #expect(try await followup(arguments).status == 0)
        let before = try modificationTimes(out)
        try await Task.sleep(for: .milliseconds(1_100))
        // Dmitri Volkov (owner "me") now replied: his cadence stops.
        try original.replacingOccurrences(
            of: "L030,Dmitri Volkov,Volkov Steel,dmitri@volkovsteel.example,,me,Europe/Helsinki,active,2026-11-10,2026-11-13,,",
            with: "L030,Dmitri Volkov,Volkov Steel,dmitri@volkovsteel.example,,me,Europe/Helsinki,active,2026-11-10,2026-11-13,2026-11-20,"
        )
        .write(to: sheet, atomically: true, encoding: .utf8)
        let second = try await followup(arguments)
        #expect(second.stderr.contains("4 written, 6 unchanged"), "\(second.stderr)")
        let after = try modificationTimes(out)
        let changed = Set(after.keys.filter { after[$0] != before[$0] })
        #expect(changed == ["me.events.ics", "me.tasks.ics", "all.events.ics", "all.tasks.ics", "index.json"])
    }

    @Test func filesAreOwnerOnlyUnlessModeSaysOtherwise() async throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try await followup(demoArguments + ["--out", out.path, "--quiet"]).status == 0)
        for file in try files(in: out) { #expect(try permissions(out.appendingPathComponent(file)) == 0o600, "\(file)") }
        #expect(try await followup(demoArguments + ["--out", out.path, "--quiet", "--mode", "644"]).status == 0)
        for file in try files(in: out) { #expect(try permissions(out.appendingPathComponent(file)) == 0o644, "\(file)") }
        #expect(try await followup(demoArguments + ["--out", out.path, "--mode", "rw-r--r--"]).status == 64)
    }

    @Test func aSecondRunWaitsForTheLockThenGivesUpClearly() async throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try await followup(demoArguments + ["--out", out.path, "--quiet"]).status == 0)
        // Hold the folder's lock as a running generate would.
        let descriptor = open(out.appendingPathComponent(".followup.lock").path, O_RDWR | O_CREAT, 0o600)
        #expect(flock(descriptor, LOCK_EX) == 0)
        let started = Date()
        let blocked = try await followup(demoArguments + ["--out", out.path, "--wait", "1", "--force"])
        #expect(blocked.status == 75)
        #expect(blocked.stderr.contains("another followup run is writing to \(out.path)"), "\(blocked.stderr)")
        #expect(Date().timeIntervalSince(started) >= 1)
        flock(descriptor, LOCK_UN)
        close(descriptor)
        #expect(try await followup(demoArguments + ["--out", out.path, "--wait", "1", "--quiet"]).status == 0)
    }

    @Test func overlappingRunsBothFinishAndNeitherTearsAFeed() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = folder.appendingPathComponent("leads.csv"), out = folder.appendingPathComponent("out")
        try SyntheticSheet.write(count: 3_000, today: Date(timeIntervalSince1970: 1_796_083_200), to: sheet)
        let arguments = ["generate", "--store", sheet.path, "--out", out.path, "--now", "2026-12-01", "--timezone", "UTC", "--quiet"]
        let children = try (0..<2).map { _ in
            let process = Process()
            process.executableURL = followupBinary
            process.arguments = arguments
            return try Child(process)
        }
        var statuses: [Int32] = []
        for child in children { statuses.append(await child.exited()) }
        #expect(statuses == [0, 0])
        for file in try files(in: out) where file.hasSuffix(".ics") {
            let text = try String(contentsOf: out.appendingPathComponent(file), encoding: .utf8)
            #expect(text.hasPrefix("BEGIN:VCALENDAR\r\n") && text.hasSuffix("END:VCALENDAR\r\n"), "\(file)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.contains(".tmp-") }.isEmpty)
    }

    @Test func aKilledRunLeavesThePreviousFeedsWholeAndTheNextRunCleansUp() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let small = folder.appendingPathComponent("small.csv"), large = folder.appendingPathComponent("large.csv")
        let out = folder.appendingPathComponent("out")
        try SyntheticSheet.write(count: 200, today: Date(timeIntervalSince1970: 1_796_083_200), to: small)
        try SyntheticSheet.write(count: 30_000, today: Date(timeIntervalSince1970: 1_796_083_200), to: large, seed: 9)
        let common = ["--out", out.path, "--now", "2026-12-01", "--timezone", "UTC", "--quiet"]
        #expect(try await followup(["generate", "--store", small.path] + common).status == 0)
        var previous: [String: Data] = [:]
        for file in try files(in: out) { previous[file] = try Data(contentsOf: out.appendingPathComponent(file)) }

        // Kill a run on the large sheet once it has started writing.
        let process = Process()
        process.executableURL = followupBinary
        process.arguments = ["generate", "--store", large.path] + common
        let child = try Child(process)
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning, Date() < deadline,
            (try FileManager.default.contentsOfDirectory(atPath: out.path)).allSatisfy({ !$0.contains(".tmp-") })
        {
            try await Task.sleep(for: .milliseconds(5))
        }
        kill(process.processIdentifier, SIGKILL)
        _ = await child.exited()
        let left = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.contains(".tmp-") }
        #expect(!left.isEmpty, "the run was killed while writing")
        for (file, data) in previous {
            let now = try Data(contentsOf: out.appendingPathComponent(file))
            let text = String(decoding: now, as: UTF8.self)
            // Each feed is the old one or a whole new one, never half of one.
            #expect(now == data || (file == "index.json" || text.hasSuffix("END:VCALENDAR\r\n")), "\(file)")
        }

        let next = try await followup(["generate", "--store", small.path] + Array(common.dropLast()))
        #expect(next.status == 0)
        #expect(next.stderr.contains("removed \(left.count) temporary file\(left.count == 1 ? "" : "s") left by a run that was stopped"), "\(next.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.contains(".tmp-") }.isEmpty)
        for (file, data) in previous {
            #expect(try Data(contentsOf: out.appendingPathComponent(file)) == data, "\(file)")
        }
    }
}

@Suite struct RunConsistencyTests {
    @Test func theTokensFilesTemporaryIsNotARunsToRemove() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        let arguments = ["generate", "--store", "Fixtures/demo/leads.csv", "--out", out.path, "--now", "2026-12-01", "--timezone", "UTC", "--quiet"]
        #expect(try await followup(arguments).status == 0)
        // What `token rotate` has beside the tokens file while it writes, and what a killed run leaves.
        let tokensTemporary = out.appendingPathComponent(".followup-tokens.json.tmp-4242").path
        let stale = [".alice-martin.events.ics.tmp-4242", ".index.json.tmp-17"].map { out.appendingPathComponent($0).path }
        for path in [tokensTemporary] + stale { _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8)) }
        #expect(try await followup(arguments + ["--force"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: tokensTemporary), "another writer's temporary stays")
        #expect(stale.allSatisfy { !FileManager.default.fileExists(atPath: $0) }, "a killed run's temporaries go")
    }

    @Test func aRunStoppedWhileReplacingFeedsLeavesNoIndexOfAMixedSet() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        let base = ["generate", "--store", "Fixtures/demo/leads.csv", "--out", out.path, "--timezone", "UTC", "--quiet"]
        #expect(try await followup(base + ["--now", "2026-12-01"]).status == 0)
        let index = out.appendingPathComponent("index.json")
        #expect(FileManager.default.fileExists(atPath: index.path))
        // A feed that cannot be replaced (a folder stands in its place):
        // the run fails after it has put some other feeds in place.
        let blocked = out.appendingPathComponent("zoe-odegaard.tasks.ics")
        try FileManager.default.removeItem(at: blocked)
        try FileManager.default.createDirectory(at: blocked.appendingPathComponent("inside"), withIntermediateDirectories: true)
        let failed = try await followup(base + ["--now", "2026-12-08"])
        #expect(failed.status != 0)
        #expect(!FileManager.default.fileExists(atPath: index.path), "no index.json describes the mixed set")
        for file in try files(in: out) where file.hasSuffix(".ics") && file != "zoe-odegaard.tasks.ics" {
            let text = try String(contentsOf: out.appendingPathComponent(file), encoding: .utf8)
            #expect(text.hasPrefix("BEGIN:VCALENDAR\r\n") && text.hasSuffix("END:VCALENDAR\r\n"), "\(file) is whole")
        }
        try FileManager.default.removeItem(at: blocked)
        #expect(try await followup(base + ["--now", "2026-12-08"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: index.path))
    }
}
