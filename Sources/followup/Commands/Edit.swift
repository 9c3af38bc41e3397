import ArgumentParser
import FollowUp
import Foundation
import ICal
import LeadStore

struct Edit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Change a lead's fields, validated as the lead sheet's are.",
        discussion: """
            Give each field to change; an empty value ("") clears an optional one. Dates are \
            YYYY-MM-DD (or as a sheet may give them); --event replaces the lead's events (repeat \
            it for several; --event "" clears them). The history stays as it is; `followup undo` \
            reverses the edit.

            Examples:
              followup edit L0001 --email dana@wisla.example --timezone Europe/Warsaw
              followup edit L0001 --owner "Bo Zhang" --notes ""
              followup edit L0001 --status not_yet --snooze-until 2027-03-01
            """
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: ArgumentHelp("The lead's id.", valueName: "lead")) var lead: String
    @Option var name: String?
    @Option var company: String?
    @Option var email: String?
    @Option var phone: String?
    @Option(help: "Who follows up.") var owner: String?
    @Option(help: ArgumentHelp("An IANA time zone, such as Europe/Warsaw.", valueName: "zone")) var timezone: String?
    @Option(help: ArgumentHelp("new, active, engaged, not_yet, won, lost, closed, paused (or a word such as \"not now\").", valueName: "status"))
    var status: String?
    @Option(name: .customLong("first-contact"), help: ArgumentHelp(valueName: "date")) var firstContact: String?
    @Option(name: .customLong("last-contact"), help: ArgumentHelp(valueName: "date")) var lastContact: String?
    @Option(name: .customLong("last-reply"), help: ArgumentHelp(valueName: "date")) var lastReply: String?
    @Option(name: .customLong("next-step"), help: ArgumentHelp("What was agreed.", valueName: "what")) var nextStep: String?
    @Option(name: .customLong("next-step-due"), help: ArgumentHelp(valueName: "date")) var nextStepDue: String?
    @Option(name: .customLong("next-step-owner"), help: ArgumentHelp("me or them.", valueName: "who")) var nextStepOwner: String?
    @Option(name: .customLong("snooze-until"), help: ArgumentHelp(valueName: "date")) var snoozeUntil: String?
    @Option(name: .customLong("fiscal-year-start"), help: ArgumentHelp(valueName: "MM-DD")) var fiscalYearStart: String?
    @Option(name: .customLong("launch-date"), help: ArgumentHelp(valueName: "date")) var launchDate: String?
    @Option(name: .customLong("event"), help: ArgumentHelp("\"YYYY-MM-DD Name\"; repeat for several; replaces the lead's events.", valueName: "event"))
    var events: [String] = []
    @Option var notes: String?
    @Option(help: ArgumentHelp("An ISO 3166 code (DE), a subdivision (US-CA) or an English name.", valueName: "country")) var country: String?
    @Option(name: .customLong("last-step"), help: ArgumentHelp("The cadence step our last touch fulfilled.", valueName: "step")) var lastStep: String?

    /// Each option given, by the sheet column it sets.
    var given: [(column: String, value: String)] {
        let all: [(String, String?)] = [
            ("name", name), ("company", company), ("email", email), ("phone", phone), ("owner", owner), ("timezone", timezone),
            ("status", status), ("first_contact", firstContact), ("last_contact", lastContact), ("last_reply", lastReply),
            ("next_step", nextStep), ("next_step_due", nextStepDue), ("next_step_owner", nextStepOwner), ("snooze_until", snoozeUntil),
            ("fiscal_year_start", fiscalYearStart), ("launch_date", launchDate),
            ("events", events.isEmpty ? nil : events.filter { !$0.trimmed.isEmpty }.joined(separator: "; ")),
            ("notes", notes), ("country", country), ("last_step", lastStep),
        ]
        return all.compactMap { column, value in value.map { (column, $0) } }
    }

    func validate() throws {
        if given.isEmpty { throw ValidationError("Give at least one field to change, such as --email or --owner (see --help).") }
    }

    func run() throws {
        var changes: [(inout Lead) -> Void] = []
        for (column, value) in given {
            changes.append(try Self.change(column, to: value.trimmed, events: column == "events" ? events : []))
        }
        let store = try options.open()
        let edit = try store.edit(lead, now: options.stamp) { lead in
            for change in changes { change(&lead) }
        }
        if edit.columns.isEmpty {
            print("\(edit.after.id): nothing changed (the store has these values already)")
            return
        }
        print("\(edit.after.id): edited \(edit.columns.joined(separator: ", "))")
        let before = LeadColumns.standard.values(of: edit.before), after = LeadColumns.standard.values(of: edit.after)
        for column in edit.columns {
            let old = before[column].map { Diagnostic.shown($0, limit: 60) } ?? "(empty)"
            let new = after[column].map { Diagnostic.shown($0, limit: 60) } ?? "(empty)"
            print("  \(column): \(old) → \(new)")
        }
    }

    /// What setting `column` to `text` does to a lead; a text that is not
    /// a value of the field is an error naming the option and what it must be.
    static func change(_ column: String, to text: String, events: [String]) throws -> (inout Lead) -> Void {
        let option = "--" + column.replacingOccurrences(of: "_", with: "-")
        func bad(_ expected: String) -> Failure {
            Failure("\(option) \(Diagnostic.shown(text)) is not \(expected); nothing was changed", code: ExitStatus.usage)
        }
        let dateOrder = Config.current.dateOrder
        func date(_ field: WritableKeyPath<Lead, LocalDate?>) throws -> (inout Lead) -> Void {
            if text.isEmpty { return { $0[keyPath: field] = nil } }
            switch LeadValues.date(text, order: dateOrder) {
            case .exact(let date), .read(let date, _): return { $0[keyPath: field] = date }
            case .invalid(let expected): throw bad(expected)
            }
        }
        func optional(_ field: WritableKeyPath<Lead, String?>) -> (inout Lead) -> Void {
            let value = text.isEmpty ? nil : text
            return { $0[keyPath: field] = value }
        }
        switch column {
        case "name":
            guard !text.isEmpty else { throw Failure("--name is empty; every lead needs the name of a person; nothing was changed", code: ExitStatus.usage) }
            return { $0.name = text }
        case "owner": return { $0.owner = text.isEmpty ? Lead.defaultOwner : text }
        case "company": return optional(\.company)
        case "email": return optional(\.email)
        case "phone": return optional(\.phone)
        case "notes": return optional(\.notes)
        case "next_step": return optional(\.nextStep)
        case "last_step": return optional(\.lastStep)
        case "timezone":
            if text.isEmpty { return { $0.timeZone = nil } }
            switch LeadValues.timeZone(text, isKnown: StoreSource.usableZones()) {
            case .exact(let zone): return { $0.timeZone = zone }
            case .read(let zone, _):
                // As the sheet reads it: "europe/paris", "CET" or "Paris" is the zone it names, said once.
                printError("followup: warning: --timezone \(Diagnostic.shown(text)) read as \(zone)")
                return { $0.timeZone = zone }
            case .invalid(let expected): throw bad(expected)
            }
        case "status":
            if text.isEmpty { return { $0.status = nil } }
            guard let status = LeadValues.status(text).value else { throw bad(LeadValues.status(text).expected) }
            return { $0.status = status }
        case "next_step_owner":
            if text.isEmpty { return { $0.nextStepOwner = nil } }
            guard let owner = StepOwner(rawValue: text.lowercased()) else { throw bad("me or them") }
            return { $0.nextStepOwner = owner }
        case "fiscal_year_start":
            if text.isEmpty { return { $0.fiscalYearStart = nil } }
            guard let day = LeadValues.fiscalYearStart(text, order: dateOrder).value else { throw bad("a month and day, MM-DD, such as 04-01") }
            return { $0.fiscalYearStart = day }
        case "country":
            if text.isEmpty { return { $0.country = nil } }
            guard let code = CountryNames.code(text) else { throw bad("a country: \(CountryNames.expected)") }
            return { $0.country = code }
        case "events":
            let parsed = try events.filter { !$0.trimmed.isEmpty }.map { item -> LeadEvent in
                guard let event = LeadEvent(parsing: item) else {
                    throw Failure("--event \(Diagnostic.shown(item)) is not \"YYYY-MM-DD Name\"; nothing was changed", code: ExitStatus.usage)
                }
                guard !event.name.contains(";") else {
                    throw Failure("--event \(Diagnostic.shown(item)): an event's name cannot hold \";\"; nothing was changed", code: ExitStatus.usage)
                }
                return event
            }
            return { $0.events = parsed }
        case "first_contact": return try date(\.firstContact)
        case "last_contact": return try date(\.lastContact)
        case "last_reply": return try date(\.lastReply)
        case "next_step_due": return try date(\.nextStepDue)
        case "snooze_until": return try date(\.snoozeUntil)
        case "launch_date": return try date(\.launchDate)
        default: throw Failure("\(option) is not a field", code: ExitStatus.usage)
        }
    }
}

