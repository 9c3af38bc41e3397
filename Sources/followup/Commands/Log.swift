import ArgumentParser
import FollowUp
import Foundation
import LeadStore

struct Log: ParsableCommand {
    enum Channel: String, ExpressibleByArgument, CaseIterable { case email, call, meeting, message }

    static let configuration = CommandConfiguration(
        abstract: "Record a touch: one you made, or their reply (--in).",
        discussion: """
            Your first touch is Day 0 of the cadence; later ones mark its steps done. A reply \
            (--in) stops the cadence: agree on a next step with `followup next`.

            Examples:
              followup log L0001 --channel email --step day0 --note "Sent the proposal"
              followup log L0001 --channel call --in --at 2026-12-03T15:30 --note "Wants a demo for the team"
            """
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: ArgumentHelp("The lead's id.", valueName: "lead")) var lead: String
    @Option(help: "email, call, meeting or message.") var channel: Channel
    @Flag(name: .customLong("in"), help: "Their reply, not a touch from you.") var inbound = false
    @Option(help: ArgumentHelp("Which step of the cadence it fulfilled (day0, day2-3, …).", valueName: "step")) var step: String?
    @Option(help: ArgumentHelp("When: 2026-12-01 or 2026-12-01T15:30 (default: today).", valueName: "date")) var at: String?
    @Option(help: "What happened.") var note: String?

    func run() throws {
        var dateTime: LocalDateTime?
        var date = options.today
        if let at {
            if let value = LocalDateTime(iso: at.trimmed) {
                dateTime = value
                date = value.date
            } else {
                date = try parseDate(at, option: "--at")
            }
        }
        if date > options.today { printError("followup: warning: --at \(date) is after today (\(options.today)); recorded as given") }
        let updated = try options.open().log(
            lead, at: dateTime, on: date, channel: channel.rawValue, inbound: inbound,
            step: step, note: note, now: options.stamp)
        print(
            "\(updated.id): logged \(inbound ? "their reply by \(channel.rawValue)" : "your \(channel.rawValue)") on \(date); status \(updated.effectiveStatus.rawValue)"
        )
    }
}
