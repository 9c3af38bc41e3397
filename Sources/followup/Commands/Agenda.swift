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
        let result = try input.source.read()
        let setup = try input.setup()
        let today = setup.planner.today(in: setup.zone)
        let last = today.adding(days: days - 1)
        let touches = setup.planner.plan(result.leads).flatMap { $0 }
            .filter { owner == nil || $0.owner.lowercased() == owner!.lowercased() }
            .filter { $0.overdue || $0.date <= last }
            .sorted { ($0.date, $0.time, $0.lead.id, $0.key) < ($1.date, $1.time, $1.lead.id, $1.key) }
        let colour = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        FileHandle.standardOutput.write(Data(Self.render(touches, today: today, last: last, colour: colour).utf8))
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
