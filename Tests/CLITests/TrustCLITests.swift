import Foundation
import Testing

/// `plan`, `agenda`, `check` and the tasks feed tell one story: what is
/// overdue, what is snoozed, what needs a person.
@Suite struct TrustCLITests {
    static let header = "id,name,email,owner,timezone,status,first_contact,last_contact,last_reply,next_step,next_step_due,next_step_owner,snooze_until"

    /// S1 is snoozed mid-cadence; N1 said "not now"; E1 replied two weeks
    /// ago with no next step; P1 has my promise due on a Saturday.
    static let sheet =
        [
            header,
            "S1,Sam Snow,sam@example.com,me,America/New_York,active,2026-11-02,2026-11-04,,,,,2026-12-15",
            "N1,Nia Park,nia@example.com,me,Europe/Berlin,not_yet,2026-10-01,2026-10-20,2026-10-21,,,,2027-02-01",
            "E1,Eli Ward,eli@example.com,me,America/Chicago,engaged,2026-11-10,2026-11-16,2026-11-17,,,,",
            "P1,Pia Holm,pia@example.com,me,America/New_York,engaged,2026-11-10,2026-11-20,2026-11-24,Call to walk through the ROI model,2026-12-05,me,",
        ].joined(separator: "\n") + "\n"

    @Test func snoozedLeadsAreNotOverdueAndNotNowIsNotAFinding() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = folder.appendingPathComponent("leads.csv")
        try Self.sheet.write(to: sheet, atomically: true, encoding: .utf8)
        let common = ["--store", sheet.path, "--now", "2026-12-01", "--timezone", "America/New_York"]

        let out = folder.appendingPathComponent("feeds")
        #expect(try await followup(["generate", "--out", out.path, "--quiet"] + common).status == 0)
        let tasks = try String(contentsOf: out.appendingPathComponent("all.tasks.ics"), encoding: .utf8)
        let snoozed = try #require(component(tasks, uid: "S1.day7-10.task@followup"))
        #expect(snoozed.contains("DTSTART;TZID=America/New_York:20261215T093000"), "\(snoozed)")
        #expect(snoozed.contains("DUE;TZID=America/New_York:20261218T170000"), "\(snoozed)")
        #expect(!snoozed.contains("Overdue"), "no nagging through the snooze")
        let promise = try #require(component(tasks, uid: "P1.next-step.task@followup"))
        #expect(promise.contains("DUE;TZID=America/New_York:20261204T170000"), "kept on Friday, before Saturday's date")

        let agenda = try await followup(["agenda", "--days", "30"] + common)
        let overdueSection = agenda.stdout.components(separatedBy: "\n\n").first ?? ""
        #expect(overdueSection.hasPrefix("Overdue (1)"), "\(agenda.stdout)")
        #expect(overdueSection.contains("E1") && !overdueSection.contains("S1"))
        #expect(agenda.stdout.contains("Tue 2026-12-15"))

