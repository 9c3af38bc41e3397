import ArgumentParser
import Feeds
import FollowUp
import Foundation
import ICal
import LeadStore

/// The store a capture command writes to, and today.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The SQLite store (default: $FOLLOWUP_STORE, else leads.sqlite).", valueName: "path"))
    var store: String = defaultStorePath

    @Option(help: ArgumentHelp("Today, for a reproducible run: 2026-12-01 or 2026-12-01T08:00:00Z. Defaults to the clock.", valueName: "date"))
    var now: String?

    func validate() throws {
        if let now, PlanningNow.parse(now, zone: TimeZone.current.identifier) == nil {
            throw ValidationError("--now \"\(now)\" is not a date or date-time; expected 2026-12-01 or 2026-12-01T08:00:00Z.")
        }
        if isSheet(store) {
            throw ValidationError("--store \"\(store)\" is a lead sheet; capture commands write to a SQLite store (see `followup init` and `followup import`).")
        }
    }

    /// Today in this machine's zone, or --now's day.
    var today: LocalDate { commandToday(now) }

    /// When a record was made: --now, or the clock, as an ISO 8601 UTC time.
    var stamp: String {
        if let now { return now }
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date())
    }

    func open() throws -> SQLiteStore {
        // Verified: these commands write, and a damaged store is refused unchanged.
        do { return try SQLiteStore.open(at: store, verify: true) } catch { throw Failure(error.description) }
    }
}

/// Today for a command: --now's day (a date-time's, in `zone`), else the clock's.
func commandToday(_ now: String?, zone: String = TimeZone.current.identifier, clock: Date = Date()) -> LocalDate {
    let instant: Date
    switch now.flatMap({ PlanningNow.parse($0, zone: zone) }) {
    case .date(let date): return date
    case .instant(let value): instant = value
    case nil: instant = clock
    }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: zone) ?? .current
    let parts = calendar.dateComponents([.year, .month, .day], from: instant)
    return LocalDate(year: parts.year!, month: parts.month!, day: parts.day!)!
}

/// The days a plan made around `today` can reach: a playbook's holiday
/// calendars are expanded over them.
func holidayRange(around today: LocalDate) -> ClosedRange<LocalDate> {
    today.adding(days: -800)...today.adding(days: 4_100)
}

/// Runs a capture command: a store error is one line and status 1.
func capture(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as Failure {
        printError("followup: error: \(failure.description)")
        throw ExitCode(failure.code)
    } catch let error as LeadStoreError {
        printError("followup: error: \(error.description)")
        throw ExitCode(1)
    }
}

/// Reads a date option: `2026-12-01` (or a date-time, whose day counts).
func parseDate(_ text: String, option: String) throws -> LocalDate {
    if let date = LocalDate(iso: text.trimmed) ?? LocalDateTime(iso: text.trimmed)?.date { return date }
    throw Failure("\(option) \"\(text)\" is not a date; expected YYYY-MM-DD, such as 2026-12-01; nothing was changed", code: 64)
}

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a lead store (SQLite).",
        discussion: """
        Creates an empty store at PATH (default: $FOLLOWUP_STORE, else leads.sqlite in this folder). \
        An existing file is never overwritten.

        Examples:
          followup init
          followup init ~/sales/leads.sqlite && export FOLLOWUP_STORE=~/sales/leads.sqlite
        """
    )

    @Argument(help: ArgumentHelp("Where to create the store.", valueName: "path"))
    var path: String = defaultStorePath

    @Option(help: ArgumentHelp("Permissions of the store and its -wal and -shm files, in octal: 600 (the default) lets only their owner read them.", valueName: "mode"))
    var mode: String = "600"

    func validate() throws { try Generate.validateFileMode(mode) }

    func run() throws {
        try capture {
            _ = try SQLiteStore.create(at: path, mode: Generate.fileMode(mode) ?? 0o600)
            print("Created the lead store \(path). Next: followup add --name \"…\" --store \(path), or followup import SHEET.csv --store \(path)")
        }
    }
}

struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add a lead to the store.",
        discussion: """
        Examples:
          followup add --name "Dana Kowalski" --company "Wisła Logistics" --email dana@wisla.example \\
                       --owner "Alice Martin" --timezone Europe/Warsaw --notes "Needs board approval in Q1"
          followup add --id L042 --name "Ivan Petrov" --fiscal-year-start 04-01 --event "2027-03-10 Hannover Messe"
        """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: "A unique, stable id (default: the next free L0001-style id).") var id: String?
    @Option(help: "The person's name.") var name: String
    @Option var company: String?
    @Option var email: String?
    @Option var phone: String?
    @Option(help: "Who follows up; feeds are split by it.") var owner: String = Lead.defaultOwner
    @Option(help: ArgumentHelp("The lead's IANA time zone, such as Europe/Warsaw.", valueName: "zone")) var timezone: String?
    @Option(help: "Their priorities, in their own words.") var notes: String?
    @Option(help: ArgumentHelp("Their fiscal year's first day, MM-DD.", valueName: "MM-DD")) var fiscalYearStart: String?
    @Option(help: ArgumentHelp("Their product launch date.", valueName: "date")) var launchDate: String?
    @Option(name: .customLong("event"), help: ArgumentHelp("An industry event they attend: \"YYYY-MM-DD Name\"; repeat for several.", valueName: "event"))
    var events: [String] = []

    func run() throws {
        try capture {
            guard !name.trimmed.isEmpty else { throw Failure("--name is empty; every lead needs the name of a person", code: 64) }
            if let timezone, !Generate.isUsable(zone: timezone, TimeZoneCatalog()) {
                throw Failure("--timezone \"\(timezone)\" is not a time zone this machine knows; expected an IANA name such as America/New_York", code: 64)
            }
            var fiscal: MonthDay?
            if let fiscalYearStart {
                guard let value = MonthDay(fiscalYearStart.trimmed) else {
                    throw Failure("--fiscal-year-start \"\(fiscalYearStart)\" is not a month and day; expected MM-DD, such as 04-01", code: 64)
                }
                fiscal = value
            }
            let launch = try launchDate.map { try parseDate($0, option: "--launch-date") }
            let parsedEvents = try events.map { text -> LeadEvent in
                guard let event = LeadEvent(parsing: text) else {
                    throw Failure("--event \"\(text)\" is not \"YYYY-MM-DD Name\"", code: 64)
                }
                // The sheet separates events with ";": a name holding one would come back as two.
                guard !event.name.contains(";") else {
                    throw Failure("--event \"\(text)\": an event's name cannot hold \";\"; give each event its own --event", code: 64)
                }
                return event
            }
            let store = try options.open()
            let leadID = try id?.trimmed ?? store.nextID()
            guard !leadID.isEmpty else { throw Failure("--id is empty", code: 64) }
            func nonEmpty(_ value: String?) -> String? { value.flatMap { $0.trimmed.isEmpty ? nil : $0.trimmed } }
            let lead = Lead(id: leadID, name: name.trimmed, company: nonEmpty(company), email: nonEmpty(email), phone: nonEmpty(phone),
                            owner: nonEmpty(owner) ?? Lead.defaultOwner, timeZone: nonEmpty(timezone), status: .new,
                            fiscalYearStart: fiscal, launchDate: launch, events: parsedEvents, notes: nonEmpty(notes))
            try store.add(lead, now: options.stamp)
            print("Added \(leadID) \(lead.name)\(lead.company.map { " (\($0))" } ?? ""), owner \(lead.owner). Its Day 0 is planned on the next `followup generate`.")
        }
    }
}

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
        try capture {
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
            let updated = try options.open().log(lead, at: dateTime, on: date, channel: channel.rawValue, inbound: inbound,
                                                 step: step, note: note, now: options.stamp)
            print("\(updated.id): logged \(inbound ? "their reply by \(channel.rawValue)" : "your \(channel.rawValue)") on \(date); status \(updated.effectiveStatus.rawValue)")
        }
    }
}

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
        try capture {
            let date = try parseDate(due, option: "--due")
            guard !what.trimmed.isEmpty else { throw Failure("the next step is empty; say what was agreed", code: 64) }
            if date < options.today {
                printError("followup: warning: --due \(date) is before today (\(options.today)); recorded as given, so it shows as overdue")
            }
            let updated = try options.open().setNextStep(lead, what: what.trimmed, due: date, owner: them ? .them : .me, now: options.stamp)
            print("\(updated.id): next step \"\(what.trimmed)\" due \(date), \(them ? "theirs (a check-in the next business day after)" : "yours")")
        }
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
        try capture {
            let store = try options.open()
            let before = try store.lead(lead)
            let updated = try store.markNextStepDone(lead, on: options.today, now: options.stamp)
            print("\(updated.id): done: \"\(before.nextStep ?? "the next step")\". Set the one after it with `followup next \(updated.id) \"…\" --due DATE`.")
        }
    }
}

