import ArgumentParser
import FollowUp
import Foundation

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Say, for one lead, every touchpoint planned and why.",
        discussion: """
            For each touchpoint: the step, the window the method gives it, each day skipped and \
            why (weekend, holiday, capacity, minimum gap, snooze), the day and time chosen in the \
            lead's zone and what that is in UTC and in --timezone, what to bring; then what would \
            come after the horizon. The lead is planned with every other lead of the store, since \
            owners' capacity is shared. --json prints the same as one JSON object, for scripts.

            Examples:
              followup explain L004 --store leads.csv --now 2026-12-01
              followup explain L009 --store leads.csv --playbook playbook.yaml --json | jq '.touchpoints[].skipped'
            """
    )

    @Argument(help: ArgumentHelp("The lead's id, as the store has it.", valueName: "lead-id"))
    var leadID: String

    @OptionGroup var input: PlanInput

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let clock = Date()
        let setup = try input.setup(clock: clock)
        let result = try input.source.read(playbook: setup.playbook)
        let index = try findLead(leadID, in: result.leads, store: input.store, errors: result.errors)
        let planner = setup.planner
        let lead = result.leads[index]
        let touches = planner.plan(result.leads)[index]
        // What comes after the horizon: the same plan, looking a year further.
        // The same playbook as read (its holidays reach years ahead), not read again.
        let further = try Planner(
            playbook: setup.playbook, defaultTimeZone: setup.zone, now: planner.now, horizonDays: planner.horizonDays + 400)
        let zone = lead.timeZone ?? setup.zone
        let day = planner.workingDay(of: lead)
        let today = day.today
        let horizonEnd = today.adding(days: planner.horizonDays)
        let next = further.plan(result.leads)[index].first { touch in
            touch.date > horizonEnd && !touches.contains { $0.key == touch.key }
        }
        let report = ExplainReport(
            lead: lead, zone: zone, defaultZone: setup.zone, today: today, horizonEnd: horizonEnd,
            touches: touches, next: next, playbook: setup.playbook, day: day)
        if json {
            try printJSON(report.json)
        } else {
            FileHandle.standardOutput.write(Data(report.text.utf8))
        }
    }
}