        let check = try await followup(["check"] + common)
        #expect(check.status == 1)
        #expect(check.stdout.contains("Overdue (1)\n  E1 Eli Ward [me]: Agree on a next step, due 2026-11-18"), "\(check.stdout)")
        #expect(check.stdout.contains("No next step (1)\n  E1 Eli Ward"), "\(check.stdout)")
        #expect(!check.stdout.contains("N1"), "a \"not now\" lead has its next step: \(check.stdout)")
        #expect(!check.stdout.contains("S1"), "\(check.stdout)")
    }

    @Test func agendaCheckAndTheTasksFeedAgreeWithThePlanOnWhatIsOverdue() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A varied sheet, the same every run: statuses, histories, snoozes and promises spread around today.
        var rng = SyntheticSheet.SplitMix64(state: 2026)
        var rows = [Self.header]
        let zones = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles", "Europe/London"]
        let statuses = ["", "new", "active", "engaged", "not_yet", "active"]
        func date(_ range: ClosedRange<Int>) -> String {
            rng.next() % 3 == 0 ? "" : LocalDay(2026, 12, 1).adding(Int(rng.next() % UInt64(range.count)) + range.lowerBound)
        }
        for index in 0..<80 {
            let first = date(-60...0), last = first.isEmpty ? "" : date(-30...0), reply = date(-40...0)
            let due = date(-20...30)
            rows.append(
                [
                    "L\(index)", "Lead \(index)", "l\(index)@example.com", ["ann", "bo"][index % 2], zones[index % zones.count],
                    statuses[Int(rng.next() % 6)], first, max(first, last), reply, due.isEmpty ? "" : "Step \(index)", due,
                    due.isEmpty ? "" : ["me", "them"][Int(rng.next() % 2)], rng.next() % 4 == 0 ? date(-20...40) : "",
                ].joined(separator: ","))
        }
        let sheet = folder.appendingPathComponent("leads.csv")
        try (rows.joined(separator: "\n") + "\n").write(to: sheet, atomically: true, encoding: .utf8)
        let common = ["--store", sheet.path, "--now", "2026-12-01", "--timezone", "UTC"]

        let plan = try await followup(["plan"] + common)
        #expect(plan.status == 0, "\(plan.stderr)")
        var planned: [String: Int] = [:]
        for line in plan.stdout.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if object["overdue"] as? Bool == true { planned[object["lead"] as? String ?? "", default: 0] += 1 }
        }
        #expect(!planned.isEmpty, "the sheet has overdue touches to agree on")

        let out = folder.appendingPathComponent("feeds")
        #expect(try await followup(["generate", "--out", out.path, "--quiet"] + common).status == 0)
        let tasks = try String(contentsOf: out.appendingPathComponent("all.tasks.ics"), encoding: .utf8)
        var inFeed: [String: Int] = [:]
        for todo in tasks.components(separatedBy: "BEGIN:VTODO").dropFirst() where todo.contains("CATEGORIES:") {
            let categories = todo.split(separator: "\r\n").first { $0.hasPrefix("CATEGORIES:") } ?? ""
            guard categories.contains("Overdue"), let uid = todo.split(separator: "\r\n").first(where: { $0.hasPrefix("UID:") }) else { continue }
            inFeed[String(uid.dropFirst(4).prefix { $0 != "." }), default: 0] += 1
        }
        #expect(inFeed == planned, "the tasks feed's Overdue")

        let agenda = try await followup(["agenda", "--days", "1"] + common)
        var inAgenda: [String: Int] = [:]
        let first = agenda.stdout.components(separatedBy: "\n\n").first ?? ""
        let overdueLines = first.hasPrefix("Overdue (") ? first.split(separator: "\n").dropFirst() : []
        for line in overdueLines {
            let id = line.split(separator: " ", omittingEmptySubsequences: true).first { $0.hasPrefix("L") } ?? ""
            inAgenda[String(id), default: 0] += 1
        }
        #expect(inAgenda == planned, "agenda's Overdue: \(agenda.stdout)")

        let check = try await followup(["check"] + common)
        var inCheck: [String: Int] = [:]
        let section = check.stdout.components(separatedBy: "\n").drop { !$0.hasPrefix("Overdue (") }.dropFirst().prefix { $0.hasPrefix("  ") }
        for line in section { inCheck[String(line.dropFirst(2).prefix { $0 != " " }), default: 0] += 1 }
        #expect(inCheck == planned, "check's Overdue: \(check.stdout)")
    }

    @Test func snoozeSaysThatMyPromiseStillStands() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = folder.appendingPathComponent("leads.sqlite")
        func on(_ arguments: [String]) async throws -> Run {
            try await followup(arguments + ["--store", store.path, "--now", "2026-12-01"])
        }
        #expect(try await followup(["init", store.path]).status == 0)
        #expect(try await on(["add", "--id", "P1", "--name", "Pia Holm", "--timezone", "America/New_York"]).status == 0)
        #expect(try await on(["add", "--id", "P2", "--name", "Per Lund", "--timezone", "America/New_York"]).status == 0)
        for id in ["P1", "P2"] {
            #expect(try await on(["next", id, "Send the ROI model", "--due", "2026-12-08"]).status == 0)
        }
        let kept = try await on(["snooze", "P1", "--until", "2027-01-15"])
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(kept.stdout.contains("Your promise \"Send the ROI model\", due 2026-12-08, still stands"), "\(kept.stdout)")
        let dropped = try await on(["snooze", "P2", "--until", "2027-01-15", "--drop-next-step"])
        #expect(dropped.stdout.contains("\"Send the ROI model\", due 2026-12-08, was dropped"), "\(dropped.stdout)")

        let plan = try await on(["plan", "--timezone", "UTC"])
        let kinds = plan.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return "\(object["lead"] ?? "") \(object["kind"] ?? "") \(object["date"] ?? "")"
        }
        #expect(kinds.contains("P1 next-step 2026-12-08"), "\(kinds)")
        #expect(kinds.contains("P1 check-back 2027-01-15"))
        #expect(!kinds.contains { $0.hasPrefix("P2 next-step") })
        #expect(kinds.contains("P2 check-back 2027-01-15"))
    }

    @Test func aLeadsCountryIsKeptByTheStoreAndPlannedWith() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = folder.appendingPathComponent("leads.sqlite")
        func on(_ arguments: [String]) async throws -> Run {
            try await followup(arguments + ["--store", store.path, "--now", "2027-01-04"])
        }
        #expect(try await followup(["init", store.path]).status == 0)
        let bad = try await on(["add", "--name", "Bad Land", "--country", "Atlantis"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--country \"Atlantis\" is not a country"), "\(bad.stderr)")
        #expect(try await on(["add", "--id", "B1", "--name", "Berta Huber", "--timezone", "Europe/Berlin", "--country", "de-by"]).status == 0)
        #expect(try await on(["next", "B1", "Send the offer", "--due", "2027-01-05", "--them"]).status == 0)
        // Their date is Tuesday Jan 5; Wednesday is Epiphany in Bavaria: the check-in is Thursday.
        let plan = try await on(["plan", "--timezone", "UTC"])
        #expect(plan.stdout.contains("\"date\":\"2027-01-07\""), "\(plan.stdout)")
        // generate plans from its own copy of each lead: the same day.
        let out = folder.appendingPathComponent("feeds")
        #expect(try await on(["generate", "--timezone", "UTC", "--out", out.path, "--quiet"]).status == 0)
        let events = try String(contentsOf: out.appendingPathComponent("all.events.ics"), encoding: .utf8)
        #expect(events.contains("DTSTART;TZID=Europe/Berlin:20270107T"), "\(events.prefix(2000))")
        let sheet = folder.appendingPathComponent("export.csv")
        #expect(try await on(["export", sheet.path]).status == 0)
        let exported = try String(contentsOf: sheet, encoding: .utf8)
        #expect(exported.split(whereSeparator: \.isNewline).first?.hasSuffix(",country") == true, "\(exported.prefix(300))")
        #expect(exported.contains(",DE-BY"))
    }
}

/// The component with `uid` in a feed's text, nil when there is none.
func component(_ feed: String, uid: String) -> String? {
    feed.components(separatedBy: "BEGIN:").first { $0.contains("UID:\(uid)\r\n") }
}

/// A day as the sheet writes it, for building test sheets.
struct LocalDay {
    let date: Date

    init(_ year: Int, _ month: Int, _ day: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        date = calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    func adding(_ days: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date.addingTimeInterval(Double(days) * 86_400))
    }
}
