import ArgumentParser
import FollowUp
import Foundation
import LeadStore

struct Snooze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "\"Not now\": nothing before a date, then a check-back and nurture.",
        discussion: """
            A next step you promised stays planned on its date through the snooze (`snooze` says so); \
            --drop-next-step drops it.

            Examples:
              followup snooze L0001 --until 2027-03-01
              followup snooze L0002 --until 2027-01-15 --drop-next-step
            """
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: ArgumentHelp("The lead's id.", valueName: "lead")) var lead: String
    @Option(help: ArgumentHelp("The day to check back.", valueName: "date")) var until: String
    @Flag(help: "Drop the lead's open next step (a promise of yours is otherwise still planned on its date).")
    var dropNextStep = false

    func run() throws {
        let date = try parseDate(until, option: "--until")
        // A date in the past would only turn the lead into "not now" with its check-back overdue.
        if date < options.today {
            throw Failure(
                "--until \(date) is in the past (today is \(options.today)); give the day to check back, such as \(options.today.adding(days: 30)); nothing was changed",
                code: ExitStatus.usage)
        }
        if date == options.today { printError("followup: warning: --until \(date) is today; the check-back is due now") }
        let store = try options.open()
        let before = try store.lead(lead)
        let updated = try store.snooze(lead, until: date, droppingNextStep: dropNextStep, now: options.stamp)
        print("\(updated.id): snoozed until \(date); then a check-back and nurture")
        if let line = Self.nextStepLine(before: before, after: updated) { print(line) }
    }

    /// What the snooze did to an open next step, nil when there was none.
    static func nextStepLine(before: Lead, after: Lead) -> String? {
        guard before.nextStep != nil || before.nextStepDue != nil else { return nil }
        let step = Diagnostic.shownPlain(before.nextStep.map { "\"\($0)\"" } ?? "the next step", limit: 200)
        let due = before.nextStepDue.map { ", due \($0)," } ?? ""
        if after.nextStep == nil && after.nextStepDue == nil { return "\(step)\(due) was dropped." }
        if after.nextStepDue != nil, (after.nextStepOwner ?? .me) == .me {
            return "Your promise \(step)\(due) still stands: it stays planned on its date (--drop-next-step to drop it)."
        }
        if after.nextStepOwner == .them {
            return "Their promise \(step)\(due) is kept on record, but no check-in is planned while they said \"not now\" (--drop-next-step to drop it)."
        }
        return "The next step \(step) has no date: it is kept on record (--drop-next-step to drop it)."
    }
}

struct Close: ParsableCommand {
    enum Outcome: String, ExpressibleByArgument, CaseIterable { case won, lost, no }

    static let configuration = CommandConfiguration(
        abstract: "Close a lead: won, lost, or no (they said no). Nothing more is planned.",
        discussion: "Examples:\n  followup close L0001 won\n  followup close L0002 no"
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: ArgumentHelp("The lead's id.", valueName: "lead")) var lead: String
    @Argument(help: ArgumentHelp("won, lost or no.", valueName: "outcome")) var outcome: Outcome

    func run() throws {
        let status: LeadStatus =
            switch outcome {
            case .won: .won;
            case .lost: .lost;
            case .no: .closed
            }
        let updated = try options.open().close(lead, outcome: status, on: options.today, now: options.stamp)
        let outcomeText =
            switch outcome {
            case .won: "closed as won"
            case .lost: "closed as lost"
            case .no: "closed: they said no"
            }
        print("\(updated.id): \(outcomeText); nothing more is planned")
    }
}
