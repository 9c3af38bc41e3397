import Foundation
import Testing

/// A week in the store as a person lives it: see, fix and undo what it
/// holds, with every command's text and JSON.
@Suite struct StoreLifeCLITests {
    /// A clean environment: no config file or store from the machine running the tests.
    static func environment(_ folder: URL, _ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["FOLLOWUP_STORE"] = nil
        environment["XDG_CONFIG_HOME"] = folder.appendingPathComponent("xdg").path
        environment["FOLLOWUP_CONFIG"] = nil
        environment["NO_COLOR"] = "1"
        return environment.merging(extra) { $1 }
    }

    /// followup in `folder`, with today pinned where the command takes --now.
    func cli(_ folder: URL, _ arguments: [String], env: [String: String] = [:], input: String? = nil) async throws -> Run {
        try await run(followupBinary, arguments, in: folder, environment: Self.environment(folder, env), input: input)
    }

    func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    /// A store with the demo sheet in it.
    func demoStore() async throws -> URL {
        let folder = try temporaryFolder()
        let created = try await cli(folder, ["init"])
        #expect(created.status == 0, "init exited \(created.status): \(created.stdout)\(created.stderr)")
        let imported = try await cli(folder, ["import", packageRoot.appendingPathComponent("Fixtures/demo/leads.csv").path, "--now", "2026-12-01"])
        #expect(imported.status == 0, "\(imported.stderr)")
        return folder
    }

    @Test func showListsFieldsHistoryAndTheNextTwoTouches() async throws {
        let folder = try await demoStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(
            try await cli(folder, ["log", "L004", "--channel", "email", "--step", "day7-10", "--note", "Sent the case study", "--now", "2026-12-01"]).status
                == 0)
        #expect(try await cli(folder, ["log", "L004", "--channel", "call", "--in", "--at", "2026-12-02T15:30", "--now", "2026-12-02"]).status == 0)
        #expect(try await cli(folder, ["next", "L004", "Send the pilot plan", "--due", "2026-12-08", "--now", "2026-12-02"]).status == 0)
        let shown = try await cli(folder, ["show", "L004", "--now", "2026-12-02"])
        #expect(shown.status == 0, "\(shown.stderr)")
        for text in [
            "L004  Dana Kowalski (Wisła Logistics)", "email ", "dana@wisla.example", "status ", "engaged",
            "2026-12-01  your email (day7-10): Sent the case study", "2026-12-02 15:30:00  their reply by call",
            "next step \"Send the pilot plan\" due 2026-12-08, yours", "Next", "Send the pilot plan",
        ] {
            #expect(shown.stdout.contains(text), "\(text) in:\n\(shown.stdout)")
        }
        let object = try #require(try json(try await cli(folder, ["show", "L004", "--json", "--now", "2026-12-02"]).stdout) as? [String: Any])
        #expect((object["lead"] as? [String: String])?["email"] == "dana@wisla.example")
        #expect((object["history"] as? [Any])?.count == 3)
        let next = try #require(object["next"] as? [[String: Any]])
        #expect((1...2).contains(next.count) && next[0]["kind"] as? String == "next-step", "\(next)")
        // A mistyped id names the closest.
        let missing = try await cli(folder, ["show", "l004", "--now", "2026-12-02"])
        #expect(missing.status == 1 && missing.stderr.contains("did you mean L004?"), "\(missing.stderr)")
    }

