import Foundation
import Testing

let teamPlaybook = "Fixtures/playbooks/team.yaml"

/// One JSON object per line of `followup plan`.
func planLines(_ arguments: [String]) async throws -> [[String: Any]] {
    let result = try await followup(
        [
            "plan", "--store", "Fixtures/demo/leads.csv", "--now", "2026-12-01",
            "--timezone", "America/New_York",
        ] + arguments)
    #expect(result.status == 0, "\(result.stderr)")
    return try result.stdout.split(separator: "\n").map {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
    }
}

@Suite struct PlaybookCLITests {
    @Test func theDefaultPlaybookFileGivesTheGoldenFeeds() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let printed = try await followup(["playbook", "--print-default"])
        #expect(printed.status == 0)
        let file = folder.appendingPathComponent("playbook.yaml")
        try printed.stdout.write(to: file, atomically: true, encoding: .utf8)
        #expect(try await followup(["playbook", "--check", file.path]).stdout.contains("ok"))
        let out = folder.appendingPathComponent("feeds")
        #expect(try await followup(demoArguments + ["--out", out.path, "--playbook", file.path, "--quiet"]).status == 0)
        for name in try files(in: goldenFolder) {
            #expect(try Data(contentsOf: out.appendingPathComponent(name)) == Data(contentsOf: goldenFolder.appendingPathComponent(name)), "\(name)")
        }
    }

    @Test func aPlaybookSetsHolidaysCapacityHoursAndNurture() async throws {
        let lines = try await planLines(["--playbook", teamPlaybook])
        // Holidays from the list and from the .ics file (libical expands its yearly rules).
        let holidays: Set<String> = ["2026-12-24", "2026-12-25", "2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-12-24", "2027-12-25"]
        var perOwnerDay: [String: Int] = [:]
        var slots: [String: String] = [:]
        for line in lines {
            let date = line["date"] as? String ?? ""
            #expect(!holidays.contains(date), "a touch on a holiday: \(line["lead"] ?? "") \(line["key"] ?? "") \(date)")
            // Each owner's touches of a day take consecutive 15-minute slots from 10:00, inside the day.
            let time = try #require(minutesOfDay(line["time"] as? String ?? ""))
            #expect(time >= 600 && time < 990 && (time - 600) % 15 == 0, "\(line["time"] ?? "") is not a slot of the working day")
            let slot = "\((line["owner"] as? String ?? "").lowercased()) \(date) \(line["time"] ?? "") \(line["timezone"] ?? "")"
            #expect(slots[slot] == nil, "two touches in one slot: \(slot): \(slots[slot] ?? "") and \(line["lead"] ?? "")")
            slots[slot] = line["lead"] as? String ?? ""
            #expect(line["due_time"] as? String == "16:30")
            perOwnerDay["\((line["owner"] as? String ?? "").lowercased()) \(date)", default: 0] += 1
        }
        // Capacity: 2 a day for Bo Zhang, 3 for everyone else, except agreed dates and
        // touches that say they are over it (the explain test reads those).
        let fixedKinds: Set<String> = ["next-step", "check-in", "check-back"]
        for (key, count) in perOwnerDay {
            let limit = key.hasPrefix("bo zhang ") ? 2 : 3
            guard count > limit else { continue }
            let dayLines = lines.filter { "\(($0["owner"] as? String ?? "").lowercased()) \($0["date"] as? String ?? "")" == key }
            #expect(
                dayLines.contains { fixedKinds.contains($0["kind"] as? String ?? "") || ($0["reason"] as? String ?? "").contains("least-loaded") },
                "\(key): \(count) touches over \(limit)")
        }
        // Nurture every 2 months, and events one business day after.
        let ivan = lines.filter { $0["lead"] as? String == "L009" }.map { $0["key"] as? String ?? "" }
        #expect(ivan.contains("quarterly-2027-05-01"), "\(ivan)")
        let event = try #require(lines.first { ($0["key"] as? String ?? "").hasPrefix("event-2027-03-10") })
        #expect(event["title"] as? String == "Follow up on Hannover Messe (2027-03-10)")
        #expect(event["date"] as? String == "2027-03-11")
    }

    @Test func aBadPlaybookStopsTheRunWithFileLineAndKey() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.yaml")
        try "horizon_days: 30\nnurture:\n  launch:\n    days_afterwards: 3\n".write(to: file, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("feeds")
        let result = try await followup(demoArguments + ["--out", out.path, "--playbook", file.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file.path):4: nurture.launch.days_afterwards: unknown key"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path), "nothing written")
        let check = try await followup(["playbook", "--check", file.path])
        #expect(check.status == 65)
    }
}

