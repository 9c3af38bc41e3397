import FollowUp
import Foundation
import Testing

@Suite struct LocalDateTests {
    @Test(arguments: [
        ("1970-01-01", 4), ("2026-11-29", 7), ("2026-12-01", 2), ("2000-02-29", 2), ("2027-03-15", 1), ("1969-12-31", 3),
    ])
    func weekdays(_ text: String, _ weekday: Int) throws {
        #expect(try #require(LocalDate(iso: text)).weekday == weekday)
    }

    @Test(arguments: ["2026-02-30", "2026-13-01", "2026-1-01", "2026/01/01", "26-01-01", "2026-01-01T10:00", "", "2025-02-29", "abcd-ef-gh"])
    func rejectsWhatIsNotACalendarDate(_ text: String) {
        #expect(LocalDate(iso: text) == nil)
    }

    @Test func agreesWithFoundationOverTwoCenturies() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for days in stride(from: -40_000, through: 40_000, by: 37) {
            let date = LocalDate(daysSinceEpoch: days)
            let parts = calendar.dateComponents([.year, .month, .day, .weekday],
                                                from: Date(timeIntervalSince1970: Double(days) * 86_400))
            #expect(date.year == parts.year && date.month == parts.month && date.day == parts.day)
            #expect(LocalDate(iso: date.description) == date)
            // Foundation: 1 is Sunday.
            #expect(date.weekday % 7 == (parts.weekday! - 1))
        }
    }

    @Test func monthDayAndTime() {
        #expect(MonthDay("04-01")?.month == 4)
        #expect(MonthDay("02-29") != nil)
        #expect(MonthDay("02-30") == nil)
        #expect(MonthDay("4-1") == nil)
        #expect(TimeOfDay("09:30")?.minutesSinceMidnight == 570)
        #expect(TimeOfDay("24:00") == nil)
    }

    @Test func businessDays() throws {
        let calendar = BusinessCalendar(holidays: [LocalDate(iso: "2026-12-25")!: "Christmas Day"])
        let friday = try #require(LocalDate(iso: "2026-12-04"))
        #expect(calendar.nextBusinessDay(after: friday) == LocalDate(iso: "2026-12-07"))
        #expect(calendar.adding(businessDays: 2, to: friday) == LocalDate(iso: "2026-12-08"))
        #expect(calendar.firstBusinessDay(onOrAfter: LocalDate(iso: "2026-12-25")!) == LocalDate(iso: "2026-12-28"))
        #expect(calendar.firstBusinessDay(onOrAfter: friday) == friday)
    }
}

@Suite struct PlanningNowTests {
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

    @Test func todayDependsOnTheLeadsZone() throws {
        let planner = try Planner(defaultTimeZone: "UTC", now: PlanningNow.parse("2026-12-01T03:00:00Z", zone: "UTC")!)
        #expect(planner.today(in: "America/New_York") == LocalDate(iso: "2026-11-30"))
        #expect(planner.today(in: "Asia/Tokyo") == LocalDate(iso: "2026-12-01"))
        #expect(planner.today(in: "UTC") == LocalDate(iso: "2026-12-01"))
    }
}