    @Test func listFiltersAndPrintsJSON() async throws {
        let folder = try await demoStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let all = try await cli(folder, ["list", "--now", "2026-12-01"])
        #expect(all.status == 0)
        #expect(all.stdout.hasPrefix("ID "), "\(all.stdout)")
        #expect(all.stdout.contains("33 leads"))
        let lines = all.stdout.split(separator: "\n").dropFirst().dropLast()
        // Aligned: the owner column starts at the same place on every row.
        let header = all.stdout.split(separator: "\n")[0]
        let ownerColumn = header.range(of: "OWNER")!.lowerBound.utf16Offset(in: header)
        for line in lines { #expect(Array(line)[ownerColumn - 1] == " " && Array(line)[ownerColumn] != " ", "\(line)") }
        let bo = try #require(try json(try await cli(folder, ["list", "--owner", "bo zhang", "--json", "--now", "2026-12-01"]).stdout) as? [[String: Any]])
        #expect(!bo.isEmpty && bo.allSatisfy { $0["owner"] as? String == "Bo Zhang" })
        let engaged = try #require(
            try json(try await cli(folder, ["list", "--status", "engaged", "--json", "--now", "2026-12-01"]).stdout) as? [[String: Any]])
        #expect(!engaged.isEmpty && engaged.allSatisfy { $0["status"] as? String == "engaged" })
        let due = try #require(
            try json(try await cli(folder, ["list", "--due-before", "2026-12-02", "--json", "--now", "2026-12-01"]).stdout) as? [[String: Any]])
        #expect(!due.isEmpty)
        for lead in due {
            let next = try #require(lead["next"] as? [String: Any])
            #expect((next["date"] as! String) <= "2026-12-02")
        }
        let found = try #require(try json(try await cli(folder, ["list", "--search", "wisła", "--json", "--now", "2026-12-01"]).stdout) as? [[String: Any]])
        #expect(found.map { $0["id"] as? String } == ["L004"])
        #expect(try await cli(folder, ["list", "--status", "sleeping"]).status == 64)
    }

    @Test func editValidatesLikeTheSheetAndUndoReversesIt() async throws {
        let folder = try await demoStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let edited = try await cli(
            folder,
            [
                "edit", "L004", "--email", "dana@new.example", "--timezone", "America/Chicago", "--notes", "", "--event", "2027-03-10 Hannover Messe",
                "--country", "Poland",
            ])
        #expect(edited.status == 0, "\(edited.stderr)")
        #expect(edited.stdout.contains("edited email, timezone, events, notes, country"), "\(edited.stdout)")
        let shown = try await cli(folder, ["show", "L004", "--json", "--now", "2026-12-01"]).stdout
        let lead = try #require((try json(shown) as? [String: Any])?["lead"] as? [String: String])
        #expect(lead["email"] == "dana@new.example" && lead["timezone"] == "America/Chicago" && lead["notes"] == nil && lead["country"] == "PL")
        #expect(lead["events"] == "2027-03-10 Hannover Messe")
        for (option, value, expected) in [
            ("--timezone", "Europe/Pari", "did you mean Europe/Paris"), ("--fiscal-year-start", "13-45", "MM-DD"),
            ("--launch-date", "soon", "YYYY-MM-DD"), ("--status", "sleepy", "a status"), ("--name", "", "name of a person"),
            ("--country", "Atlantis", "ISO 3166"), ("--next-step-owner", "boss", "me or them"), ("--last-contact", "11/04/2026", "--date-order"),
        ] {
            let bad = try await cli(folder, ["edit", "L004", option, value])
            #expect(bad.status == 64 && bad.stderr.contains(expected) && bad.stderr.contains("nothing was changed"), "\(option) \(value): \(bad.stderr)")
            // add checks the fields it takes as edit does, with the same words, and adds nothing.
            guard ["--timezone", "--fiscal-year-start", "--launch-date", "--country", "--name"].contains(option) else { continue }
            let added = try await cli(folder, ["add", "--id", "NEW1", "--name", "Kim Park", option, value])
            #expect(added.status == 64 && added.stderr == bad.stderr, "add \(option) \(value): \(added.stderr) / edit: \(bad.stderr)")
        }
        #expect(try await cli(folder, ["show", "NEW1"]).status == 1, "no lead was added")
        // A zone as people write it is read, as the sheet reads it, and said.
        let lower = try await cli(folder, ["edit", "L004", "--timezone", "europe/paris"])
        #expect(lower.status == 0 && lower.stderr.contains("read as Europe/Paris") && lower.stdout.contains("Europe/Paris"), "\(lower.stderr)")
        try await cli(folder, ["undo"]).expectSuccess()
        #expect(try await cli(folder, ["edit", "L004"]).status == 64, "no field given")
        let undone = try await cli(folder, ["undo"])
        #expect(undone.status == 0 && undone.stdout.contains("Undone: edit L004"), "\(undone.stdout)")
        let back = try #require((try json(try await cli(folder, ["show", "L004", "--json"]).stdout) as? [String: Any])?["lead"] as? [String: String])
        #expect(back["email"] == "dana@wisla.example" && back["timezone"] == "Europe/Warsaw" && back["notes"] != nil && back["events"] == nil)
    }

    @Test func reassignDeleteAndUndoList() async throws {
        let folder = try await demoStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let moved = try await cli(folder, ["reassign", "--from", "Alice Martin", "--to", "Carla Ruiz", "--status", "new"])
        #expect(moved.status == 0 && moved.stdout.hasPrefix("Moved "), "\(moved.stdout + moved.stderr)")
        let carla = try #require(try json(try await cli(folder, ["list", "--owner", "Carla Ruiz", "--json"]).stdout) as? [[String: Any]])
        #expect(!carla.isEmpty && carla.allSatisfy { $0["status"] as? String == "new" })
        let nobody = try await cli(folder, ["reassign", "--from", "Alice Martn", "--to", "X"])
        #expect(nobody.status == 1 && nobody.stderr.contains("did you mean Alice Martin?"), "\(nobody.stderr)")
        // Not on a terminal: delete asks for --yes.
        let asked = try await cli(folder, ["delete", "L001"], input: "y\n")
        #expect(asked.status == 64 && asked.stderr.contains("--yes"))
        let deleted = try await cli(folder, ["delete", "L001", "--yes"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(try await cli(folder, ["show", "L001"]).status == 1)
        let listed = try await cli(folder, ["undo", "--list"])
        let entries = listed.stdout.split(separator: "\n")
        #expect(
            entries.count == 3 && entries[0].contains("delete L001") && entries[1].contains("reassign") && entries[2].contains("import"), "\(listed.stdout)")
        let object = try #require(try json(try await cli(folder, ["undo", "--list", "--json"]).stdout) as? [[String: Any]])
        #expect(object.map { $0["command"] as? String } == ["delete", "reassign", "import"])
        #expect(try await cli(folder, ["undo"]).status == 0)
        #expect(try await cli(folder, ["show", "L001"]).status == 0, "back")
        #expect(try await cli(folder, ["undo"]).status == 0)
        #expect(try #require(try json(try await cli(folder, ["list", "--owner", "Carla Ruiz", "--json"]).stdout) as? [Any]).isEmpty)
        #expect(try await cli(folder, ["undo"]).status == 0)
        let emptied = try await cli(folder, ["list"])
        #expect(emptied.stdout.contains("No leads"), "\(emptied.stdout)")
        let empty = try await cli(folder, ["undo"])
        #expect(empty.status == 1 && empty.stderr.contains("nothing to undo"))
    }

    @Test func mistakesAreCaughtAtTheDoor() async throws {
        let folder = try await demoStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try await cli(folder, ["log", "L001", "--channel", "email", "--step", "day0", "--at", "2026-12-01T09:15", "--now", "2026-12-01"])
        #expect(first.status == 0, "\(first.stderr)")
        let twice = try await cli(folder, ["log", "L001", "--channel", "email", "--at", "2026-12-01T09:15", "--now", "2026-12-01"])
        #expect(twice.status == 1 && twice.stderr.contains("logged already") && twice.stderr.contains("--again"), "\(twice.stderr)")
        #expect(try await cli(folder, ["log", "L001", "--channel", "email", "--at", "2026-12-01T09:15", "--again", "--now", "2026-12-01"]).status == 0)
        let step = try await cli(folder, ["log", "L001", "--channel", "email", "--step", "day7", "--now", "2026-12-01"])
        #expect(step.status == 64 && step.stderr.contains("did you mean day7-10?") && step.stderr.contains("day0, day2-3"), "\(step.stderr)")
        let channel = try await cli(folder, ["log", "L001", "--channel", "fax", "--now", "2026-12-01"])
        #expect(channel.status == 64 && channel.stderr.contains("email, call, meeting, message"), "\(channel.stderr)")
        // A playbook's own channel is accepted.
        let playbook = folder.appendingPathComponent("playbook.yaml")
        let printed = try await cli(folder, ["playbook", "--print-default"])
        try Data(printed.stdout.replacingOccurrences(of: "channel: \"email\"", with: "channel: \"linkedin\"").utf8).write(to: playbook)
        let linkedin = try await cli(folder, ["log", "L002", "--channel", "LinkedIn", "--step", "day0", "--playbook", playbook.path, "--now", "2026-12-01"])
        #expect(linkedin.status == 0, "\(linkedin.stderr)")
        let past = try await cli(folder, ["snooze", "L003", "--until", "2026-11-30", "--now", "2026-12-01"])
        #expect(past.status == 64 && past.stderr.contains("in the past"), "\(past.stderr)")
        let status = try #require(
            (try json(try await cli(folder, ["show", "L003", "--json", "--now", "2026-12-01"]).stdout) as? [String: Any])?["status"] as? String)
        #expect(status == "active", "the refused snooze changed nothing")
        // Date options read dates as the sheet does: month names, and the fix for a date that reads both ways.
        let both = try await cli(folder, ["snooze", "L003", "--until", "04/03/2027", "--now", "2026-12-01"])
        #expect(both.status == 64 && both.stderr.contains("--date-order") && both.stderr.contains("nothing was changed"), "\(both.stderr)")
        let named = try await cli(folder, ["next", "L003", "Send the quote", "--due", "Dec 9, 2026", "--now", "2026-12-01"])
        #expect(named.status == 0 && named.stdout.contains("due 2026-12-09"), "\(named.stdout)\(named.stderr)")
        try await cli(folder, ["undo"]).expectSuccess()
        // The journal holds the import and the two logs, nothing refused.
        #expect(try await cli(folder, ["undo", "--list"]).stdout.split(separator: "\n").count == 4)
    }

    @Test func agendaFitsEightyColumnsInTheViewersZone() async throws {
        let folder = try await demoStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await cli(
            folder, ["edit", "L001", "--name", String(repeating: "Very Long Name ", count: 8), "--company", String(repeating: "Huge Company ", count: 6)]
        ).expectSuccess()
        let agenda = try await cli(folder, ["agenda", "--now", "2026-12-01", "--timezone", "America/New_York", "--days", "14"])
        #expect(agenda.status == 0, "\(agenda.stderr)")
        for line in agenda.stdout.split(separator: "\n") { #expect(line.count <= 80, "\(line.count): \(line)") }
        #expect(agenda.stdout.contains("…"), "long cells are cut")
        #expect(agenda.stdout.contains("Alice Martin"))
        let mine = try await cli(folder, ["agenda", "--now", "2026-12-01", "--owner", "Alice Martin", "--timezone", "Europe/Warsaw"])
        #expect(!mine.stdout.contains("Alice Martin"), "no owner column with --owner")
        let object = try #require(
            try json(try await cli(folder, ["agenda", "--now", "2026-12-01", "--timezone", "America/New_York", "--json"]).stdout) as? [String: Any])
        #expect(object["timezone"] as? String == "America/New_York" && object["today"] as? String == "2026-12-01")
        let touches = try #require(object["touches"] as? [[String: Any]])
        let elsewhere = try #require(touches.first { $0["timezone"] as? String != "America/New_York" && $0["overdue"] as? Bool == false })
        // The same instant on the viewer's clock.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: elsewhere["timezone"] as! String)!
        let day = (elsewhere["date"] as! String).split(separator: "-").map { Int($0)! }
        let time = (elsewhere["time"] as! String).split(separator: ":").map { Int($0)! }
        let instant = calendar.date(from: DateComponents(year: day[0], month: day[1], day: day[2], hour: time[0], minute: time[1]))!
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "America/New_York")
        formatter.dateFormat = "HH:mm"
        #expect(elsewhere["viewer_time"] as? String == formatter.string(from: instant), "\(elsewhere)")
        // The text shows the viewer's time, and the touch's own beside it.
        let city = (elsewhere["timezone"] as! String).split(separator: "/").last!.replacingOccurrences(of: "_", with: " ")
        #expect(
            agenda.stdout.contains("\(formatter.string(from: instant)) (\(elsewhere["time"] as! String) \(city))"),
            "\(elsewhere) \(formatter.string(from: instant))")
    }

    @Test func checkPrintsJSONWithTheSameExitStatus() async throws {
        let folder = try await demoStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try await cli(folder, ["check", "--now", "2026-12-01"])
        let result = try await cli(folder, ["check", "--now", "2026-12-01", "--json"])
        #expect(text.status == 1 && result.status == 1)
        let object = try #require(try json(result.stdout) as? [String: Any])
        #expect(object["checked"] as? Int == 33)
        let findings = try #require(object["findings"] as? [[String: Any]])
        let overdue = try #require(findings.first { $0["kind"] as? String == "overdue" })
        let items = try #require(overdue["items"] as? [[String: String]])
        #expect(text.stdout.contains("Overdue (\(items.count))"))
        #expect(items.allSatisfy { text.stdout.contains($0["text"]!) })
    }

    @Test func theConfigFileGivesTheDefaultsAndFlagsOverrideIt() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("store: team.sqlite\ntimezone: Europe/Berlin\nout: feeds\nprofile: google\n".utf8).write(to: folder.appendingPathComponent("followup.yaml"))
        #expect(try await cli(folder, ["init"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("team.sqlite").path), "the config's store")
        try await cli(folder, ["add", "--name", "Ann Lee", "--timezone", "Europe/Paris"]).expectSuccess()
        try await cli(folder, ["generate", "--now", "2026-12-01", "--quiet"]).expectSuccess()
        let events = try String(contentsOf: folder.appendingPathComponent("feeds/me.events.ics"), encoding: .utf8)
        #expect(!events.contains("BEGIN:VALARM"), "the google profile leaves out alarms")
        let config = try await cli(folder, ["config"])
        #expect(config.stdout.contains("followup.yaml"), "\(config.stdout)")
        #expect(config.stdout.contains("team.sqlite") && config.stdout.contains("Europe/Berlin"))
        let object = try #require(try json(try await cli(folder, ["config", "--json"]).stdout) as? [String: Any])
        let settings = try #require(object["settings"] as? [[String: Any]])
        #expect(settings.first { $0["key"] as? String == "profile" }?["source"] as? String == "followup.yaml")
        #expect(settings.first { $0["key"] as? String == "playbook" }?["source"] as? String == "default")
        // The environment and a flag win.
        let other = try await cli(folder, ["list", "--store", "nowhere.sqlite"])
        #expect(other.status == 1 && other.stderr.contains("nowhere.sqlite"))
        let environment = try await cli(folder, ["config"], env: ["FOLLOWUP_STORE": "/tmp/x.sqlite"])
        #expect(environment.stdout.contains("/tmp/x.sqlite") && environment.stdout.contains("$FOLLOWUP_STORE"))
        // A broken file is an error that names it and its line.
        try Data("store: team.sqlite\ncolour: blue\n".utf8).write(to: folder.appendingPathComponent("followup.yaml"))
        let broken = try await cli(folder, ["list"])
        #expect(broken.status == 1 && broken.stderr.contains("followup.yaml:2: unknown key \"colour\""), "\(broken.stderr)")
        // The XDG file when the folder has none.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("followup.yaml"))
        let xdg = folder.appendingPathComponent("xdg/followup")
        try FileManager.default.createDirectory(at: xdg, withIntermediateDirectories: true)
        try Data("store: ../../team.sqlite\n".utf8).write(to: xdg.appendingPathComponent("config.yaml"))
        let fromXDG = try await cli(folder, ["list"])
        #expect(fromXDG.status == 0 && fromXDG.stdout.contains("Ann Lee"), "\(fromXDG.stderr)")
    }

    /// `base_url` in the config file is `--base-url`; a value that is not
    /// an http(s) address with a host is refused where it was given.
    @Test func theBaseURLComesFromTheConfigFileAndIsChecked() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("store: team.sqlite\nout: feeds\nbase_url: https://cal.example.com/crm/\n".utf8).write(to: folder.appendingPathComponent("followup.yaml"))
        #expect(try await cli(folder, ["init"]).status == 0)
        try await cli(folder, ["add", "--name", "Ann Lee", "--owner", "Ana"]).expectSuccess()
        try await cli(folder, ["generate", "--now", "2026-12-01", "--quiet"]).expectSuccess()
        let tokens = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("feeds/.followup-tokens.json"))) as! [String: Any]
        let ana = try #require((tokens["tokens"] as? [String: String])?["ana"])
        let feed = try String(contentsOf: folder.appendingPathComponent("feeds/ana.tasks.ics"), encoding: .utf8).replacingOccurrences(of: "\r\n ", with: "")
        #expect(feed.contains("\r\nURL:https://cal.example.com/crm/feeds/\(ana)/t/L0001.day0.task@followup\r\n"), "\(feed)")
        // A flag wins.
        try await cli(folder, ["generate", "--now", "2026-12-01", "--quiet", "--base-url", "http://127.0.0.1:8080"]).expectSuccess()
        let flagged = try String(contentsOf: folder.appendingPathComponent("feeds/ana.tasks.ics"), encoding: .utf8)
        #expect(flagged.replacingOccurrences(of: "\r\n ", with: "").contains("\r\nURL:http://127.0.0.1:8080/feeds/\(ana)/t/"))
        let bad = [
            "javascript:alert(1)", "ftp://cal.example.com", "cal.example.com", "https://cal.example.com/?x=1", "https://a:b@cal.example.com", "https://",
        ]
        for value in bad {
            let flag = try await cli(folder, ["generate", "--now", "2026-12-01", "--base-url", value])
            #expect(flag.status == 64 && flag.stderr.contains("--base-url"), "\(value): \(flag.stderr)")
        }
        for value in bad {
            try Data("store: team.sqlite\nbase_url: \"\(value)\"\n".utf8).write(to: folder.appendingPathComponent("followup.yaml"))
            let config = try await cli(folder, ["list"])
            #expect(config.status == 1 && config.stderr.contains("followup.yaml:2: base_url"), "\(value): \(config.stderr)")
        }
    }

    @Test func followupNowStandsForNowAndAFlagWins() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let demo = packageRoot.appendingPathComponent("Fixtures/demo/leads.csv").path
        let flag = try await cli(folder, ["plan", "--store", demo, "--now", "2026-12-01", "--timezone", "UTC"])
        let variable = try await cli(folder, ["plan", "--store", demo, "--timezone", "UTC"], env: ["FOLLOWUP_NOW": "2026-12-01"])
        flag.expectSuccess()
        #expect(variable.stdout == flag.stdout, "$FOLLOWUP_NOW plans as --now does")
        let both = try await cli(folder, ["plan", "--store", demo, "--now", "2026-12-01", "--timezone", "UTC"], env: ["FOLLOWUP_NOW": "2027-06-01"])
        #expect(both.stdout == flag.stdout, "--now wins")
        let bad = try await cli(folder, ["agenda", "--store", demo], env: ["FOLLOWUP_NOW": "next tuesday"])
        #expect(bad.status == 64 && bad.stderr.contains("$FOLLOWUP_NOW \"next tuesday\" is not a date"), "\(bad.stderr)")
        // init makes the folder a new store goes in, owner-only.
        try await cli(folder, ["init", "sales/team/leads.sqlite"]).expectSuccess()
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("sales").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        let again = try await cli(folder, ["init", "sales"])
        #expect(again.status != 0 && again.stderr.contains("there is already a folder there"), "\(again.stderr)")
    }

    @Test func aPlaybooksDateOrderReadsTheSheetsDatesAndAFlagWins() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "id,name,first_contact,Deal Size\nU1,Ann Lee,11/04/2026,100\n".write(
            to: folder.appendingPathComponent("us.csv"), atomically: true, encoding: .utf8)
        try "date_order: mdy\n".write(to: folder.appendingPathComponent("us.yaml"), atomically: true, encoding: .utf8)
        // Without an order the date reads both ways: the lead is kept without it, and the fix is named.
        let plain = try await cli(folder, ["plan", "--store", "us.csv", "--now", "2026-12-01"])
        #expect(plain.stderr.contains("--date-order mdy"), "\(plain.stderr)")
        let planned = try await cli(folder, ["plan", "--store", "us.csv", "--now", "2026-12-01", "--playbook", "us.yaml"])
        #expect(planned.status == 0 && !planned.stderr.contains("first_contact"), "\(planned.stderr)")
        #expect(planned.stdout.contains("2026-11-04"), "Day 0 is 4 November: \(planned.stdout)")
        // Only import and generate say the unknown column; the commands that look do not repeat it.
        #expect(!planned.stderr.contains("unknown column"), "\(planned.stderr)")
        for looking in [["agenda"], ["check"], ["list"], ["explain", "U1"]] {
            let run = try await cli(folder, looking + ["--store", "us.csv", "--now", "2026-12-01", "--playbook", "us.yaml"])
            #expect(!run.stderr.contains("unknown column"), "\(looking): \(run.stderr)")
        }
        let generated = try await cli(folder, ["generate", "--store", "us.csv", "--out", "feeds", "--now", "2026-12-01", "--playbook", "us.yaml"])
        #expect(generated.stderr.contains("unknown column ignored: \"Deal Size\""), "\(generated.stderr)")
        // import takes the playbook's order too (here through the config file), and a flag wins over it.
        try "playbook: us.yaml\n".write(to: folder.appendingPathComponent("followup.yaml"), atomically: true, encoding: .utf8)
        try await cli(folder, ["init"]).expectSuccess()
        let imported = try await cli(folder, ["import", "us.csv", "--now", "2026-12-01"])
        imported.expectSuccess()
        #expect(imported.stderr.contains("unknown column ignored"), "\(imported.stderr)")
        let shown = try json(try await cli(folder, ["show", "U1", "--json", "--now", "2026-12-01"]).stdout) as? [String: Any]
        let fields = shown?["lead"] as? [String: Any]
        #expect(fields?["first_contact"] as? String == "2026-11-04", "\(String(describing: shown))")
        let dayFirst = try await cli(folder, ["plan", "--store", "us.csv", "--now", "2026-12-01", "--date-order", "dmy"])
        #expect(dayFirst.stdout.contains("2026-04-11"), "\(dayFirst.stdout.prefix(600))")
        #expect(!dayFirst.stdout.contains("2026-11-04"), "--date-order dmy wins over the playbook's mdy")
    }

    @Test func versionTemplateExportAndPlurals() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let version = try await cli(folder, ["--version"])
        #expect(version.status == 0 && version.stdout.first?.isNumber == true)
        let template = try await cli(folder, ["sheet", "--template"])
        #expect(template.status == 0 && template.stdout.hasPrefix("id,name,company,email"))
        try Data(template.stdout.utf8).write(to: folder.appendingPathComponent("leads.csv"))
        try await cli(folder, ["init"]).expectSuccess()
        let imported = try await cli(folder, ["import", "leads.csv"])
        #expect(imported.status == 0 && imported.stderr.isEmpty, "the template imports cleanly: \(imported.stderr)")
        let exported = try await cli(folder, ["export", "-"])
        #expect(exported.stdout == template.stdout, "export - writes to standard output")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("-").path))
        let one = try await cli(folder, ["export", "one.csv"])
        #expect(one.stdout.contains("1 lead written"), "\(one.stdout)")
        let generated = try await cli(folder, ["generate", "--out", "feeds", "--now", "2026-12-01"])
        #expect(generated.stderr.contains("1 lead planned, 0 rows rejected"), "\(generated.stderr)")
        let closed = try await cli(folder, ["close", "L0001", "no"])
        #expect(closed.stdout.contains("closed: they said no") && !closed.stdout.contains("(closed)"), "\(closed.stdout)")
    }
}

extension Run {
    func expectSuccess(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(status == 0, "\(stdout)\(stderr)", sourceLocation: sourceLocation)
    }
}
