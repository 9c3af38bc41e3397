import ArgumentParser
import FollowUp
import Foundation
import LeadStore

struct Log: ParsableCommand {
    /// The channels every playbook has; a playbook's steps may name more.
    static let standardChannels = ["email", "call", "meeting", "message"]

    static let configuration = CommandConfiguration(
        abstract: "Record a touch: one you made, or their reply (--in).",
        discussion: """
            Your first touch is Day 0 of the cadence; later ones mark its steps done. A reply \
            (--in) stops the cadence: agree on a next step with `followup next`. A touch like one \
            logged already (same lead, channel, direction and minute, or day) is refused: --again \
            logs it anyway. --step takes the step ids of the playbook in use (`followup playbook \
            --print-default` lists the built-in ones), --channel its channels.

            Examples:
              followup log L0001 --channel email --step day0 --note "Sent the proposal"
              followup log L0001 --channel call --in --at 2026-12-03T15:30 --note "Wants a demo for the team"
            """
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: ArgumentHelp("The lead's id.", valueName: "lead")) var lead: String
    @Option(help: ArgumentHelp("email, call, meeting, message, or a channel the playbook's steps name.", valueName: "channel")) var channel: String
    @Flag(name: .customLong("in"), help: "Their reply, not a touch from you.") var inbound = false
    @Option(help: ArgumentHelp("Which step of the cadence it fulfilled (day0, day2-3, …).", valueName: "step")) var step: String?
    @Option(help: ArgumentHelp("When: 2026-12-01 or 2026-12-01T15:30 (default: today).", valueName: "date")) var at: String?
    @Option(help: "What happened.") var note: String?
    @Flag(help: "Log it even when the same touch is logged already.") var again = false
    @Option(
        help: ArgumentHelp(
            "The playbook whose steps and channels --step and --channel must name (default: the config file's, else the built-in method).", valueName: "file"))
    var playbook: String?

    func run() throws {
        var dateTime: LocalDateTime?
        var date = options.today
        if at == nil, options.now.now == nil {
            // Now, to the second, on this machine's clock: a touch has its minute.
            if let now = localDateTime(Date()) {
                dateTime = now
                date = now.date
            }
        }
        if let at {
            if let value = LocalDateTime(iso: at.trimmed) {
                dateTime = value
                date = value.date
            } else {
                date = try parseDate(at, option: "--at")
            }
        }
        let method = try loadPlaybook(playbook, today: options.today)
        let channel = self.channel.trimmed.lowercased()
        let channels = Self.standardChannels + method.steps.map { $0.channel.lowercased() }.filter { !Self.standardChannels.contains($0) }
        guard channels.contains(channel) else {
            throw Failure(
                "--channel \(Diagnostic.shown(self.channel)) is not a channel of the playbook; expected one of \(unique(channels).joined(separator: ", ")); nothing was changed",
                code: ExitStatus.usage)
        }
        if let step {
            let ids = method.steps.map(\.id)
            guard ids.contains(step) else {
                let close = Suggestions.closest(to: step, in: ids)
                throw Failure(
                    "--step \(Diagnostic.shown(step)) is not a step of the playbook; expected one of \(ids.joined(separator: ", "))"
                        + (close.isEmpty ? "" : " (did you mean \(close[0])?)") + "; nothing was changed", code: ExitStatus.usage)
            }
        }
        if date > options.today { printError("followup: warning: --at \(date) is after today (\(options.today)); recorded as given") }
        let updated: Lead
        do {
            updated = try options.open().log(
                lead, at: dateTime, on: date, channel: channel, inbound: inbound,
                step: step, note: note, again: again, now: options.stamp)
        } catch let duplicate as DuplicateTouch {
            let touch = duplicate.existing
            let what = touch.inbound ? "their reply by \(touch.channel)" : "your \(touch.channel)"
            throw Failure(
                "\(lead): \(what) at \(touch.at.replacingOccurrences(of: "T", with: " "))\(touch.step.map { " (\($0))" } ?? "") is logged already; "
                    + "nothing was changed (give --again to log a second one)")
        }
        print(
            "\(updated.id): logged \(inbound ? "their reply by \(channel)" : "your \(channel)") on \(date); status \(updated.effectiveStatus.rawValue)"
        )
    }
}

/// Each element once, in the order first seen.
func unique(_ items: [String]) -> [String] {
    var seen: Set<String> = []
    return items.filter { seen.insert($0).inserted }
}
