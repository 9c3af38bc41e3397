import ArgumentParser
import FollowUp
import Foundation
import LeadStore

struct Snooze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "\"Not now\": nothing before a date, then a check-back and nurture.",
        discussion: "Example:\n  followup snooze L0001 --until 2027-03-01"
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: ArgumentHelp("The lead's id.", valueName: "lead")) var lead: String
    @Option(help: ArgumentHelp("The day to check back.", valueName: "date")) var until: String

    func run() throws {
        let date = try parseDate(until, option: "--until")
        if date <= options.today { printError("followup: warning: --until \(date) is not after today (\(options.today)); the check-back is due now") }
        let updated = try options.open().snooze(lead, until: date, now: options.stamp)
        print("\(updated.id): snoozed until \(date); then a check-back and nurture")
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
        print("\(updated.id): closed (\(status.rawValue)); nothing more is planned")
    }
}
