import ArgumentParser
import FollowUp
import Foundation
import Generation

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print every planned touchpoint as JSON lines, for scripts.",
        discussion: """
            One JSON object per line and touchpoint, in the order of the sheet's rows: the lead,
            the step, the day and time it shows on (in the lead's zone), the window a task keeps,
            whether it is overdue, why this date, what to bring and the draft. The same plan
            `generate` writes as feeds.

            Examples:
              followup plan --store leads.csv --now 2026-12-01
              followup plan --store leads.csv --lead L004 | jq .reason
            """
    )

    @OptionGroup var input: PlanInput

    @Option(help: ArgumentHelp("Only this lead's touchpoints.", valueName: "id"))
    var lead: String?

    /// One touchpoint as a line of JSON.
    struct Line: Encodable {
        var lead, name: String
        var company, email, phone, notes: String?
        var owner, timezone, kind, key, label, title, channel: String
        var date, time, windowStart, windowEnd, dueTime: String
        var overdue: Bool
        var movedDays: Int
        var reason, prompt, draft: String

        enum CodingKeys: String, CodingKey {
            case lead, name, company, email, phone, notes, owner, timezone, kind, key, label, title, channel
            case date, time, overdue, reason, prompt, draft
            case windowStart = "window_start"
            case windowEnd = "window_end"
            case dueTime = "due_time"
            case movedDays = "moved_days"
        }

        init(_ touch: Touchpoint) {
            lead = touch.lead.id; name = touch.lead.name; company = touch.lead.company; email = touch.lead.email
            phone = touch.lead.phone; notes = touch.lead.notes; owner = touch.owner; timezone = touch.timeZone
            kind = touch.kind.rawValue; key = touch.key; label = touch.label; title = touch.title; channel = touch.channel
            date = touch.date.description; time = touch.time.description
            windowStart = touch.windowStart.description; windowEnd = touch.windowEnd.description
            dueTime = touch.dueTime.description; overdue = touch.overdue; movedDays = touch.movedDays
            reason = touch.reason; prompt = touch.prompt; draft = touch.draft
        }
    }

    func run() throws {
        let setup = try input.setup()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let only = lead
        // Streamed: the leads wait in a scratch file, not in memory, and
        // the lines are printed as they are read back.
        let report = try StreamingPlan(store: input.source.source(playbook: setup.playbook), planner: setup.planner).run(
            includes: { only == nil || $0 == only },
            render: { touches in
                var bytes: [UInt8] = []
                for touch in touches {
                    bytes += try encoder.encode(Line(touch))
                    bytes.append(0x0A)
                }
                return bytes
            },
            emit: { FileHandle.standardOutput.write(Data($0)) })
        StoreSource.report(report.read, store: input.store, unknownColumns: false)
        if report.read.headerIsUnusable { throw Failure("\(input.store): nothing planned: the lead sheet's header must be fixed first") }
        if report.included == 0, let only { throw Failure("no lead \"\(only)\" in \(input.store)") }
        if report.read.hasErrors { throw ExitCode(ExitStatus.rowsRejected) }
    }
}
