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