extension Reading {
    /// What a value would be; empty for a value.
    var expected: String {
        if case .invalid(let expected) = self { return expected }
        return ""
    }
}

struct Reassign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Give one owner's leads to another (all of them, or those of one status).",
        discussion: """
            One change in the store, undone whole by `followup undo`. Their touches move to the \
            new owner's feeds on the next `followup generate`.

            Examples:
              followup reassign --from "Alice Martin" --to "Bo Zhang"
              followup reassign --from "Alice Martin" --to "Bo Zhang" --status not_yet
            """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: ArgumentHelp("The owner whose leads move (as the store has the name).", valueName: "owner")) var from: String
    @Option(help: ArgumentHelp("The owner who takes them.", valueName: "owner")) var to: String
    @Option(help: ArgumentHelp("Only leads with this status.", valueName: "status")) var status: String?

    func run() throws {
        guard !to.trimmed.isEmpty else { throw Failure("--to is empty; name the owner who takes the leads", code: ExitStatus.usage) }
        var wanted: LeadStatus?
        if let status {
            guard let value = LeadValues.status(status).value else {
                throw Failure("--status \(Diagnostic.shown(status)) is not \(LeadValues.status(status).expected)", code: ExitStatus.usage)
            }
            wanted = value
        }
        let store = try options.open()
        let moved = try store.reassign(from: from, to: to.trimmed, status: wanted, now: options.stamp)
        if moved.isEmpty {
            let owners = Set(try store.leads().map(\.owner)).sorted()
            let close = Suggestions.closest(to: from, in: owners)
            throw Failure(
                "no lead\(wanted.map { " with status \($0.rawValue)" } ?? "") has the owner \(Diagnostic.shown(from)); nothing was changed"
                    + (close.isEmpty ? "" : " (did you mean \(close.joined(separator: " or "))?)"))
        }
        let listed = moved.prefix(20).joined(separator: ", ") + (moved.count > 20 ? " and \(moved.count - 20) more" : "")
        print("Moved \(count(moved.count, "lead")) from \(from) to \(to.trimmed): \(listed)")
    }
}
