import CSV
import Foundation
import Testing

/// A deterministic lead sheet of many leads: every status, 20 time zones
/// (half-hour and 45-minute offsets, southern and northern daylight saving,
/// none), owners with accents and other scripts, long non-ASCII notes.
enum SyntheticSheet {
    static let zones = [
        "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo",
        "America/St_Johns", "America/Santiago", "Europe/London", "Europe/Berlin", "Europe/Kyiv", "Europe/Dublin",
        "Africa/Casablanca", "Asia/Tehran", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Tokyo", "Australia/Sydney",
        "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Chatham",
    ]
    static let statuses = ["", "new", "active", "active", "engaged", "not_yet", "won", "lost", "closed", "paused"]
    static let owners = ["Alice Martin", "Bo Zhang", "Zoë Ødegaard", "鈴木 一郎", "O'Neil, Pat", "me", ""]
    static let notes = [
        "Needs \"board\" approval, then legal; budget in Q3, 40 seats.",
        String(repeating: "予算は来年度に確定する予定。担当者は品質保証部。", count: 12),
        "Line one\nLine two, with a comma; a semicolon \\ and a backslash",
        String(repeating: "Zoë café — naïve résumé 📞 שלום مرحبا ", count: 10),
        "",
    ]

    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Writes `count` leads around `today` (an ISO date) to `url`.
    static func write(count: Int, today: Date, to url: URL, seed: UInt64 = 2026, owners: [String] = owners) throws {
        var rng = SplitMix64(state: seed)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        func date(_ range: ClosedRange<Int>, _ chance: Double) -> String {
            guard Double.random(in: 0..<1, using: &rng) < chance else { return "" }
            return formatter.string(from: today.addingTimeInterval(Double(Int.random(in: range, using: &rng)) * 86_400))
        }
        guard let stream = OutputStream(url: url, append: false) else { throw CocoaError(.fileWriteUnknown) }
        stream.open()
        defer { stream.close() }
        let writer = try CSVWriter(stream: stream)
        try writer.write(row: [
            "id", "name", "company", "email", "owner", "timezone", "status", "first_contact",
            "last_contact", "last_reply", "next_step", "next_step_due", "next_step_owner",
            "snooze_until", "notes",
        ])
        for index in 0..<count {
            try writer.write(row: [
                "S\(index)",
                ["Ann Lee", "Zoë Müller", "Łukasz Nowak", "鈴木 花子", "Pat \"PJ\" O'Neil"].randomElement(using: &rng)!,
                ["Acme, Inc.", "Café Größe", "", "Widgets; Ltd"].randomElement(using: &rng)!,
                "lead\(index)@example.com",
                owners.randomElement(using: &rng)!,
                zones[index % zones.count],
                statuses.randomElement(using: &rng)!,
                date(-90...20, 0.7), date(-60...0, 0.5), date(-40...0, 0.3),
                ["", "Send the proposal, v2"].randomElement(using: &rng)!,
                date(-20...200, 0.4), ["", "me", "them"].randomElement(using: &rng)!,
                date(-30...120, 0.2),
                notes.randomElement(using: &rng)!,
            ])
        }
    }
}

@Suite struct LargeStoreTests {
    /// 1,000 leads across 20 zones: both feeds that hold every component,
    /// through every consumer of the gauntlet, with no disagreement.
    @Test(.enabled(if: gauntlet != nil, "needs ../shared/gauntlet/check (or FOLLOWUP_GAUNTLET)"), .timeLimit(.minutes(20)))
    func aThousandLeadsPassEveryConsumer() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = folder.appendingPathComponent("leads.csv"), out = folder.appendingPathComponent("feeds")
        try SyntheticSheet.write(count: 1_000, today: Date(timeIntervalSince1970: 1_796_083_200), to: sheet)
        let generate = try await followup([
            "generate", "--store", sheet.path, "--out", out.path,
            "--now", "2026-12-01", "--timezone", "UTC", "--quiet",
        ])
        #expect(generate.status == 0, "\(generate.stderr)")

        let report = folder.appendingPathComponent("gauntlet.json")
        let feeds = ["all.events.ics", "all.tasks.ics"].map { out.appendingPathComponent($0).path }
        let result = try await run(gauntlet!, ["--json", report.path, "--timeout", "600"] + feeds)
        #expect(result.status == 0, "gauntlet failed:\n\(result.stdout)\n\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any]
        let files = json?["files"] as? [String: [String: Any]] ?? [:]
        #expect(files.count == 2)
        for (file, report) in files {
            let disagreements = report["disagreements"] as? [String] ?? []
            #expect(disagreements.isEmpty, "\(file): \(disagreements.prefix(5))")
        }
        let index = try String(contentsOf: out.appendingPathComponent("index.json"), encoding: .utf8)
        #expect(index.contains("\"leads\" : 1000"))
    }
}

