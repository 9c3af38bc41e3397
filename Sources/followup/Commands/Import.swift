import ArgumentParser
import FollowUp
import Foundation
import LeadStore

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

    @Option(
        help: ArgumentHelp(
            "The playbook whose date_order the sheet's dates follow when --date-order and the config file give none (default: the config file's).",
            valueName: "file"))
    var playbook: String?

    func run() throws {
        let order = try sheetEncoding.dateOrder ?? loadPlaybook(playbook, today: options.today).dateOrder
        let result = try LeadSheet(path: sheet, encoding: sheetEncoding.value, isKnownTimeZone: StoreSource.usableZones(), dateOrder: order)
            .read()
        StoreSource.report(result, store: sheet)
        if result.headerIsUnusable { throw Failure("\(sheet): nothing imported: the header must be fixed first") }
        let report = try options.open().upsert(result.leads, source: sheet, now: options.stamp)
        print("\(sheet): \(report.added.count) added, \(report.updated.count) updated, \(report.unchanged) unchanged, \(result.rejectedRows) rejected")
        for (id, columns) in report.updated { print("  updated \(id): \(columns.joined(separator: ", "))") }
        if !report.added.isEmpty { print("  added: \(report.added.joined(separator: ", "))") }
        // The same rule as generate: any row rejected, or any part of the sheet unread, is status 65.
        if result.hasErrors { throw ExitCode(ExitStatus.rowsRejected) }
    }
}
