import ArgumentParser
import FollowUp
import Foundation
import ICal
import LeadStore
import Playbooks

/// The lead store to read, for the commands that plan or check it.
struct StoreSource: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The lead store: a .csv lead sheet, or a SQLite store made by `followup init` (default: $FOLLOWUP_STORE, else leads.sqlite).", valueName: "path"))
    var store: String = defaultStorePath

    @OptionGroup var sheetEncoding: SheetEncodingOption

    /// The store, as the engine reads it; a sheet's dates in the order
    /// --date-order or the config file give, else the playbook's.
    func source(playbook: Playbook? = nil) -> any LeadSource { Self.source(store, reading: sheetEncoding, playbook: playbook) }

    /// The lead store at `path`: a sheet's time zones are those both the
    /// planner and the feeds know.
    static func source(_ path: String, reading: SheetEncodingOption, playbook: Playbook? = nil) -> any LeadSource {
        leadSource(at: path, encoding: reading.value, isKnownTimeZone: usableZones(), dateOrder: reading.dateOrder ?? playbook?.dateOrder)
    }

    /// The check of a sheet's `timezone` values: `isUsable`, with one catalog for the whole sheet.
    static func usableZones() -> LeadSheet.TimeZoneCheck {
        let catalog = TimeZoneCatalog()
        return { isUsable(zone: $0, catalog) }
    }

    /// Reads every lead and prints every problem on stderr; a sheet whose
    /// header is unusable is a failure.
    func read(playbook: Playbook? = nil) throws -> LeadSheetResult {
        let result = try source(playbook: playbook).read()
        Self.report(result, store: store, unknownColumns: false)
        if result.headerIsUnusable {
            throw Failure("\(store): nothing written: the lead sheet's header must be fixed first")
        }
        return result
    }

    /// Prints what reading the store found wrong, row by row. Unknown
    /// columns are for `import` and `generate` to say: the commands that
    /// only look at a sheet give `unknownColumns: false`.
    static func report(_ result: LeadSheetResult, store: String, unknownColumns: Bool = true) {
        for diagnostic in result.warnings + result.errors where unknownColumns || !diagnostic.isAboutUnknownColumns {
            printError(diagnostic.description)
        }
        if let summary = result.unreportedSummary(file: store) { printError(summary) }
    }
}

/// The lead store and how to plan it: shared by `generate`, `plan`,
/// `explain` and `agenda`.
struct PlanInput: ParsableArguments {
    @OptionGroup var source: StoreSource
    @OptionGroup var today: NowOption
    @OptionGroup var planning: PlanningOptions

    var store: String { source.store }
}

/// What shapes a plan beyond the leads: the playbook, the horizon and the
/// default zone (`serve --regenerate-every` takes them too).
struct PlanningOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A playbook file (YAML): the cadence, texts, nurture, working days and hours, holidays, capacity. `followup playbook --print-default` writes one to start from. Default: the built-in method.",
            valueName: "file"))
    var playbook: String?

    @Option(
        help: ArgumentHelp(
            "How many days ahead to write touchpoints (default: the playbook's, 90). Agreed next steps and check-backs are written whatever their date.",
            valueName: "days"))
    var horizon: Int?

    @Option(help: ArgumentHelp("The IANA time zone of leads that name none (default: the playbook's, else this machine's zone).", valueName: "zone"))
    var timezone: String?

    func validate() throws {
        if let horizon, horizon < 0 { throw ValidationError("--horizon must be 0 or more days, not \(horizon).") }
        let usable = StoreSource.usableZones()
        if let zone, !usable(zone) {
            let suggestion: String
            switch LeadValues.timeZone(zone, isKnown: usable) {
            case .read(let value, _): suggestion = " (did you mean \(value)?)"
            default: suggestion = ""
            }
            throw ValidationError(
                "\(timezone == nil ? "the config file's timezone" : "--timezone") \"\(zone)\" is not a time zone this machine knows; expected an IANA name such as America/New_York\(suggestion)."
            )
        }
    }

    /// --timezone, else the config file's.
    var zone: String? { timezone ?? Config.current.value(.timezone) }

    /// --playbook, else the config file's.
    var playbookPath: String? { playbook ?? Config.current.value(.playbook) }

    /// The playbook, the default zone and the planner, as the options and
    /// the playbook file give them, for today as `now` says.
    func setup(now: NowOption, clock: Date = Date()) throws -> PlanSetup {
        var playbook = Playbook.standard
        let timezone = zone
        if let path = playbookPath {
            // Holiday calendars are read for every day a plan can reach.
            let today = now.today(zone: timezone ?? "UTC", clock: clock)
            var warnings: [PlaybookError] = []
            playbook = try PlaybookFile.load(path: path, holidayRange: holidayRange(around: today), warnings: &warnings)
            for warning in warnings { printError(warning.description) }
        }
        let zone = timezone ?? playbook.timeZone ?? TimeZone.current.identifier
        let planner = try Planner(
            playbook: playbook, defaultTimeZone: zone, now: now.planningNow(zone: zone, clock: clock),
            horizonDays: horizon)
        return PlanSetup(playbook: playbook, zone: zone, planner: planner)
    }
}

