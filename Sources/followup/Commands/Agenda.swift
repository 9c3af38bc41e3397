import ArgumentParser
import FollowUp
import Foundation
import LeadStore

struct Agenda: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What is overdue, due today and due in the next days, grouped by day.",
        discussion: """
            The same plan `generate` writes, as a table: overdue first, then today, then each day \
            up to --days ahead, in your time zone (--timezone, else this machine's), with the \
            touch's own zone beside a time when it differs. Lines fit the terminal (80 columns \
            when piped): long names and titles are cut with "…". Colour on a terminal, plain text \
            when piped; --json for scripts.

            Examples:
              followup agenda
              followup agenda --days 14 --owner "Alice Martin" --store team.sqlite
              followup agenda --timezone America/New_York --json | jq '.touches[].title'
            """
    )

    @OptionGroup var input: PlanInput

    @Option(help: ArgumentHelp("How many days ahead to show, today included.", valueName: "n"))
    var days: Int = 7

    @Option(help: ArgumentHelp("Only this owner's touches (without regard to case); the owner column is then left out.", valueName: "name"))
    var owner: String?

    @Flag(help: "Print JSON instead of text.") var json = false

    func validate() throws {
        guard days >= 1 else { throw ValidationError("--days must be 1 or more, not \(days).") }
    }

    func run() throws {
        let setup = try input.setup()
        let result = try input.source.read(playbook: setup.playbook)
        // Times are shown in the viewer's zone: --timezone, else this machine's.
        let viewer = input.planning.zone ?? TimeZone.current.identifier
        let today = input.today.today(zone: viewer)
        let last = today.adding(days: days - 1)
        let touches = setup.planner.plan(result.leads).flatMap { $0 }
            .filter { owner == nil || $0.owner.lowercased() == owner!.lowercased() }
            .map { (touch: $0, local: Self.local($0, in: viewer)) }
            .filter { $0.touch.overdue || $0.local.date <= last }
            .sorted { ($0.local.date, $0.local.time, $0.touch.lead.id, $0.touch.key) < ($1.local.date, $1.local.time, $1.touch.lead.id, $1.touch.key) }
        if json {
            try printJSON(
                AgendaJSON(
                    today: today.description, timezone: viewer, days: days,
                    touches: touches.map { .init(touch: TouchJSON($0.touch), viewerDate: $0.local.date.description, viewerTime: $0.local.time.description) }))
            return
        }
        let text = Self.render(
            touches, today: today, last: last, viewer: viewer, showOwner: owner == nil, colour: stdoutTakesColour, width: terminalWidth ?? 80)
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// The touch's wall time in `zone`.
    static func local(_ touch: Touchpoint, in zone: String) -> (date: LocalDate, time: TimeOfDay) {
        guard zone != touch.timeZone, let to = TimeZone(identifier: zone), let instant = touch.instant else {
            return (touch.date, touch.time)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = to
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
        guard let date = LocalDate(year: parts.year!, month: parts.month!, day: parts.day!) else { return (touch.date, touch.time) }
        return (date, TimeOfDay(hour: parts.hour!, minute: parts.minute!) ?? touch.time)
    }

    /// The agenda as text, every line at most `width` columns: cells too
    /// long are cut with an ellipsis, never wrapped.
    static func render(
        _ touches: [(touch: Touchpoint, local: (date: LocalDate, time: TimeOfDay))], today: LocalDate, last: LocalDate, viewer: String,
        showOwner: Bool, colour: Bool, width: Int
    ) -> String {
        if touches.isEmpty { return "Nothing due from \(today) to \(last).\n" }
        func style(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        let rows = touches.map { touch, local -> [String] in
            let who = touch.lead.company.map { "\(touch.lead.name) (\($0))" } ?? touch.lead.name
            var what = touch.title
            if [.nextStepMine, .nextStepTheirs].contains(touch.kind), let step = touch.lead.nextStep { what += ": \(step)" }
            var when = touch.overdue ? "due \(touch.windowEnd)" : local.time.description
            if !touch.overdue, touch.timeZone != viewer {
                let city = touch.timeZone.split(separator: "/").last.map { $0.replacingOccurrences(of: "_", with: " ") } ?? touch.timeZone
                when += " (\(touch.time) \(city))"
            }
            // Cells hold what a sheet held: no control character reaches the terminal.
            var cells = [when, touch.lead.id, who, what]
            if showOwner { cells.append(touch.owner) }
            return cells.map { Diagnostic.shownPlain($0, limit: 200) }
        }
        // The name gives way first, then the title, the owner, the id; the title keeps the most.
        let shrinkable = [(2, 14), (3, 20), (2, 10), (3, 16)] + (showOwner ? [(4, 8)] : []) + [(2, 6), (3, 10), (1, 6)]
        let widths = TextTable(rows: rows, shrinkable: shrinkable, width: width).widths(indent: 2)
        func line(_ index: Int) -> String { "  " + TextTable.line(rows[index], widths: widths) }
        var out: [String] = []
        let overdue = touches.indices.filter { touches[$0].touch.overdue }
        if !overdue.isEmpty {
            out.append(style("Overdue (\(overdue.count))", "1;31"))
            for index in overdue { out.append(style(line(index), "31")) }
        }
        var day = today
        while day <= last {
            let indices = touches.indices.filter { !touches[$0].touch.overdue && touches[$0].local.date == day }
            if !indices.isEmpty {
                if !out.isEmpty { out.append("") }
                let title = "\(day == today ? "Today, " : "")\(day.weekdayName) \(day) (\(indices.count))"
                out.append(style(title, day == today ? "1;33" : "1"))
                for index in indices { out.append(line(index)) }
            }
            day = day.adding(days: 1)
        }
        return out.joined(separator: "\n") + "\n"
    }
}

private struct AgendaJSON: Encodable {
    struct Touch: Encodable {
        var touch: TouchJSON
        /// The day and time in the viewer's zone.
        var viewerDate, viewerTime: String

        func encode(to encoder: Encoder) throws {
            try touch.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(viewerDate, forKey: .viewerDate)
            try container.encode(viewerTime, forKey: .viewerTime)
        }

        enum Keys: String, CodingKey {
            case viewerDate = "viewer_date"
            case viewerTime = "viewer_time"
        }
    }
    var today, timezone: String
    var days: Int
    var touches: [Touch]
}
