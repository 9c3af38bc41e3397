import ArgumentParser
import FollowUp
import Foundation
import LeadStore

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One lead: its fields, its history, and the next touches the plan makes.",
        discussion: """
            The history (touches in and out, next steps set and done, snoozes, outcomes) comes \
            from a store made by `followup init`; a lead sheet keeps none. The next touches are \
            the plan's, with why (`followup explain` says every step of it).

            Examples:
              followup show L0001
              followup show P05 --store leads.csv --json | jq .next
            """
    )

    @Argument(help: ArgumentHelp("The lead's id.", valueName: "lead")) var lead: String
    @OptionGroup var input: PlanInput
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        let setup = try input.setup()
        let result = try input.source.read(playbook: setup.playbook)
        let index = try findLead(self.lead, in: result.leads, store: input.store, errors: result.errors)
        let lead = result.leads[index]
        let history = try Self.history(of: lead.id, store: input.store)
        let plan = setup.planner.plan(result.leads)[index]
        let next = Array(plan.prefix(2))
        if json {
            try printJSON(
                ShowJSON(
                    lead: LeadColumns.standard.values(of: lead), status: lead.effectiveStatus.rawValue,
                    history: history.map { .init(at: $0.at, kind: $0.kind.rawValue, text: $0.text, channel: $0.channel, step: $0.step, note: $0.note) },
                    historyKept: isSheet(input.store) ? false : true,
                    next: next.map(TouchJSON.init)))
            return
        }
        print(Self.text(lead, history: isSheet(input.store) ? nil : history, next: next), terminator: "")
    }

    /// A store's history of the lead; nil for a sheet, which keeps none.
    static func history(of id: String, store: String) throws -> [SQLiteStore.Event] {
        guard !isSheet(store) else { return [] }
        return try SQLiteStore.open(at: store).history(of: id)
    }

    static func text(_ lead: Lead, history: [SQLiteStore.Event]?, next: [Touchpoint]) -> String {
        func safe(_ text: String) -> String { Diagnostic.shownPlain(text, limit: 2_000) }
        var lines = [safe("\(lead.id)  \(lead.name)\(lead.company.map { " (\($0))" } ?? "")")]
        let values = LeadColumns.standard.values(of: lead)
        let shown = LeadColumns.standard.names.filter { !["id", "name", "company"].contains($0) && values[$0] != nil }
        let width = max(6, shown.map(\.count).max() ?? 0)
        lines.append("  " + "status".padding(toLength: width, withPad: " ", startingAt: 0) + "  " + lead.effectiveStatus.rawValue)
        for column in shown where column != "status" {
            lines.append("  " + column.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + safe(values[column]!))
        }
        lines.append("")
        if let history {
            lines.append(history.isEmpty ? "History: nothing recorded yet." : "History")
            for event in history { lines.append("  " + safe("\(event.at.replacingOccurrences(of: "T", with: " "))  \(event.text)")) }
        } else {
            lines.append("History: a lead sheet keeps none (a store made by `followup init` does; `followup import` fills one).")
        }
        lines.append("")
        if next.isEmpty {
            lines.append(
                lead.isFinished || lead.effectiveStatus == .paused
                    ? "Next: nothing is planned (status \(lead.effectiveStatus.rawValue))." : "Next: nothing planned within the horizon.")
        } else {
            lines.append("Next")
            for touch in next {
                let when = "\(touch.date) \(touch.date.weekdayName) \(touch.time) \(touch.timeZone)"
                lines.append("  " + safe("\(when)  \(touch.title)\(touch.overdue ? " (overdue since \(touch.windowEnd))" : "")"))
                lines.append("    " + safe(touch.reason))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Where the lead with `id` is in `leads`, or an error that names the
/// closest ids (and says when its row was rejected).
func findLead(_ id: String, in leads: [Lead], store: String, errors: [Diagnostic] = []) throws -> Int {
    if let index = leads.firstIndex(where: { $0.id == id }) { return index }
    let rejected = errors.contains { $0.description.contains("\"\(id)\"") }
    let close = Suggestions.closest(to: id, in: leads.map(\.id))
    throw Failure(
        "no lead \(Diagnostic.shown(id, limit: 80)) in \(store)" + (close.isEmpty ? "" : "; did you mean \(close.joined(separator: " or "))?")
            + (rejected ? " (its row was rejected; see above)" : ""))
}

/// One planned touch, as `show`, `list` and `agenda` print it in JSON.
struct TouchJSON: Encodable {
    var lead: String, kind: String, key: String, title: String, date: String, time: String, timezone: String
    var due: String, overdue: Bool, owner: String, channel: String, why: String
    /// The title, with the agreed step's own words for a next step.
    var what: String

    init(_ touch: Touchpoint) {
        lead = touch.lead.id; kind = touch.kind.rawValue; key = touch.key; title = touch.title
        date = touch.date.description; time = touch.time.description; timezone = touch.timeZone
        due = touch.windowEnd.description; overdue = touch.overdue; owner = touch.owner; channel = touch.channel; why = touch.reason
        what = touch.title
        if [.nextStepMine, .nextStepTheirs].contains(touch.kind), let step = touch.lead.nextStep { what += ": \(step)" }
    }
}

private struct ShowJSON: Encodable {
    struct Event: Encodable { var at, kind, text: String; var channel, step, note: String? }
    var lead: [String: String]
    var status: String
    var history: [Event]
    /// false for a lead sheet, which keeps no history.
    var historyKept: Bool
    var next: [TouchJSON]
}