@Suite struct ExplainTests {
    let base = ["--store", "Fixtures/demo/leads.csv", "--now", "2026-12-01", "--timezone", "America/New_York"]

    @Test func explainSaysWhyForEveryTouchpoint() async throws {
        let result = try await followup(["explain", "L004"] + base)
        #expect(result.status == 0, "\(result.stderr)")
        let text = result.stdout
        #expect(text.contains("L004 Dana Kowalski"))
        #expect(text.contains("Overdue"))
        #expect(text.contains("Later steps move 22 days"))
        #expect(text.contains("08:30 UTC"), "the time-zone conversion: \(text)")
        #expect(text.contains("Next, after the horizon:"))
        let planned = try await planLines(["--lead", "L004"])
        #expect(text.components(separatedBy: "\n   why:").count - 1 == planned.count)
    }

    @Test func explainNamesHolidaysCapacityAndTheGap() async throws {
        // With the team playbook, Bo Zhang's 2 a day fill up and the year-end holidays are skipped.
        let result = try await followup(["explain", "L003", "--playbook", teamPlaybook, "--json"] + base)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let touches = json?["touchpoints"] as? [[String: Any]] ?? []
        #expect(!touches.isEmpty)
        let reasons = touches.flatMap { ($0["skipped"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String } }
        #expect(reasons.contains("holiday") || reasons.contains("weekend"), "\(reasons)")
        for touch in touches {
            #expect((touch["explanation"] as? [String])?.isEmpty == false)
            #expect((touch["utc"] as? String)?.hasSuffix("Z") == true)
        }
        #expect(json?["lead"] as? String == "L003")
    }

    @Test func explainConvertsAcrossADaylightSavingChange() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = folder.appendingPathComponent("leads.csv")
        try "id,name,timezone,status,first_contact\nD1,Dee,America/New_York,new,2027-03-11\n".write(to: sheet, atomically: true, encoding: .utf8)
        let result = try await followup(["explain", "D1", "--store", sheet.path, "--now", "2027-03-11", "--timezone", "Europe/London", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let touches = json?["touchpoints"] as? [[String: Any]] ?? []
        // 09:30 in New York is 14:30 UTC before the change (EST) and 13:30 after it (EDT).
        #expect(touches.first?["utc"] as? String == "2027-03-11T14:30Z")
        #expect(touches.dropFirst().first?["date"] as? String == "2027-03-15")
        #expect(touches.dropFirst().first?["utc"] as? String == "2027-03-15T13:30Z")
        let text = try await followup(["explain", "D1", "--store", sheet.path, "--now", "2027-03-11", "--timezone", "Europe/London"]).stdout
        #expect(text.contains("UTC-05:00"), "\(text)")
        #expect(text.contains("UTC-04:00"), "\(text)")
        #expect(text.contains("2027-03-13 Sat: weekend"), "\(text)")
    }

    @Test func anUnknownLeadIsOneLine() async throws {
        let result = try await followup(["explain", "NOPE"] + base)
        #expect(result.status == 1)
        #expect(result.stderr.contains("no lead \"NOPE\" in Fixtures/demo/leads.csv"))
    }

    @Test func aFinishedLeadSaysNothingMoreIsPlanned() async throws {
        let won = try #require(
            try String(contentsOf: packageRoot.appendingPathComponent("Fixtures/demo/leads.csv"), encoding: .utf8)
                .split(separator: "\n").first { $0.contains(",won,") }?.split(separator: ",").first)
        let result = try await followup(["explain", String(won)] + base)
        #expect(result.stdout.contains("nothing more is planned"))
        #expect(result.stdout.contains("No touchpoint is planned"))
    }
}

/// Minutes since midnight of an "HH:MM" text.
func minutesOfDay(_ text: String) -> Int? {
    let parts = text.split(separator: ":").compactMap { Int($0) }
    return parts.count == 2 ? parts[0] * 60 + parts[1] : nil
}
