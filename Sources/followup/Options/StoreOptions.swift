import ArgumentParser
import FollowUp
import Foundation
import LeadStore

/// The store a capture command writes to, and today.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The SQLite store (default: $FOLLOWUP_STORE, else leads.sqlite).", valueName: "path"))
    var store: String = defaultStorePath

    @OptionGroup var now: NowOption

    func validate() throws {
        if isSheet(store) {
            throw ValidationError("--store \"\(store)\" is a lead sheet; capture commands write to a SQLite store (see `followup init` and `followup import`).")
        }
    }

    /// Today in this machine's zone, or --now's day.
    var today: LocalDate { now.today() }

    /// When a record was made: --now, or the clock, as an ISO 8601 UTC time.
    var stamp: String {
        if let now = now.now { return now }
        return ISO8601DateFormatter().string(from: Date())
    }

    /// The store, verified: these commands write, and a damaged store is refused unchanged.
    func open() throws -> SQLiteStore {
        try SQLiteStore.open(at: store, verify: true)
    }
}

/// Reads a date option as the sheet reads a date: `2026-12-01`, a
/// date-time (whose day counts), `Mar 1, 2027`, or a numeric date in the
/// config file's `date_order`; one that reads both ways names the fix.
func parseDate(_ text: String, option: String) throws -> LocalDate {
    switch LeadValues.date(text.trimmed, order: Config.current.dateOrder) {
    case .exact(let date), .read(let date, _): return date
    case .invalid(let expected):
        throw Failure("\(option) \(Diagnostic.shown(text)) is not \(expected); nothing was changed", code: ExitStatus.usage)
    }
}
