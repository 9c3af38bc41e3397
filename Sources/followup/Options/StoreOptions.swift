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

/// Reads a date option: `2026-12-01` (or a date-time, whose day counts).
func parseDate(_ text: String, option: String) throws -> LocalDate {
    if let date = LocalDate(iso: text.trimmed) ?? LocalDateTime(iso: text.trimmed)?.date { return date }
    throw Failure("\(option) \"\(text)\" is not a date; expected YYYY-MM-DD, such as 2026-12-01; nothing was changed", code: ExitStatus.usage)
}