extension PlanInput {
    /// `PlanningOptions.setup` with this input's --now.
    func setup(clock: Date = Date()) throws -> PlanSetup {
        try planning.setup(now: today, clock: clock)
    }
}

/// What a run plans with.
struct PlanSetup {
    let playbook: Playbook
    /// The zone of leads that name none.
    let zone: String
    let planner: Planner
}

/// `--encoding`, for the commands that read a lead sheet.
struct SheetEncodingOption: ParsableArguments {
    @Option(
        name: .customLong("encoding"),
        help: ArgumentHelp(
            "How the lead sheet's bytes are text: auto (UTF-8, or Windows-1252 for a sheet with no UTF-8 in it, with a warning), utf-8, windows-1252, latin-1.",
            valueName: "name"))
    var name: String = SheetEncoding.auto.rawValue

    @Option(
        name: .customLong("date-order"),
        help: ArgumentHelp(
            "Which comes first in the sheet's numeric dates such as 04/11/2026: dmy (day first) or mdy (month first). Without it, a date that reads both ways is not read (the lead is kept without it, with a warning).",
            valueName: "dmy|mdy"))
    var dateOrderName: String?

    var value: SheetEncoding { SheetEncoding(name: name) ?? .auto }

    /// --date-order, else the config file's `date_order`.
    var dateOrder: DateOrder? { dateOrderName.flatMap { DateOrder(rawValue: $0.lowercased()) } ?? Config.current.dateOrder }

    func validate() throws {
        if let dateOrderName, DateOrder(rawValue: dateOrderName.lowercased()) == nil {
            throw ValidationError("--date-order \"\(dateOrderName)\" is not dmy or mdy.")
        }
        if SheetEncoding(name: name) == nil {
            throw ValidationError("--encoding \"\(name)\" is not one of \(SheetEncoding.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
    }
}

/// The store commands use when --store is not given.
let defaultStorePath =
    ProcessInfo.processInfo.environment["FOLLOWUP_STORE"].flatMap { $0.isEmpty ? nil : $0 } ?? Config.current.value(.store) ?? "leads.sqlite"

/// A zone the planner (Foundation's rules) and the feeds (libical's
/// VTIMEZONE from zoneinfo) both know.
func isUsable(zone: String, _ catalog: TimeZoneCatalog) -> Bool {
    TimeZone(identifier: zone) != nil && catalog.knows(zone)
}

/// The playbook at `path` (else the config file's, else the built-in
/// method), for the commands that check against it without planning.
func loadPlaybook(_ path: String?, today: LocalDate) throws -> Playbook {
    guard let path = path ?? Config.current.value(.playbook) else { return .standard }
    var warnings: [PlaybookError] = []
    return try PlaybookFile.load(path: path, holidayRange: holidayRange(around: today), warnings: &warnings)
}
