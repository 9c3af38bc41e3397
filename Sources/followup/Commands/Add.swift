import ArgumentParser
import FollowUp
import Foundation
import ICal
import LeadStore

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
    @Option(
        help: ArgumentHelp(
            "Their country for public holidays: an ISO 3166 code (DE), a subdivision (US-CA) or an English name (default: their time zone's).",
            valueName: "country")) var country: String?
    @Option(help: "Their priorities, in their own words.") var notes: String?
    @Option(help: ArgumentHelp("Their fiscal year's first day, MM-DD.", valueName: "MM-DD")) var fiscalYearStart: String?
    @Option(help: ArgumentHelp("Their product launch date.", valueName: "date")) var launchDate: String?
    @Option(name: .customLong("event"), help: ArgumentHelp("An industry event they attend: \"YYYY-MM-DD Name\"; repeat for several.", valueName: "event"))
    var events: [String] = []

    func run() throws {
        guard !name.trimmed.isEmpty else { throw Failure("--name is empty; every lead needs the name of a person", code: ExitStatus.usage) }
        if let timezone, !isUsable(zone: timezone, TimeZoneCatalog()) {
            throw Failure(
                "--timezone \"\(timezone)\" is not a time zone this machine knows; expected an IANA name such as America/New_York", code: ExitStatus.usage)
        }
        var fiscal: MonthDay?
        if let fiscalYearStart {
            guard let value = MonthDay(fiscalYearStart.trimmed) else {
                throw Failure("--fiscal-year-start \"\(fiscalYearStart)\" is not a month and day; expected MM-DD, such as 04-01", code: ExitStatus.usage)
            }
            fiscal = value
        }
        let launch = try launchDate.map { try parseDate($0, option: "--launch-date") }
        let countryCode = try country.map { text -> String in
            guard let code = CountryNames.code(text.trimmed) else {
                throw Failure(
                    "--country \"\(text)\" is not a country; expected \(CountryNames.expected)",
                    code: ExitStatus.usage)
            }
            return code
        }
        let parsedEvents = try events.map { text -> LeadEvent in
            guard let event = LeadEvent(parsing: text) else {
                throw Failure("--event \"\(text)\" is not \"YYYY-MM-DD Name\"", code: ExitStatus.usage)
            }
            // The sheet separates events with ";": a name holding one would come back as two.
            guard !event.name.contains(";") else {
                throw Failure("--event \"\(text)\": an event's name cannot hold \";\"; give each event its own --event", code: ExitStatus.usage)
            }
            return event
        }
        let store = try options.open()
        let leadID = try id?.trimmed ?? store.nextID()
        guard !leadID.isEmpty else { throw Failure("--id is empty", code: ExitStatus.usage) }
        func nonEmpty(_ value: String?) -> String? { value.flatMap { $0.trimmed.isEmpty ? nil : $0.trimmed } }
        let lead = Lead(
            id: leadID, name: name.trimmed, company: nonEmpty(company), email: nonEmpty(email), phone: nonEmpty(phone),
            owner: nonEmpty(owner) ?? Lead.defaultOwner, timeZone: nonEmpty(timezone), status: .new,
            fiscalYearStart: fiscal, launchDate: launch, events: parsedEvents, notes: nonEmpty(notes), country: countryCode)
        try store.add(lead, now: options.stamp)
        print(
            "Added \(leadID) \(lead.name)\(lead.company.map { " (\($0))" } ?? ""), owner \(lead.owner). Its Day 0 is planned on the next `followup generate`.")
    }
}
