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
        // Every field is validated as `edit` validates it (and as the sheet reads it), with the same messages.
        var lead = Lead(id: "", name: name.trimmed, status: .new)
        let given: [(String, String?)] = [
            ("name", name), ("company", company), ("email", email), ("phone", phone), ("owner", owner), ("timezone", timezone),
            ("country", country), ("notes", notes), ("fiscal_year_start", fiscalYearStart), ("launch_date", launchDate),
        ]
        for case (let column, let value?) in given { try Edit.change(column, to: value.trimmed, events: [])(&lead) }
        if !events.isEmpty { try Edit.change("events", to: "", events: events)(&lead) }
        let store = try options.open()
        lead.id = try id?.trimmed ?? store.nextID()
        guard !lead.id.isEmpty else { throw Failure("--id is empty", code: ExitStatus.usage) }
        let leadID = lead.id
        try store.add(lead, now: options.stamp)
        print(
            "Added \(leadID) \(lead.name)\(lead.company.map { " (\($0))" } ?? ""), owner \(lead.owner). Its Day 0 is planned on the next `followup generate`.")
    }
}