/// Generation plans owners on several threads and serialises as it plans:
/// the feeds must not depend on how many threads there were.
@Suite struct StreamingTests {
    /// Every file in a folder, by name (the run stamp is left out: it records
    /// the run, not the feeds).
    static func files(in folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where !name.hasPrefix(".") {
            files[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return files
    }

    /// The files `generate` writes from `sheet` on each number of threads.
    static func feeds(of sheet: URL, in folder: URL, threads: [Int], options: [String]) async throws -> [[String: Data]] {
        var outputs: [[String: Data]] = []
        for count in threads {
            let out = folder.appendingPathComponent("feeds-\(count)")
            let generate = try await followup(
                [
                    "generate", "--store", sheet.path, "--out", out.path, "--now", "2026-12-01",
                    "--timezone", "UTC", "--quiet", "--threads", String(count),
                ] + options)
            #expect(generate.status == 0, "\(generate.stderr)")
            outputs.append(try Self.files(in: out))
            // Nothing of the run's scratch files is left beside the feeds.
            let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
            #expect(names.allSatisfy { $0.hasSuffix(".ics") || [".followup-state.json", ".followup.lock", "index.json"].contains($0) }, "\(names)")
        }
        return outputs
    }

    @Test(arguments: [[String](), ["--digest"], ["--all-day", "--profile", "google"]])
    func theFeedsAreTheSameByteForByteWhateverTheThreads(options: [String]) async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = folder.appendingPathComponent("leads.csv")
        try SyntheticSheet.write(count: 3_000, today: Date(timeIntervalSince1970: 1_796_083_200), to: sheet, seed: 7)
        let outputs = try await Self.feeds(of: sheet, in: folder, threads: [1, 2, 5], options: options)
        #expect(outputs[0].count == 2 * (SyntheticSheet.owners.count - 1) + 3)  // "" is the default owner, "me"'s own
        #expect(outputs[0].values.allSatisfy { !$0.isEmpty })
        #expect(outputs[1] == outputs[0])
        #expect(outputs[2] == outputs[0])
    }

    /// One owner's leads are planned on one thread (their capacity is one
    /// ledger) while the other threads serialise what it plans: the feeds
    /// are the same however many threads share the work.
    @Test(arguments: [[String](), ["--digest"]])
    func oneOwnersFeedsAreTheSameWhateverTheThreadsThatSerialiseThem(options: [String]) async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = folder.appendingPathComponent("leads.csv")
        try SyntheticSheet.write(count: 3_000, today: Date(timeIntervalSince1970: 1_796_083_200), to: sheet, seed: 11, owners: ["Alice Martin"])
        let outputs = try await Self.feeds(of: sheet, in: folder, threads: [1, 2, 4], options: options)
        #expect(Set(outputs[0].keys) == ["alice-martin.events.ics", "alice-martin.tasks.ics", "all.events.ics", "all.tasks.ics", "index.json"])
        #expect(outputs[0]["alice-martin.tasks.ics"].map { $0.count > 1_000_000 } == true, "3,000 leads' tasks")
        #expect(outputs[1] == outputs[0])
        #expect(outputs[2] == outputs[0])
    }

    /// On a terminal a large run shows its progress on stderr; into a pipe
    /// or a file (cron) it says nothing of it.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a terminal"))
    func progressShowsOnATerminalOnly() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = folder.appendingPathComponent("leads.csv")
        try SyntheticSheet.write(count: 12_000, today: Date(timeIntervalSince1970: 1_796_083_200), to: sheet, seed: 3)
        let arguments = ["generate", "--store", sheet.path, "--now", "2026-12-01", "--timezone", "UTC"]
        // script(1) gives the run a terminal and copies what it printed to stdout.
        let command = ([followupBinary.path] + arguments + ["--out", folder.appendingPathComponent("tty").path])
            .map { "'\($0)'" }.joined(separator: " ")
        let onTerminal = try await run(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"])
        #expect(onTerminal.status == 0, "\(onTerminal.stdout)")
        #expect(onTerminal.stdout.contains("of 12000 leads planned"), "\(onTerminal.stdout)")
        #expect(onTerminal.stdout.contains("components serialised"))
        let piped = try await followup(arguments + ["--out", folder.appendingPathComponent("pipe").path])
        #expect(piped.status == 0)
        #expect(!piped.stderr.contains("\u{1B}[2K"))
        #expect(!piped.stderr.contains("components serialised"))
        #expect(piped.stderr.contains("12000 leads planned"), "the summary line is still there")
    }

    @Test func aStoreAndTheSheetItCameFromGiveTheSameFeedsOnManyThreads() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = folder.appendingPathComponent("leads.csv"), store = folder.appendingPathComponent("leads.sqlite")
        try SyntheticSheet.write(count: 1_500, today: Date(timeIntervalSince1970: 1_796_083_200), to: sheet, seed: 11)
        #expect(try await followup(["init", store.path]).status == 0)
        #expect(try await followup(["import", sheet.path, "--store", store.path]).status == 0)
        var outputs: [[String: Data]] = []
        for (source, threads) in [(sheet, "1"), (store, "2")] {
            let out = folder.appendingPathComponent("feeds-\(threads)")
            let generate = try await followup([
                "generate", "--store", source.path, "--out", out.path, "--now", "2026-12-01",
                "--timezone", "UTC", "--quiet", "--threads", threads,
            ])
            #expect(generate.status == 0, "\(generate.stderr)")
            outputs.append(try Self.files(in: out))
        }
        #expect(outputs[0] == outputs[1])
    }
}
