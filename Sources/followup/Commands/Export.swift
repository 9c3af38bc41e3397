import ArgumentParser
import FollowUp
import Foundation
import LeadStore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every lead of the store as a lead sheet.",
        discussion:
            "The sheet imports back to the same leads and plans the same touchpoints. `-` writes it to standard output.\n\nExamples:\n  followup export leads.csv\n  followup export - | head"
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: ArgumentHelp("The sheet to write, or - for standard output.", valueName: "sheet.csv")) var sheet: String

    @Option(help: ArgumentHelp("Permissions of the sheet, in octal: 600 (the default) lets only its owner read it.", valueName: "mode"))
    var mode: String = "600"

    func validate() throws { try FileModeOption.validate(mode) }

    func run() throws {
        let leads = try options.open().leads()
        if sheet == "-" {
            FileHandle.standardOutput.write(Data(try LeadSheetWriter.bytes(of: leads, name: "standard output")))
            return
        }
        try LeadSheetWriter.write(leads, to: sheet, mode: FileModeOption.parse(mode) ?? 0o600)
        print("\(sheet): \(count(leads.count, "lead")) written")
    }
}
