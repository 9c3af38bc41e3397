import ArgumentParser
import FollowUp
import Foundation
import LeadStore

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The leads of the store, one a line, with the next touch each has.",
        discussion: """
            Filters combine: --owner and --status match without regard to case; --due-before keeps \
            leads whose next touch is due on or before the date (overdue ones included); --search \
            finds text in the id, name, company, email, phone or notes. Colour on a terminal, plain \
            when piped; --json for scripts.

            Examples:
              followup list
              followup list --owner "Alice Martin" --status engaged
              followup list --due-before 2026-12-10 --json | jq -r '.[].id'
            """
    )

    @OptionGroup var input: PlanInput
    @Option(help: ArgumentHelp("Only this owner's leads.", valueName: "name")) var owner: String?
    @Option(help: ArgumentHelp("Only leads with this status (new, active, engaged, not_yet, won, lost, closed, paused).", valueName: "status"))
    var status: String?
    @Option(name: .customLong("due-before"), help: ArgumentHelp("Only leads whose next touch is due on or before this date.", valueName: "date"))
    var dueBefore: String?
    @Option(help: ArgumentHelp("Only leads whose id, name, company, email, phone or notes hold this text.", valueName: "text"))
    var search: String?
    @Flag(help: "Print JSON instead of text.") var json = false

    func validate() throws {
        if let status, LeadValues.status(status).value == nil {
            throw ValidationError("--status \"\(status)\" is not a status; expected one of \(LeadStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
    }

    func run() throws {
        let setup = try input.setup()
        let result = try input.source.read(playbook: setup.playbook)
        let due = try dueBefore.map { try parseDate($0, option: "--due-before") }
        let wanted = status.flatMap { LeadValues.status($0).value }
        let needle = search?.lowercased()
        let plans = setup.planner.plan(result.leads)
        var rows: [(Lead, Touchpoint?)] = []
        for (lead, plan) in zip(result.leads, plans) {
            if let owner, lead.owner.lowercased() != owner.lowercased() { continue }
            if let wanted, lead.effectiveStatus != wanted { continue }
            if let needle {
                let fields = [lead.id, lead.name, lead.company, lead.email, lead.phone, lead.notes].compactMap { $0?.lowercased() }
                if !fields.contains(where: { $0.contains(needle) }) { continue }
            }
            let next = plan.first
            if let due, next.map { $0.date > due } ?? true { continue }
            rows.append((lead, next))
        }
        if json {
            try printJSON(
                rows.map { lead, next in
                    ListJSON(
                        id: lead.id, name: lead.name, company: lead.company, owner: lead.owner, status: lead.effectiveStatus.rawValue,
                        email: lead.email, next: next.map(TouchJSON.init))
                })
            return
        }
        print(Self.render(rows, colour: stdoutTakesColour, width: terminalWidth), terminator: "")
    }

    static func render(_ rows: [(Lead, Touchpoint?)], colour: Bool, width: Int?) -> String {
        if rows.isEmpty { return "No leads match.\n" }
        let cells =
            [["ID", "NAME", "OWNER", "STATUS", "NEXT"]]
            + rows.map { lead, next in
                let who = lead.company.map { "\(lead.name) (\($0))" } ?? lead.name
                let what = next.map { "\($0.date) \($0.title)\($0.overdue ? " (overdue)" : "")" } ?? "—"
                return [lead.id, who, lead.owner, lead.effectiveStatus.rawValue, what].map { Diagnostic.shownPlain($0, limit: 200) }
            }
        let table = TextTable(rows: cells, shrinkable: [(1, 14), (4, 20), (2, 8), (1, 8), (4, 10)], width: width)
        let widths = table.widths()
        var lines: [String] = []
        for (index, row) in cells.enumerated() {
            var line = TextTable.line(row, widths: widths)
            if colour {
                if index == 0 { line = "\u{1B}[1m\(line)\u{1B}[0m" } else if rows[index - 1].1?.overdue == true { line = "\u{1B}[31m\(line)\u{1B}[0m" }
            }
            lines.append(line)
        }
        lines.append("\(count(rows.count, "lead"))")
        return lines.joined(separator: "\n") + "\n"
    }
}

private struct ListJSON: Encodable {
    var id, name: String
    var company: String?
    var owner, status: String
    var email: String?
    var next: TouchJSON?
}
