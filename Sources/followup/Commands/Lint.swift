import ArgumentParser
import Foundation
import ICal

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check iCalendar files: libical's parser and restriction checks, plus feed hygiene.",
        discussion: """
            Checks any .ics file, followup's or another tool's, and prints FILE:LINE: problem
            for each problem found: what libical's parser and its RFC 5545/5546 restriction
            tables report, a component without UID or DTSTAMP, a UID used twice, a TZID with
            no VTIMEZONE, a floating time, DUE or DTEND before DTSTART, a comma inside a
            category name, lines over 75 octets, line ends other than CRLF, text that is not
            UTF-8. The exit status is 1 when any problem is found.

            Examples:
              followup lint feeds/*.ics
              followup lint ~/Downloads/holidays.ics
            """
    )

    @Argument(help: ArgumentHelp("The .ics files to check.", valueName: "file"))
    var files: [String]

    @Flag(help: "Print only the problems, no summary.")
    var quiet = false

    func run() throws {
        var problems = 0
        var unreadable = 0
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("\(file): cannot read the file")
                unreadable += 1
                continue
            }
            for problem in ICalLint.check(Array(data)) {
                print("\(file):\(problem.line): \(problem.message)")
                problems += 1
            }
        }
        if !quiet {
            printError(
                "followup lint: \(problems) problem\(problems == 1 ? "" : "s") in \(files.count) file\(files.count == 1 ? "" : "s")"
                    + (unreadable > 0 ? ", \(unreadable) unreadable" : ""))
        }
        if problems > 0 || unreadable > 0 { throw ExitCode.failure }
    }
}
