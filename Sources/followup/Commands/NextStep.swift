import ArgumentParser
import FollowUp
import Foundation
import LeadStore

struct Next: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set the agreed next step: what, by when, and whose it is.",
        discussion: """
            Yours by default (a task on its date); --them when they promised something (a \
            gentle check-in the next business day after it).

            Examples:
              followup next L0001 "Send the revised proposal" --due 2026-12-04
              followup next L0001 "Share their security review" --due 2026-12-10 --them
            """
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: ArgumentHelp("The lead's id.", valueName: "lead")) var lead: String
    @Argument(help: ArgumentHelp("What was agreed.", valueName: "what")) var what: String
    @Option(help: ArgumentHelp("When it is due.", valueName: "date")) var due: String
    @Flag(help: "They owe it, not you.") var them = false

    func run() throws {
        let date = try parseDate(due, option: "--due")
        guard !what.trimmed.isEmpty else { throw Failure("the next step is empty; say what was agreed", code: ExitStatus.usage) }
        if date < options.today {
            printError("followup: warning: --due \(date) is before today (\(options.today)); recorded as given, so it shows as overdue")
        }
        let updated = try options.open().setNextStep(lead, what: what.trimmed, due: date, owner: them ? .them : .me, now: options.stamp)
        print("\(updated.id): next step \"\(what.trimmed)\" due \(date), \(them ? "theirs (a check-in the next business day after)" : "yours")")
    }
}

struct Done: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mark the lead's next step done.",
        discussion: "Example:\n  followup done L0001"
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: ArgumentHelp("The lead's id.", valueName: "lead")) var lead: String

    func run() throws {
        let store = try options.open()
        let before = try store.lead(lead)
        let updated = try store.markNextStepDone(lead, on: options.today, now: options.stamp)
        print("\(updated.id): done: \"\(before.nextStep ?? "the next step")\". Set the one after it with `followup next \(updated.id) \"…\" --due DATE`.")
    }
}
