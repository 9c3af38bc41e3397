import ArgumentParser
import FollowUp
import Foundation
import LeadStore

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

    @OptionGroup var source: StoreSource
    @OptionGroup var today: NowOption

    @Option(help: ArgumentHelp("A lead with no touch, ours or theirs, for this many days is going cold.", valueName: "days"))
    var coldDays: Int = 21

    func validate() throws {
        guard coldDays >= 1 else { throw ValidationError("--cold-days must be 1 or more, not \(coldDays).") }
    }

    func run() throws {
        let result = try source.read()
        let findings = Self.findings(result.leads, today: today.today(), coldDays: coldDays)
        if findings.isEmpty {
            print("\(result.leads.count) leads checked: nothing is going cold.")
            return
        }
        for (title, lines) in findings {
            print("\(title) (\(lines.count))")
            for line in lines { print("  \(line)") }
        }
        throw ExitCode(1)
    }

    /// Each kind of problem and the leads that have it, in the store's order.
    static func findings(_ leads: [Lead], today: LocalDate, coldDays: Int) -> [(String, [String])] {
        var noNextStep: [String] = [], missed: [String] = [], cold: [String] = [], noZone: [String] = [], noContact: [String] = []
        for lead in leads {
            let status = lead.effectiveStatus
            if [.won, .lost, .closed, .paused].contains(status) { continue }
            let who = Diagnostic.shownPlain("\(lead.id) \(lead.name)\(lead.company.map { " (\($0))" } ?? "") [\(lead.owner)]", limit: 400)
            if (status == .engaged || lead.hasReplied) && lead.nextStepDue == nil {
                noNextStep.append(
                    "\(who): they replied\(lead.lastReply.map { " on \($0)" } ?? ""); agree on a next step (followup next \(lead.id) \"…\" --due DATE)")
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
        return [
            ("No next step", noNextStep), ("Next step past its date", missed), ("Going cold", cold),
            ("No time zone", noZone), ("No contact details", noContact),
        ].filter { !$0.1.isEmpty }
    }
}
