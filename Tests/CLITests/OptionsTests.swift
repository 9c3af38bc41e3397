import FollowUp
import Foundation
import Testing
@testable import followup

/// `--now` is read at the edge: the domain gets a `PlanningNow`.
@Suite struct NowOptionTests {
    @Test func parsesDatesAndDateTimes() throws {
        #expect(PlanningNow.parse("2026-12-01", zone: "UTC") == .date(LocalDate(iso: "2026-12-01")!))
        let utc = try #require(PlanningNow.parse("2026-12-01T03:00:00Z", zone: "UTC"))
        #expect(utc == .instant(Date(timeIntervalSince1970: 1_796_094_000)))
        #expect(PlanningNow.parse("2026-12-01T04:00:00+01:00", zone: "UTC") == utc)
        // No zone: read in the default zone (New York is UTC-5 in December).
        #expect(PlanningNow.parse("2026-11-30T22:00", zone: "America/New_York") == utc)
        #expect(PlanningNow.parse("2026-11-30T22:00:00", zone: "America/New_York") == utc)
        for bad in ["yesterday", "2026-12-32", "2026-12-01T25:00", "2026-12-01T10"] {
            #expect(PlanningNow.parse(bad, zone: "UTC") == nil, "\(bad)")
        }
    }

    @Test func todayOfADateTimeIsItsDayInTheZone() throws {
        let option = try NowOption.parse(["--now", "2026-12-01T03:00:00Z"])
        #expect(option.today(zone: "America/New_York") == LocalDate(iso: "2026-11-30"))
        #expect(option.today(zone: "Asia/Tokyo") == LocalDate(iso: "2026-12-01"))
        #expect(throws: (any Error).self) { try NowOption.parse(["--now", "soon"]) }
    }
}
