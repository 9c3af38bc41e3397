import ArgumentParser
import FollowUp
import Foundation
import LeadStore

struct Undo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reverse the last change to the store (log, next, done, snooze, close, edit, reassign, add, import, delete).",
        discussion: """
            Each capture command keeps, in the same transaction as its change, the leads it \
            changed as they were; `undo` puts them back, history and all. A second `undo` goes \
            one further back. The last \(SQLiteStore.journalLength) changes are kept.

            Examples:
              followup undo
              followup undo --list
            """
    )

    @OptionGroup var options: StoreOptions
    @Flag(help: "List what can be undone, newest first, instead of undoing.") var list = false
    @Flag(help: "With --list: print JSON.") var json = false

    func run() throws {
        let store = try options.open()
        if list {
            let entries = try store.journalEntries()
            if json {
                try printJSON(entries.map { UndoJSON(at: $0.at, command: $0.command, summary: $0.summary, leads: $0.leads) })
                return
            }
            if entries.isEmpty {
                print("Nothing to undo.")
                return
            }
            for (index, entry) in entries.enumerated() {
                print(Diagnostic.shownPlain("\(index + 1). \(entry.at)  \(entry.summary)", limit: 300))
            }
            return
        }
        guard let entry = try store.undo() else { throw Failure("nothing to undo: no change is kept in \(options.store)") }
        print(Diagnostic.shownPlain("Undone: \(entry.summary) (made \(entry.at))", limit: 400))
        if let next = try store.journalEntries(limit: 1).first {
            print(Diagnostic.shownPlain("The next `followup undo` reverses: \(next.summary)", limit: 400))
        }
    }
}

private struct UndoJSON: Encodable {
    var at, command, summary: String
    var leads: [String]
}

struct Delete: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete a lead and its history (`followup undo` brings them back).",
        discussion: """
            Asks first on a terminal; --yes for scripts.

            Examples:
              followup delete L0007
              followup delete L0007 --yes
            """
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: ArgumentHelp("The lead's id.", valueName: "lead")) var lead: String
    @Flag(help: "Delete without asking.") var yes = false

    func run() throws {
        let store = try options.open()
        let found = try store.lead(lead)
        if !yes {
            guard isatty(STDIN_FILENO) == 1 else {
                throw Failure(
                    "delete \(found.id): give --yes to delete without asking (standard input is not a terminal); nothing was changed", code: ExitStatus.usage)
            }
            let touches = try store.touches(of: found.id).count
            FileHandle.standardError.write(
                Data(
                    Diagnostic.shownPlain(
                        "Delete \(found.id) \(found.name)\(found.company.map { " (\($0))" } ?? "") and its history (\(count(touches, "touch", plural: "touches")))? [y/N] ",
                        limit: 400
                    ).utf8))
            guard let answer = readLine(), ["y", "yes"].contains(answer.trimmed.lowercased()) else {
                print("Nothing was deleted.")
                return
            }
        }
        let deleted = try store.delete(found.id, now: options.stamp)
        print(Diagnostic.shownPlain("Deleted \(deleted.id) \(deleted.name); `followup undo` brings it back.", limit: 400))
    }
}

struct Sheet: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a blank lead sheet: the header and one example row.",
        discussion: """
            Open it in a spreadsheet, replace the example with your leads (only id and name are \
            required), and save it as CSV UTF-8.

            Example:
              followup sheet --template > leads.csv
            """
    )

    @Flag(help: "Write the template (the header and one example row) to standard output.") var template = false

    func validate() throws {
        guard template else { throw ValidationError("Give --template (`followup sheet --template > leads.csv`).") }
    }

    func run() throws {
        FileHandle.standardOutput.write(Data(try LeadSheetWriter.bytes(of: [Self.example], name: "standard output")))
    }

    static let example = Lead(
        id: "L0001", name: "Dana Kowalski", company: "Wisła Logistics", email: "dana@wisla.example", phone: "+48 22 555 0100",
        owner: "Alice Martin", timeZone: "Europe/Warsaw", status: .new,
        fiscalYearStart: MonthDay("04-01"), launchDate: LocalDate(iso: "2027-05-15"),
        events: [LeadEvent(date: LocalDate(iso: "2027-03-10")!, name: "Hannover Messe")],
        notes: "Needs board approval in Q1", country: "PL")
}
