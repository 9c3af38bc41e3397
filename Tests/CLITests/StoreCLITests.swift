import Foundation
import Testing

/// A new user's session on a fresh store, as the issue describes it: init,
/// add, log, next, snooze, close, agenda, check, generate; the feeds are
/// generated and linted after each change.
@Suite struct StoreCLITests {
    /// Runs followup on `store` with a pinned today.
    func on(_ store: URL, _ arguments: [String], now: String = "2026-12-01") async throws -> Run {
        try await followup(arguments + ["--store", store.path, "--now", now])
    }

    /// Generates feeds from the store and checks them with `followup lint`;
    /// returns all.tasks.ics.
    func feeds(_ store: URL, _ out: URL, now: String = "2026-12-01") async throws -> String {
        let result = try await on(store, ["generate", "--out", out.path, "--timezone", "UTC", "--quiet", "--force"], now: now)
        #expect(result.status == 0, "\(result.stderr)")
        let lint = try await followup(["lint", out.appendingPathComponent("all.events.ics").path, out.appendingPathComponent("all.tasks.ics").path])
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        return try String(contentsOf: out.appendingPathComponent("all.tasks.ics"), encoding: .utf8)
    }

    @Test func aNewUserCapturesPlansAndChecks() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = folder.appendingPathComponent("leads.sqlite"), out = folder.appendingPathComponent("feeds")
        let created = try await followup(["init", store.path])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try await followup(["init", store.path]).status == 1, "never overwritten")

        #expect(
            try await on(
                store,
                [
                    "add", "--name", "Dana Kowalski", "--company", "Wisła Logistics", "--email", "dana@wisla.example",
                    "--owner", "Alice Martin", "--timezone", "Europe/Warsaw", "--notes", "Board approval in Q1",
                ]
            ).status == 0)
        #expect(
            try await on(
                store,
                [
                    "add", "--id", "IVAN", "--name", "Ivan Petrov", "--email", "ivan@volga.example", "--timezone", "Europe/Berlin",
                    "--fiscal-year-start", "04-01", "--event", "2027-03-10 Hannover Messe",
                ]
            ).status == 0)
        #expect(try await on(store, ["add", "--name", "Wes Won", "--phone", "+1 555 0100", "--timezone", "America/Chicago"]).status == 0)
        var tasks = try await feeds(store, out)
        #expect(tasks.contains("UID:L0001.day0.task@followup"), "a new lead's Day 0 is planned")
        #expect(tasks.contains("UID:IVAN.day0.task@followup"))

        #expect(try await on(store, ["log", "L0001", "--channel", "email", "--step", "day0", "--note", "Sent the proposal"], now: "2026-11-26").status == 0)
        tasks = try await feeds(store, out)
        #expect(!tasks.contains("UID:L0001.day0.task@followup"), "Day 0 is done")
        #expect(tasks.contains("UID:L0001.day2-3.task@followup") || tasks.contains("UID:L0001.day7-10.task@followup"))

        #expect(try await on(store, ["log", "L0001", "--channel", "call", "--in", "--at", "2026-11-30T16:00", "--note", "Wants a pilot"]).status == 0)
        #expect(try await on(store, ["next", "L0001", "Send the pilot plan", "--due", "2026-12-03"]).status == 0)
        tasks = try await feeds(store, out)
        #expect(tasks.contains("UID:L0001.next-step.task@followup"))
        #expect(!tasks.contains("UID:L0001.day7-10"), "their reply stopped the cadence")

        #expect(try await on(store, ["snooze", "IVAN", "--until", "2027-02-01"]).status == 0)
        tasks = try await feeds(store, out)
        #expect(tasks.contains("UID:IVAN.check-back.task@followup"))
        #expect(!tasks.contains("UID:IVAN.day0"))

        #expect(try await on(store, ["close", "L0003", "won"]).status == 0)
        tasks = try await feeds(store, out)
        #expect(!tasks.contains("UID:L0003."), "nothing for a won lead")

        let agenda = try await on(store, ["agenda", "--days", "7", "--timezone", "UTC"])
        #expect(agenda.status == 0, "\(agenda.stderr)")
        #expect(agenda.stdout.contains("Thu 2026-12-03"))
        // Cut to 80 columns: the step's text is in --json whole.
        #expect(agenda.stdout.contains("Agreed next step"))
        let json = try await on(store, ["agenda", "--days", "7", "--timezone", "UTC", "--json"])
        #expect(json.stdout.contains("Send the pilot plan"))
        #expect(!agenda.stdout.contains("\u{1B}["), "no colour when piped")
        let alice = try await on(store, ["agenda", "--owner", "alice martin", "--days", "30", "--timezone", "UTC"])
        #expect(alice.stdout.contains("L0001") && !alice.stdout.contains("IVAN"))

        let healthy = try await on(store, ["check"])
        #expect(healthy.status == 0, "\(healthy.stdout)")
        // A week after the next step was due, check flags it, and exits non-zero for cron.
        let late = try await on(store, ["check", "--cold-days", "60"], now: "2026-12-10")
        #expect(late.status == 1)
        #expect(late.stdout.contains("Overdue (1)"), "\(late.stdout)")
        #expect(late.stdout.contains("L0001 Dana Kowalski"))
        #expect(late.stdout.contains("Agreed next step: Send the pilot plan, due 2026-12-03"), "\(late.stdout)")
        #expect(try await on(store, ["done", "L0001"], now: "2026-12-10").status == 0)
        let noStep = try await on(store, ["check", "--cold-days", "60"], now: "2026-12-10")
        #expect(!noStep.stdout.contains("Send the pilot plan"), "done: no longer overdue")
        let cold = try await on(store, ["check", "--cold-days", "7"], now: "2026-12-20")
        #expect(cold.stdout.contains("Going cold"))
    }

    @Test func badInputIsOneLineAndChangesNothing() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = folder.appendingPathComponent("leads.sqlite")
        #expect(try await followup(["init", store.path]).status == 0)
        #expect(try await on(store, ["add", "--name", "Ann Lee"]).status == 0)
        let before = try Data(contentsOf: store)

        let unknown = try await on(store, ["log", "NOPE", "--channel", "email"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "followup: error: no lead \"NOPE\" in \(store.path)\n")
        let badDate = try await on(store, ["next", "L0001", "Call", "--due", "2026-02-30"])
        #expect(badDate.status == 64)
        #expect(badDate.stderr.contains("--due \"2026-02-30\" is not a date"))
        let badZone = try await on(store, ["add", "--name", "Bo", "--timezone", "Mars/Base"])
        #expect(badZone.status == 64)
        #expect(badZone.stderr.contains("Mars/Base"))
        // A due date in the past is a warning, not a refusal.
        let past = try await on(store, ["next", "L0001", "Call", "--due", "2026-11-20"])
        #expect(past.status == 0)
        #expect(past.stderr.contains("warning: --due 2026-11-20 is before today"))
        #expect(try Data(contentsOf: store).count >= before.count)

        let notAStore = folder.appendingPathComponent("notes.sqlite")
        try Data("hello".utf8).write(to: notAStore)
        let refused = try await followup(["agenda", "--store", notAStore.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not a followup store"))
        #expect(try String(contentsOf: notAStore, encoding: .utf8) == "hello")
    }

    @Test func aSheetAndTheStoreItImportsIntoPlanTheSameTouchpoints() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = folder.appendingPathComponent("demo.sqlite")
        #expect(try await followup(["init", store.path]).status == 0)
        let imported = try await followup(["import", "Fixtures/demo/leads.csv", "--store", store.path])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("33 added, 0 updated, 0 unchanged, 0 rejected"))
        let again = try await followup(["import", "Fixtures/demo/leads.csv", "--store", store.path])
        #expect(again.stdout.contains("0 added, 0 updated, 33 unchanged"))

        let pinned = ["--now", "2026-12-01", "--timezone", "America/New_York"]
        let fromSheet = try await followup(["plan", "--store", "Fixtures/demo/leads.csv"] + pinned)
        let fromStore = try await followup(["plan", "--store", store.path] + pinned)
        #expect(fromSheet.status == 0 && fromStore.status == 0)
        #expect(!fromSheet.stdout.isEmpty)
        #expect(fromSheet.stdout == fromStore.stdout)

        // The feeds too: the store gives the golden feeds byte for byte.
        let out = folder.appendingPathComponent("feeds")
        #expect(try await followup(["generate", "--store", store.path, "--out", out.path, "--quiet"] + pinned).status == 0)
        for name in try files(in: goldenFolder) {
            #expect(try Data(contentsOf: out.appendingPathComponent(name)) == Data(contentsOf: goldenFolder.appendingPathComponent(name)), "\(name)")
        }
        // Export round-trips.
        let exported = folder.appendingPathComponent("export.csv")
        #expect(try await followup(["export", exported.path, "--store", store.path]).status == 0)
        let fromExport = try await followup(["plan", "--store", exported.path] + pinned)
        #expect(fromExport.stdout == fromSheet.stdout)
    }

    @Test func twoWritersAtOnceKeepEveryWrite() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = folder.appendingPathComponent("leads.sqlite")
        #expect(try await followup(["init", store.path]).status == 0)
        #expect(try await on(store, ["add", "--name", "Ann Lee"]).status == 0)
        // Two shells each log 15 touches while a third regenerates the feeds.
        let script = """
            for i in $(seq 1 15); do "$0" log L0001 --channel call --note "$1 $i" --store "$2" --now 2026-12-01 || exit 1; done
            """
        let out = folder.appendingPathComponent("feeds").path
        let processes = ["A", "B", "G"].map { name -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments =
                name == "G"
                ? [
                    "-c", "for i in 1 2 3 4 5; do \"$0\" generate --store \"$1\" --out \"$2\" --now 2026-12-01 --timezone UTC --quiet --force || exit 1; done",
                    followupBinary.path, store.path, out,
                ]
                : ["-c", script, followupBinary.path, name, store.path]
            process.standardOutput = FileHandle.nullDevice
            return process
        }
        let children = try processes.map(Child.init)
        var statuses: [Int32] = []
        for child in children { statuses.append(await child.exited()) }
        #expect(statuses == [0, 0, 0])
        let count = try await run(URL(fileURLWithPath: "/usr/bin/sqlite3"), [store.path, "SELECT COUNT(*) FROM touch;"])
        #expect(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "30", "every write kept")
    }

    @Test func eachCommandsHelpShowsAnExample() async throws {
        for command in ["init", "add", "log", "next", "done", "snooze", "close", "import", "export", "agenda", "check", "explain", "playbook"] {
            let help = try await followup([command, "--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("followup \(command)"), "\(command) --help shows no example")
        }
    }
}
