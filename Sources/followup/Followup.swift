import ArgumentParser
import Dispatch

/// This build's version, as `followup --version` prints it.
let followupVersion = "0.16.0"

@main
struct Followup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "followup",
        abstract: "Plan every follow-up touch of your leads and write them as calendar feeds.",
        discussion: """
            Reads a lead store (a CSV sheet, or a SQLite store the capture commands keep), \
            plans the touchpoints of a disciplined follow-up method (Day 0, Day 2–3, \
            Day 7–10, Day 21–30, close the loop; next steps for leads who replied; for \
            "not now", a check-back and nurture around their fiscal year, launch, events \
            and each quarter), and writes iCalendar feeds that calendar apps subscribe to. \
            `followup explain LEAD` says why each date was chosen.

            Examples:
              followup generate --store Fixtures/demo/leads.csv --out feeds/
              followup init && followup add --name "Dana Kowalski" && followup agenda
            """,
        version: followupVersion,
        subcommands: [
            Generate.self, Plan.self, Explain.self, PlaybookCommand.self, Init.self, Add.self, Log.self, Next.self, Done.self, Snooze.self, Close.self,
            Show.self, List.self, Edit.self, Reassign.self, Delete.self, Undo.self,
            Import.self, Export.self, Sheet.self, Agenda.self, Check.self, Lint.self, Serve.self, Token.self, ConfigCommand.self,
        ]
    )

    /// Runs the command the arguments name.
    ///
    /// Synchronous commands (all but `serve`) run here, on the main thread, which
    /// returns from `main` when they are done; only an async command starts the
    /// concurrency runtime. ArgumentParser's `AsyncParsableCommand.main` would run
    /// every command on a thread of Swift's concurrency pool while the main thread
    /// waits in `dispatch_main` and leaves through `pthread_exit`, which Valgrind
    /// 3.19 cannot follow: callgrind, which profiles `generate`, died at start.
    static func main() {
        let command: ParsableCommand
        do {
            Config.current = try Config.load()
        } catch {
            fail(error)
        }
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        if let asyncCommand = command as? AsyncParsableCommand {
            // Handed to the task whole: this thread never touches it again
            // (`dispatchMain` does not return).
            nonisolated(unsafe) var running = asyncCommand
            Task {
                do {
                    try await running.run()
                    exit()
                } catch {
                    fail(error)
                }
            }
            dispatchMain()
        }
        do {
            var command = command
            try command.run()
        } catch {
            fail(error)
        }
    }

    /// Every command's errors end here: see `failureReport`.
    static func fail(_ error: Error) -> Never {
        guard let (message, status) = failureReport(error) else { exit(withError: error) }
        printError("followup: error: \(message)")
        exit(withError: ExitCode(status))
    }
}
