import ArgumentParser
import FollowUp
import Foundation
import LeadStore

struct Agenda: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What is overdue, due today and due in the next days, grouped by day.",
        discussion: """
        The same plan `generate` writes, as a table: overdue first, then today, then each day \
        up to --days ahead. Colour on a terminal, plain text when piped.

        Examples:
          followup agenda
          followup agenda --days 14 --owner "Alice Martin" --store team.sqlite
        """
    )

    @OptionGroup var input: PlanInput

    @Option(help: ArgumentHelp("How many days ahead to show, today included.", valueName: "n"))
    var days: Int = 7

    @Option(help: ArgumentHelp("Only this owner's touches (without regard to case).", valueName: "name"))
    var owner: String?

    func validate() throws {
        guard days >= 1 else { throw ValidationError("--days must be 1 or more, not \(days).") }
    }

    func run() throws {
        do {
            let (result, _) = try input.readStore()
            let setup = try input.setup()
            let today = setup.planner.today(in: setup.zone)
            let last = today.adding(days: days - 1)
            let touches = setup.planner.plan(result.leads).flatMap { $0 }
                .filter { owner == nil || $0.owner.lowercased() == owner!.lowercased() }
                .filter { $0.overdue || $0.date <= last }
                .sorted { ($0.date, $0.time, $0.lead.id, $0.key) < ($1.date, $1.time, $1.lead.id, $1.key) }
            let colour = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            FileHandle.standardOutput.write(Data(Self.render(touches, today: today, last: last, colour: colour).utf8))
        } catch let failure as Failure {
            printError("followup: error: \(failure.description)")
            throw ExitCode(failure.code)
        }
    }

    /// The agenda as text. Written here rather than with a table library:
    /// it is a handful of padded columns and two ANSI styles.
    static func render(_ touches: [Touchpoint], today: LocalDate, last: LocalDate, colour: Bool) -> String {
        if touches.isEmpty { return "Nothing due from \(today) to \(last).\n" }
        func style(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        let rows = touches.map { touch -> [String] in
            let who = touch.lead.company.map { "\(touch.lead.name) (\($0))" } ?? touch.lead.name
            var what = touch.title
            if [.nextStepMine, .nextStepTheirs].contains(touch.kind), let step = touch.lead.nextStep { what += ": \(step)" }
            // Cells hold what a sheet held: no control character reaches the terminal.
            return ["\(touch.time) \(touch.timeZone)", touch.lead.id, who, what, touch.owner].map { Diagnostic.shownPlain($0, limit: 200) }
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            zip(row, widths).enumerated().map { index, pair in
                index == row.count - 1 ? pair.0 : pair.0 + String(repeating: " ", count: pair.1 - pair.0.count)
            }.joined(separator: "  ")
        }
        var out: [String] = []
        let overdue = touches.filter(\.overdue)
        if !overdue.isEmpty {
            out.append(style("Overdue (\(overdue.count))", "1;31"))
            for touch in overdue {
                let index = touches.firstIndex(of: touch)!
                out.append("  " + style(line(rows[index]), "31") + "  (due \(touch.windowEnd))")
            }
        }
        var day = today
        while day <= last {
            let indices = touches.indices.filter { !touches[$0].overdue && touches[$0].date == day }
            if !indices.isEmpty {
                if !out.isEmpty { out.append("") }
                let title = "\(day == today ? "Today, " : "")\(day.weekdayName) \(day) (\(indices.count))"
                out.append(style(title, day == today ? "1;33" : "1"))
                for index in indices { out.append("  " + line(rows[index])) }
            }
            day = day.adding(days: 1)
        }
        return out.joined(separator: "\n") + "\n"
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find leads going cold: no next step, missed next steps, no touch for weeks, missing details.",
        discussion: """
        Exit status 0 when nothing is found, 1 when something is (for cron: mail me when it fails).

        Examples:
          followup check
          followup check --cold-days 14 --store team.sqlite || mail -s "leads going cold" me@example.com
        """
    )

    @Option(help: ArgumentHelp("The lead store: a SQLite store or a .csv sheet (default: $FOLLOWUP_STORE, else leads.sqlite).", valueName: "path"))
    var store: String = defaultStorePath

    @Option(help: ArgumentHelp("Today: 2026-12-01 (default: the clock).", valueName: "date"))
    var now: String?

    @Option(help: ArgumentHelp("A lead with no touch, ours or theirs, for this many days is going cold.", valueName: "days"))
    var coldDays: Int = 21

    func validate() throws {
        guard coldDays >= 1 else { throw ValidationError("--cold-days must be 1 or more, not \(coldDays).") }
        if let now, PlanningNow.parse(now, zone: TimeZone.current.identifier) == nil {
            throw ValidationError("--now \"\(now)\" is not a date or date-time; expected 2026-12-01 or 2026-12-01T08:00:00Z.")
        }
    }

    func run() throws {
        do {
            var input = try PlanInput.parse(["--store", store] + (now.map { ["--now", $0] } ?? []))
            input.timezone = TimeZone.current.identifier
            let (result, _) = try input.readStore()
            let findings = Self.findings(result.leads, today: commandToday(now), coldDays: coldDays)
            if findings.isEmpty {
                print("\(result.leads.count) leads checked: nothing is going cold.")
                return
            }
            for (title, lines) in findings {
                print("\(title) (\(lines.count))")
                for line in lines { print("  \(line)") }
            }
            throw ExitCode(1)
        } catch let failure as Failure {
            printError("followup: error: \(failure.description)")
            throw ExitCode(failure.code)
        }
    }

    /// Each kind of problem and the leads that have it, in the store's order.
    static func findings(_ leads: [Lead], today: LocalDate, coldDays: Int) -> [(String, [String])] {
        var noNextStep: [String] = [], missed: [String] = [], cold: [String] = [], noZone: [String] = [], noContact: [String] = []
        for lead in leads {
            let status = lead.effectiveStatus
            if [.won, .lost, .closed, .paused].contains(status) { continue }
            let who = Diagnostic.shownPlain("\(lead.id) \(lead.name)\(lead.company.map { " (\($0))" } ?? "") [\(lead.owner)]", limit: 400)
            if (status == .engaged || lead.hasReplied) && lead.nextStepDue == nil {
                noNextStep.append("\(who): they replied\(lead.lastReply.map { " on \($0)" } ?? ""); agree on a next step (followup next \(lead.id) \"…\" --due DATE)")
            }
            if let due = lead.nextStepDue, due < today {
                missed.append("\(who): \"\(lead.nextStep ?? "next step")\" was due \(due) (\(due.days(to: today)) days ago)")
            }
            let snoozed = lead.snoozeUntil.map { $0 > today } ?? false
            let lastTouch = [lead.lastContact, lead.lastReply, lead.firstContact].compactMap { $0 }.filter { $0 <= today }.max()
            if !snoozed, status != .new, let lastTouch, lastTouch.days(to: today) >= coldDays {
                cold.append("\(who): no touch since \(lastTouch) (\(lastTouch.days(to: today)) days)")
            }
            if lead.timeZone == nil { noZone.append("\(who): no time zone (touches use the default zone)") }
            if lead.email == nil && lead.phone == nil { noContact.append("\(who): no email or phone") }
        }
        return [("No next step", noNextStep), ("Next step past its date", missed), ("Going cold", cold),
                ("No time zone", noZone), ("No contact details", noContact)].filter { !$0.1.isEmpty }
    }
}
