import ArgumentParser
import FollowUp
import Foundation
import LeadStore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a lead store (SQLite).",
        discussion: """
            Creates an empty store at PATH (default: $FOLLOWUP_STORE, else leads.sqlite in this folder). \
            An existing file is never overwritten.

            Examples:
              followup init
              followup init ~/sales/leads.sqlite && export FOLLOWUP_STORE=~/sales/leads.sqlite
            """
    )

    @Argument(help: ArgumentHelp("Where to create the store.", valueName: "path"))
    var path: String = defaultStorePath

    @Option(
        help: ArgumentHelp(
            "Permissions of the store and its -wal and -shm files, in octal: 600 (the default) lets only their owner read them.", valueName: "mode"))
    var mode: String = "600"

    func validate() throws { try FileModeOption.validate(mode) }

    func run() throws {
        // `followup init ~/sales/leads.sqlite` in a new folder: make it (owner-only, as the store is).
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw LeadStoreError("\(path): cannot create its folder \(folder): \(error.localizedDescription)")
            }
        }
        _ = try SQLiteStore.create(at: path, mode: FileModeOption.parse(mode) ?? 0o600)
        print("Created the lead store \(path). Next: followup add --name \"…\" --store \(path), or followup import SHEET.csv --store \(path)")
    }
}
