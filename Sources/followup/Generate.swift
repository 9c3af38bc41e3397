import ArgumentParser
import Feeds
import FollowUp
import Foundation
import ICal
import LeadStore

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

        Examples:
          followup generate --store leads.csv --out feeds/
          followup generate --store leads.csv --out feeds/ --now 2026-12-01 --timezone Europe/Berlin
          followup generate --store leads.csv --out feeds/google --profile google --digest
        """
    )

    @Option(help: ArgumentHelp("The lead store: a .csv lead sheet.", valueName: "path"))
    var store: String

    @Option(help: ArgumentHelp("The folder to write the feeds into (created if missing).", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Today, for a reproducible run: 2026-12-01, or a date-time such as 2026-12-01T08:00:00Z. Defaults to the clock.", valueName: "date"))
    var now: String?

    @Option(help: ArgumentHelp("How many days ahead to write cadence touchpoints. Agreed next steps are written whatever their date.", valueName: "days"))
    var horizon: Int = Playbook.standard.horizonDays

    @Option(help: ArgumentHelp("The IANA time zone of leads that name none (default: this machine's zone).", valueName: "zone"))
    var timezone: String = TimeZone.current.identifier

    @Option(help: ArgumentHelp("Shape the events feeds for a calendar client: \(FeedProfile.all.map(\.name).joined(separator: ", ")). google and outlook leave out alarms, which their subscriptions ignore.", valueName: "client"))
    var profile: String = FeedProfile.generic.name

    @Flag(help: "Events feeds hold one \"Follow-ups today (N)\" event per owner and day, at the start of the working day in --timezone, instead of one event per touch.")
    var digest = false

    @Flag(help: "Events are all-day entries on their day instead of timed ones (an alarm still fires at the touch time).")
    var allDay = false

    @Flag(help: "Write nothing when any row of the store is bad.")
    var strict = false

    @Flag(help: "Print only problems, no summary.")
    var quiet = false

    func validate() throws {
        guard horizon >= 0 else { throw ValidationError("--horizon must be 0 or more days, not \(horizon).") }
        guard Self.isUsable(zone: timezone, TimeZoneCatalog()) else {
            throw ValidationError("--timezone \"\(timezone)\" is not a time zone this machine knows; expected an IANA name such as America/New_York.")
        }
        if let now, PlanningNow.parse(now, zone: timezone) == nil {
            throw ValidationError("--now \"\(now)\" is not a date or date-time; expected 2026-12-01 or 2026-12-01T08:00:00Z.")
        }
        guard FeedProfile.named(profile) != nil else {
            throw ValidationError("--profile \"\(profile)\" is not one of \(FeedProfile.all.map(\.name).joined(separator: ", ")).")
        }
        guard store.lowercased().hasSuffix(".csv") else {
            throw ValidationError("--store \"\(store)\": only .csv lead sheets can be read so far.")
        }
    }

    func run() throws {
        do {
            try generate()
        } catch let failure as Failure {
            printError("followup: error: \(failure.description)")
            throw ExitCode(failure.code)
        }
    }

    private func generate() throws {
        let catalog = TimeZoneCatalog()
        let sheet = LeadSheet(path: store, isKnownTimeZone: { Self.isUsable(zone: $0, catalog) })
        let result: LeadSheetResult
        do { result = try sheet.read() } catch { throw Failure(error.description) }
        for diagnostic in result.warnings + result.errors { printError(diagnostic.description) }

        if result.headerIsUnusable {
            throw Failure("\(store): nothing written: the lead sheet's header must be fixed first")
        }
        if strict && !result.errors.isEmpty {
            throw Failure("\(store): nothing written (--strict): \(result.rejectedRows) row\(result.rejectedRows == 1 ? "" : "s") rejected",
                          code: Self.rowsRejected)
        }

        let planningNow = now.flatMap { PlanningNow.parse($0, zone: timezone) } ?? .instant(Date())
        let planner: Planner
        do {
            planner = try Planner(playbook: .standard, defaultTimeZone: timezone, now: planningNow, horizonDays: horizon)
        } catch { throw Failure(error.description) }
        let touchpoints = result.leads.flatMap(planner.plan)

        let manifest: FeedManifest
        do {
            let options = FeedOptions(profile: FeedProfile.named(profile) ?? .generic, allDay: allDay, digest: digest,
                                      ownerTimeZone: timezone)
            manifest = try FeedWriter(catalog: catalog, options: options).write(
                owners: result.owners, touchpoints: touchpoints, to: out,
                rejectedRows: result.rejectedRows, leads: result.leads.count)
        } catch { throw Failure(error.description) }

        if !quiet {
            let overdue = touchpoints.filter(\.overdue).count
            printError("followup: \(result.leads.count) leads planned, \(result.rejectedRows) rows rejected, "
                       + "\(touchpoints.count) touchpoints (\(overdue) overdue), \(manifest.feeds.count) feeds written to \(out)")
        }
        if result.rejectedRows > 0 || !result.errors.isEmpty { throw ExitCode(Self.rowsRejected) }
    }

    /// The exit status when some rows were rejected (EX_DATAERR).
    static let rowsRejected: Int32 = 65

    /// A zone the planner (Foundation's rules) and the feeds (libical's
    /// VTIMEZONE from zoneinfo) both know.
    static func isUsable(zone: String, _ catalog: TimeZoneCatalog) -> Bool {
        TimeZone(identifier: zone) != nil && catalog.knows(zone)
    }
}

/// A failure the user can act on: one line on stderr and an exit status.
struct Failure: Error, CustomStringConvertible {
    let description: String
    let code: Int32
    init(_ description: String, code: Int32 = 1) {
        self.description = description
        self.code = code
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
