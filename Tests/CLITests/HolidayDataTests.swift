import Foundation
import Testing

/// The holiday and zone tables are generated, never typed: running the
/// generator again (with the pinned `holidays` package that
/// scripts/install-deps puts in .build/holidays-venv) gives the committed files.
@Suite struct HolidayDataTests {
    static let python = packageRoot.appendingPathComponent(".build/holidays-venv/bin/python")
    static let tables = packageRoot.appendingPathComponent("Sources/FollowUp/Holidays")

    @Test func regeneratingTheTablesGivesTheCommittedOnes() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python.path) else {
            Issue.record("no \(Self.python.path): run scripts/install-deps, which installs the pinned holidays package there")
            return
        }
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try await run(Self.python, ["scripts/holidays/generate.py", "--out", out.path], in: packageRoot)
        #expect(result.status == 0, "\(result.stderr)")
        let holidays = "HolidayTable.generated.swift"
        let fresh = try Data(contentsOf: out.appendingPathComponent(holidays))
        #expect(fresh == (try Data(contentsOf: Self.tables.appendingPathComponent(holidays))), "run scripts/holidays/generate.py and commit")
        #expect(fresh.count > 100_000, "a table of every country's holidays")
        // The zone table follows the machine's tzdata: it is compared when the versions match.
        let zones = "ZoneCountries.generated.swift"
        let freshZones = try String(contentsOf: out.appendingPathComponent(zones), encoding: .utf8)
        let committed = try String(contentsOf: Self.tables.appendingPathComponent(zones), encoding: .utf8)
        func version(_ text: String) -> Substring? { text.split(separator: "\n").first { $0.contains("from tzdata") } }
        if version(freshZones) == version(committed) {
            #expect(freshZones == committed)
        }
        #expect(committed.contains("Europe/Berlin\tDE"))
    }
}
