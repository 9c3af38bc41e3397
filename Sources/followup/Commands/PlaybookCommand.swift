import ArgumentParser
import FollowUp
import Foundation
import Playbooks

struct PlaybookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playbook",
        abstract: "Write the built-in playbook as a file to start from, or check a playbook file.",
        discussion: """
            A playbook file (YAML) holds the method: the cadence steps and their windows, the \
            close-the-loop step and what follows it, the texts (Mustache templates over the \
            lead's fields), the nurture milestones, working days and hours, holidays (dates and \
            .ics calendars), the minimum gap, daily capacity per owner, horizon and alarm.

            Examples:
              followup playbook --print-default > playbook.yaml
              followup playbook --check playbook.yaml
              followup generate --store leads.csv --out feeds/ --playbook playbook.yaml
            """
    )

    @Flag(help: "Print the built-in playbook, with a comment on every setting.")
    var printDefault = false

    @Option(help: ArgumentHelp("Read a playbook file and report its first problem (file:line: key: what was expected).", valueName: "file"))
    var check: String?

    func validate() throws {
        guard printDefault != (check != nil) else {
            throw ValidationError("Give --print-default or --check FILE.")
        }
    }

    func run() throws {
        if printDefault {
            FileHandle.standardOutput.write(Data(PlaybookFile.render(.standard).utf8))
            return
        }
        guard let check else { return }
        do {
            var warnings: [PlaybookError] = []
            let playbook = try PlaybookFile.load(path: check, holidayRange: holidayRange(around: NowOption.today(nil, zone: "UTC")), warnings: &warnings)
            for warning in warnings { printError(warning.description) }
            print(
                "\(check): ok: \(playbook.steps.count) steps (the last closes the loop, then \(playbook.afterCloseTheLoop.rawValue)), "
                    + "\(playbook.calendar.holidays.count) holidays, capacity \(playbook.dailyCapacity.map { "\($0) a day" } ?? "unlimited")")
        } catch {
            // A playbook that does not read is bad data here, not a failure to run.
            throw Failure(error.description, code: ExitStatus.rowsRejected)
        }
    }
}
