import ArgumentParser
import Foundation
import Generation

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the events and tasks feeds of every owner, and of everyone.",
        discussion: """
            Writes into --out, for every owner in the store and for everyone together:
              <owner>.events.ics  events at the time to act, with a reminder
              <owner>.tasks.ics   tasks that open and fall due with each step's window
              all.events.ics, all.tasks.ics, and index.json listing every feed.

            Rows with problems are reported as FILE:ROW:COLUMN: reason; the other
            leads are still written and the exit status is 65. With --strict nothing
            is written when any row is bad.

            Safe from cron: a feed whose bytes did not change is left untouched (same
            modification time); every file is written beside its target and renamed
            into place; a lock in --out keeps two runs from interleaving (the second
            waits up to --wait seconds, then exits with status 75); files are readable
            by their owner only unless --mode says otherwise.

            Examples:
              followup generate --store leads.csv --out feeds/
              followup generate --store leads.csv --out feeds/ --now 2026-12-01 --timezone Europe/Berlin
              followup generate --store leads.csv --out feeds/google --profile google --digest
              followup generate --store leads.sqlite --out feeds/ --base-url https://cal.example.com

            With --base-url (or base_url in the config file), each event and task carries
            URL: and ends its description with a line of its page on `followup serve`
            (<base-url>/feeds/<token>/t/<uid>): Done, They replied, Not now, No. The token is
            the owner's feed token from --tokens (made there for an owner without one);
            everyone's feeds link with everyone's read-only token instead.
            """
    )

    @OptionGroup var input: PlanInput

    @Option(
        name: .customLong("out"),
        help: ArgumentHelp("The folder to write the feeds into (created if missing; default: the config file's `out`).", valueName: "dir"))
    var outOption: String?

    /// --out, else the config file's.
    var out: String { outOption ?? Config.current.value(.out) ?? "" }

    func validate() throws {
        if outOption == nil && Config.current.value(.out) == nil {
            throw ValidationError("Missing expected argument '--out <dir>' (or `out:` in the config file; see `followup config`).")
        }
    }

    @OptionGroup var output: FeedOutputOptions

    @OptionGroup var base: BaseURLOption

    @Option(
        help: ArgumentHelp("The tokens file the links take their tokens from (default: <out>/.followup-tokens.json, as `serve` reads it).", valueName: "path"))
    var tokens: String?

    @Flag(help: "Plan and write even when the store, the options and today are what the last run into --out had.")
    var force = false

    @Flag(help: "Print only problems (on stderr): no progress, no summary. For cron.")
    var quiet = false

    func run() throws {
        let clock = Date()
        let setup = try input.setup(clock: clock)
        var options = output.generateOptions(zone: setup.zone, followsClock: input.today.now == nil, clock: clock)
        options.force = force
        if let base = base.value {
            options.links = BaseURLOption.links(base: base, tokensPath: tokens ?? (out as NSString).appendingPathComponent(".followup-tokens.json"))
        }
        let progress = ProgressLine(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        if progress.enabled { options.progressFromLeads = 10_000 }
        let job = GenerateJob(store: input.source.source(playbook: setup.playbook), planner: setup.planner, options: options, out: out)
        let store = input.store
        let report = try job.run { event in
            switch event {
            case .read(let result): StoreSource.report(result, store: store)
            case let .planning(leads, total, components, rate):
                progress.show("\(leads) of \(total) leads planned, \(components) components serialised (\(rate)/s)")
            case .writing: progress.show("writing the feeds to \(out)")
            }
        }
        progress.clear()
        if !quiet { summarise(report) }
        // Printed with --quiet too: subscribers' calendars just lost these leads' touches.
        if let warning = Self.lostLeadsWarning(report, out: out) { printError(warning) }
        if report.hasRejectedRows { throw ExitCode(ExitStatus.rowsRejected) }
    }

    /// The warning for a run that planned far fewer leads than the last
    /// because rows were rejected; nil otherwise.
    static func lostLeadsWarning(_ report: GenerateReport, out: String) -> String? {
        guard let last = report.lostLeads else { return nil }
        let planned = report.leads, rejected = report.read.rejectedRows
        return "followup: warning: \(planned) lead\(planned == 1 ? "" : "s") planned where the last run into \(out) planned \(last): "
            + "\(last - planned) fewer, because \(rejected) row\(rejected == 1 ? " was" : "s were") rejected; "
            + "the feeds were written without them. Fix the rows above and run again (--strict writes nothing while any row is bad)"
    }

    /// The one summary line (and the temporaries a stopped run left).
    private func summarise(_ report: GenerateReport) {
        let stale = report.staleRemoved.isEmpty ? nil : "followup: removed \(count(report.staleRemoved.count, "temporary file")) left by a run that was stopped"
        guard let written = report.written else {
            if let stale { printError(stale) }
            let rejected = report.previous?.rejectedRows ?? 0
            printError(
                "followup: \(input.store) and the options are as in the last run into \(out), and today has not changed: nothing to write"
                    + (rejected > 0 ? "; \(count(rejected, "row")) \(rejected == 1 ? "is" : "are") still rejected (run with --force to see them again)" : ""))
            return
        }
        // Everyone's tasks feed holds every touchpoint once (or says how many it left out).
        let everyone = written.manifest.feeds.first { $0.owner == nil && $0.kind == .tasks }
        let overdue = (everyone?.overdue ?? 0) + (everyone?.cut?.leftOutOverdue ?? 0)
        let feeds = written.manifest.feeds.count
        let unchanged = written.unchanged.filter { $0.hasSuffix(".ics") }.count
        printError(
            "followup: \(count(report.leads, "lead")) planned, \(count(report.read.rejectedRows, "row")) rejected, "
                + "\(count(written.manifest.touchpoints, "touchpoint")) (\(overdue) overdue), \(count(feeds, "feed")) in \(out): "
                + "\(feeds - unchanged) written, \(unchanged) unchanged")
        if let replanned = report.replanned, replanned.owners == 0 {
            printError("followup: no owner's leads had changed: their feeds are as the last run wrote them, and everyone's were written again")
        } else if let replanned = report.replanned {
            printError(
                "followup: planned again only \(replanned.owners) of \(count(replanned.of, "owner")) (\(count(replanned.leads, "lead"))): "
                    + "the others' leads had not changed, and their feeds are as the last run wrote them (--force plans everyone)")
        }
        if !written.retired.isEmpty {
            printError(
                "followup: removed \(written.retired.joined(separator: ", ")): no lead in \(input.store) is their owner's any more")
        }
        if let stale { printError(stale) }
        let cut = written.manifest.feeds.compactMap(\.cut)
        if let budget = cut.first?.budget {
            printError(
                "followup: \(cut.count) of \(count(feeds, "feed")) cut to the \(output.profile) profile's budget of \(count(budget.components, "component")) "
                    + "and \(budget.bytes) bytes a feed: each keeps its nearest touches, overdue first, and leaves out the farthest "
                    + "(\(count(cut.map(\.leftOut).max() ?? 0, "touch", plural: "touches")) at most; index.json says where each feed stops). --profile generic keeps everything"
            )
        }
    }
}