struct Snooze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "\"Not now\": nothing before a date, then a check-back and nurture.",
        discussion: "Example:\n  followup snooze L0001 --until 2027-03-01"
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: ArgumentHelp("The lead's id.", valueName: "lead")) var lead: String
    @Option(help: ArgumentHelp("The day to check back.", valueName: "date")) var until: String

    func run() throws {
        try capture {
            let date = try parseDate(until, option: "--until")
            if date <= options.today { printError("followup: warning: --until \(date) is not after today (\(options.today)); the check-back is due now") }
            let updated = try options.open().snooze(lead, until: date, now: options.stamp)
            print("\(updated.id): snoozed until \(date); then a check-back and nurture")
        }
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
        try capture {
            let status: LeadStatus = switch outcome { case .won: .won; case .lost: .lost; case .no: .closed }
            let updated = try options.open().close(lead, outcome: status, on: options.today, now: options.stamp)
            print("\(updated.id): closed (\(status.rawValue)); nothing more is planned")
        }
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add and update leads from a lead sheet (by id).",
        discussion: """
        Reads a lead sheet (the columns of DESIGN.md), or an export of HubSpot, Pipedrive or \
        Salesforce (their column names and lead statuses are mapped; see README). Leads whose \
        id is new are added; existing ones are updated and the changed columns reported. Rows \
        with problems are reported as FILE:ROW:COLUMN and not imported (status 65); the rest are.

        Examples:
          followup import leads.csv
          followup import hubspot-contacts.csv --store team.sqlite
        """
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: ArgumentHelp("The sheet to import.", valueName: "sheet.csv")) var sheet: String

    @OptionGroup var sheetEncoding: SheetEncodingOption

    func run() throws {
        try capture {
            let catalog = TimeZoneCatalog()
            let result: LeadSheetResult
            do {
                result = try LeadSheet(path: sheet, encoding: sheetEncoding.value,
                                       isKnownTimeZone: { Generate.isUsable(zone: $0, catalog) }).read()
            } catch let error as LeadStoreError { throw Failure(error.description) }
            for diagnostic in result.warnings + result.errors { printError(diagnostic.description) }
            if let summary = result.unreportedSummary(file: sheet) { printError(summary) }
            if result.headerIsUnusable { throw Failure("\(sheet): nothing imported: the header must be fixed first") }
            let report = try options.open().upsert(result.leads, now: options.stamp)
            print("\(sheet): \(report.added.count) added, \(report.updated.count) updated, \(report.unchanged) unchanged, \(result.rejectedRows) rejected")
            for (id, columns) in report.updated { print("  updated \(id): \(columns.joined(separator: ", "))") }
            if !report.added.isEmpty { print("  added: \(report.added.joined(separator: ", "))") }
            // The same rule as generate: any row rejected, or any part of the sheet unread, is status 65.
            if result.hasErrors { throw ExitCode(Generate.rowsRejected) }
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every lead of the store as a lead sheet.",
        discussion: "The sheet imports back to the same leads and plans the same touchpoints.\n\nExample:\n  followup export leads.csv"
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: ArgumentHelp("The sheet to write.", valueName: "sheet.csv")) var sheet: String

    @Option(help: ArgumentHelp("Permissions of the sheet, in octal: 600 (the default) lets only its owner read it.", valueName: "mode"))
    var mode: String = "600"

    func validate() throws { try Generate.validateFileMode(mode) }

    func run() throws {
        try capture {
            let leads = try options.open().leads()
            try LeadSheetWriter.write(leads, to: sheet, mode: Generate.fileMode(mode) ?? 0o600)
            print("\(sheet): \(leads.count) leads written")
        }
    }
}
