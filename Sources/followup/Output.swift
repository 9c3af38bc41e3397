import ArgumentParser
import Feeds
import FollowUp
import Foundation
import Generation
import LeadStore
import Playbooks
import Publish

/// The exit statuses beyond 0 and 1 (sysexits.h).
enum ExitStatus {
    /// The command line is wrong (EX_USAGE).
    static let usage: Int32 = 64
    /// Some rows were rejected (EX_DATAERR).
    static let rowsRejected: Int32 = 65
    /// Another run holds the output folder (EX_TEMPFAIL).
    static let locked: Int32 = 75
}

/// A failure of the command line itself that the user can act on: one
/// line on stderr and an exit status.
struct Failure: Error, CustomStringConvertible {
    let description: String
    let code: Int32
    init(_ description: String, code: Int32 = 1) {
        self.description = description
        self.code = code
    }
}

/// The one place an error becomes what the user sees: `followup: error:`
/// and its message, and the exit status. nil for ArgumentParser's own
/// (usage errors, help, an `ExitCode` a command chose), which it reports.
func failureReport(_ error: Error) -> (message: String, status: Int32)? {
    switch error {
    case let error as Failure: (error.description, error.code)
    case let error as GenerateError: (error.description, exitStatus(of: error.kind))
    case let error as FeedError: (error.description, error.kind == .locked ? ExitStatus.locked : 1)
    case let error as LeadStoreError: (error.description, 1)
    case let error as PlaybookError: (error.description, 1)
    case let error as PlanError: (error.description, 1)
    case let error as PublishError: (error.description, 1)
    default: nil
    }
}

private func exitStatus(of kind: GenerateError.Kind) -> Int32 {
    switch kind {
    case .locked: ExitStatus.locked
    case .rowsRejected: ExitStatus.rowsRejected
    case .store, .write: 1
    }
}

func printError(_ line: String) {
    // A message can hold what a person typed or a file held (a lead id, a
    // path, a value): no control character reaches the terminal, and no
    // line is megabytes long.
    let safe = line.split(separator: "\n", omittingEmptySubsequences: false)
        .map { Diagnostic.shownPlain(String($0), limit: 4_000) }.joined(separator: "\n")
    FileHandle.standardError.write(Data((safe + "\n").utf8))
}

/// A progress line on a terminal, rewritten in place; silent otherwise.
struct ProgressLine: Sendable {
    let enabled: Bool

    func show(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2Kfollowup: \(text)…".utf8))
    }

    func clear() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}

/// "1 lead", "2 leads": a count and its noun.
func count(_ number: Int, _ noun: String, plural: String? = nil) -> String {
    "\(number) \(number == 1 ? noun : plural ?? noun + "s")"
}

/// Whether standard output is a terminal that takes colour (no NO_COLOR).
var stdoutTakesColour: Bool { isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }

/// JSON of `value` on standard output: sorted keys, one document.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    FileHandle.standardOutput.write(try encoder.encode(value) + Data([0x0A]))
}

/// Columns of text padded to line up, cut to a width. Written here, not
/// taken from a table library: a few padded columns, and the one rule
/// that matters (no wrapped rows) is ours.
struct TextTable {
    /// Each row's cells, already made safe for a terminal.
    var rows: [[String]]
    /// Columns that give up width when a row would pass `width`, most
    /// willing first, each down to its floor.
    var shrinkable: [(column: Int, floor: Int)]
    /// The widest a line may be; nil for no limit.
    var width: Int?

    /// Each column's width after shrinking.
    func widths(indent: Int = 0) -> [Int] {
        guard let first = rows.first else { return [] }
        var widths = first.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        guard let width else { return widths }
        let separators = 2 * (widths.count - 1)
        var excess = indent + widths.reduce(0, +) + separators - width
        for (column, floor) in shrinkable where excess > 0 {
            let give = min(excess, max(0, widths[column] - floor))
            widths[column] -= give
            excess -= give
        }
        return widths
    }

    /// One row's line: cells padded (the last not) and cut with "…".
    static func line(_ row: [String], widths: [Int]) -> String {
        zip(row, widths).enumerated().map { index, pair in
            let (cell, width) = pair
            let cut = cell.count > width ? String(cell.prefix(max(0, width - 1))) + "…" : cell
            return index == row.count - 1 ? cut : cut + String(repeating: " ", count: max(0, width - cut.count))
        }.joined(separator: "  ")
    }
}

/// How wide the terminal on standard output is; nil when it is not one.
var terminalWidth: Int? {
    guard isatty(STDOUT_FILENO) == 1 else { return nil }
    var size = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    return 80
}
