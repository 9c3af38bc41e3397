import ArgumentParser
import Feeds
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

    @OptionGroup(title: "Feeds") var shape: FeedShapeOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let clock = Date()
        let setup = try input.setup(clock: clock)
        let result = try input.source.read(playbook: setup.playbook)
        let index = try findLead(leadID, in: result.leads, store: input.store, errors: result.errors)
        let planner = setup.planner
        let lead = result.leads[index]
        let plans = planner.plan(result.leads)
        let touches = plans[index]
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
            touches: touches, next: next, playbook: setup.playbook, day: day,
            budget: try budget(of: lead, leads: result.leads, plans: plans, setup: setup))
        if json {
            try printJSON(report.json)
        } else {
            FileHandle.standardOutput.write(Data(report.text.utf8))
        }
    }

    /// Where the profile's budget cuts the lead's owner's feeds: their
    /// feeds are written as `generate` would (with every lead of the owner,
    /// who share them), into a scratch folder. nil for a profile without one.
    private func budget(of lead: Lead, leads: [Lead], plans: [[Touchpoint]], setup: PlanSetup) throws -> ExplainReport.Budget? {
        let options = shape.feedOptions(zone: setup.zone).following(setup.playbook)
        guard let limit = options.profile.budget else { return nil }
        let owner = OwnerNames.key(lead.owner)
        let mine = leads.indices.filter { OwnerNames.key(leads[$0].owner) == owner }.map { (id: leads[$0].id, touches: plans[$0]) }
        let cuts = try FeedBudgetProbe.cuts(owner: lead.owner, leads: mine, options: options)
        return ExplainReport.Budget(profile: options.profile.name, limit: limit, events: cuts.events, tasks: cuts.tasks)
    }
}
