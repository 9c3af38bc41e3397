import ArgumentParser
import FollowUp
import Foundation
import LeadStore

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find what needs a person: overdue touches, replies with no next step, leads going cold, missing details.",
        discussion: """
            Each finding is something to act on (README.md says what each means). "Overdue" is the \
            plan's own list, the one `agenda` and the tasks feed show. A lead that said "not now" \
            has its next step (the check-back), so it is not "no next step". Exit status 0 when \
            nothing is found, 1 when something is (for cron: mail me when it fails).

            Examples:
              followup check
              followup check --cold-days 14 --store team.sqlite || mail -s "leads going cold" me@example.com
              followup check --json | jq '.findings[] | select(.kind == "overdue") | .items[].lead'
            """
    )

    @OptionGroup var input: PlanInput

    @Option(help: ArgumentHelp("A lead with no touch, ours or theirs, for this many days is going cold.", valueName: "days"))
    var coldDays: Int = 21

    @Flag(help: "Print JSON instead of text (the exit status is the same).") var json = false

    func validate() throws {
        guard coldDays >= 1 else { throw ValidationError("--cold-days must be 1 or more, not \(coldDays).") }
    }

    func run() throws {
        let setup = try input.setup()
        let result = try input.source.read(playbook: setup.playbook)
        let plans = setup.planner.plan(result.leads)
        let findings = Self.findings(result.leads, plans: plans, planner: setup.planner, coldDays: coldDays)
        if json {
            try printJSON(
                CheckJSON(
                    checked: result.leads.count,
                    findings: findings.map { title, items in
                        .init(
                            kind: title.lowercased().replacingOccurrences(of: " ", with: "-"), title: title,
                            items: items.map { .init(lead: $0.lead, text: $0.text) })
                    }))
            if !findings.isEmpty { throw ExitCode(1) }
            return
        }
        if findings.isEmpty {
            print("\(count(result.leads.count, "lead")) checked: nothing needs you.")
            return
        }
        for (title, items) in findings {
            print("\(title) (\(items.count))")
            for item in items { print("  \(item.text)") }
        }
        throw ExitCode(1)
    }

    private struct CheckJSON: Encodable {
        struct Finding: Encodable {
            struct Item: Encodable { var lead, text: String }
            var kind, title: String
            var items: [Item]
        }
        var checked: Int
        var findings: [Finding]
    }

    /// Each kind of finding and the leads that have it, in the store's order.
    /// - Parameter plans: each lead's touchpoints, as the planner made them.
    static func findings(_ leads: [Lead], plans: [[Touchpoint]], planner: Planner, coldDays: Int) -> [(String, [(lead: String, text: String)])] {
        typealias Item = (lead: String, text: String)
        var overdue: [Item] = [], noNextStep: [Item] = [], cold: [Item] = [], noZone: [Item] = [], noContact: [Item] = []
        // Today in each zone, worked out once per zone rather than once per lead.
        var todayByZone: [String: LocalDate] = [:]
        for (lead, touches) in zip(leads, plans) {
            if lead.isFinished || lead.effectiveStatus == .paused { continue }
            let zone = planner.clockZone(for: lead)
            let today = todayByZone[zone] ?? planner.today(in: zone)
            todayByZone[zone] = today
            let who = Diagnostic.shownPlain("\(lead.id) \(lead.name)\(lead.company.map { " (\($0))" } ?? "") [\(lead.owner)]", limit: 400)
            for touch in touches where touch.overdue {
                var what = touch.title
                if [.nextStepMine, .nextStepTheirs].contains(touch.kind), let step = lead.nextStep { what += ": \(step)" }
                let ago = touch.windowEnd.days(to: today)
                overdue.append(
                    (
                        lead.id,
                        Diagnostic.shownPlain(
                            "\(who): \(what), due \(touch.windowEnd) (\(ago == 1 ? "1 day" : "\(ago) days") ago); planned \(touch.date)", limit: 600)
                    ))
            }
            // "Not now" has its next step: the check-back and the nurture.
            let notNow = lead.effectiveStatus == .notYet || lead.snoozeUntil.map { $0 > today } ?? false
            if !notNow, lead.effectiveStatus == .engaged || lead.hasReplied, lead.nextStepDue == nil {
                noNextStep.append(
                    (
                        lead.id,
                        "\(who): they replied\(lead.lastReply.map { " on \($0)" } ?? ""); agree on a next step (followup next \(lead.id) \"…\" --due DATE)"
                    ))
            }
            let lastTouch = [lead.lastContact, lead.lastReply, lead.firstContact].compactMap { $0 }.filter { $0 <= today }.max()
            if !notNow, lead.effectiveStatus != .new, let lastTouch, lastTouch.days(to: today) >= coldDays {
                let next = touches.first.map { "; next planned \($0.date): \($0.title)" } ?? "; nothing is planned"
                cold.append((lead.id, "\(who): no touch since \(lastTouch) (\(count(lastTouch.days(to: today), "day")))\(next)"))
            }
            if lead.timeZone == nil { noZone.append((lead.id, "\(who): no time zone (touches use the default zone, \(planner.defaultTimeZone))")) }
            if lead.email == nil && lead.phone == nil { noContact.append((lead.id, "\(who): no email or phone")) }
        }
        return [
            ("Overdue", overdue), ("No next step", noNextStep), ("Going cold", cold),
            ("No time zone", noZone), ("No contact details", noContact),
        ].filter { !$0.1.isEmpty }
    }
}
