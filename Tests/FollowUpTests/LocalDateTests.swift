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
            let parts = calendar.dateComponents(
                [.year, .month, .day, .weekday],
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

    /// Holidays are kept as bits: every day, in and around a spread of
    /// holidays wider than one word, answers as the named days say.
    @Test func holidaysAcrossManyWeeks() throws {
        let start = try #require(LocalDate(iso: "2026-11-20"))
        let days = [0, 1, 5, 63, 64, 65, 127, 200].map { start.adding(days: $0) }
        let holidays = Dictionary(uniqueKeysWithValues: days.enumerated().map { ($0.element, "Day off \($0.offset)") })
        let calendar = BusinessCalendar(workingWeekdays: [1, 2, 3, 4, 5, 6], holidays: holidays)
        for offset in -70...280 {
            let day = start.adding(days: offset)
            let weekend = day.weekday == 7
            #expect(calendar.isBusinessDay(day) == (!weekend && holidays[day] == nil), "\(day)")
            #expect(calendar.dayOff(day) == holidays[day].map { .holiday($0) } ?? (weekend ? .weekend : nil), "\(day)")
        }
        #expect(calendar.firstBusinessDay(onOrAfter: start) == start.adding(days: 3), "Friday and Saturday off, then Sunday")
        #expect(calendar.lastBusinessDay(onOrBefore: start.adding(days: 1)) == start.adding(days: -1))
        // A calendar with no working day left gives up after a year.
        var every = BusinessCalendar(workingWeekdays: [1])
        every.holidays = Dictionary(uniqueKeysWithValues: (0..<400).map { (start.adding(days: $0), "") })
        #expect(every.firstBusinessDay(onOrAfter: start) == start.adding(days: 366))
    }

    @Test func descriptionsOfAnyYear() throws {
        #expect(try #require(LocalDate(year: 999, month: 1, day: 5)).description == "0999-01-05")
        #expect(try #require(LocalDate(year: 9999, month: 12, day: 31)).description == "9999-12-31")
        #expect(try #require(LocalDate(year: 10_000, month: 1, day: 1)).description == "10000-01-01")
        #expect(try #require(LocalDate(year: 1, month: 10, day: 10)).description == "0001-10-10")
    }

    @Test(arguments: [
        ("plain", "plain"), ("  padded\t", "padded"), ("line\r\n", "line"), ("\u{00A0}nbsp\u{2003}", "nbsp"),
        ("", ""), ("   ", ""), ("é ", "é"), ("\u{85}x", "x"), ("a b", "a b"), ("\u{1F}x", "\u{1F}x"),
    ])
    func trimming(_ text: String, _ expected: String) {
        #expect(text.trimmed == expected)
        #expect(text[...].trimmed == expected)
    }

    @Test(arguments: [("Ann Lee", "Ann"), ("  Bo   Diddley", "Bo"), ("Zoë", "Zoë"), ("", ""), ("   ", "   "), ("李 小龍", "李")])
    func firstNames(_ name: String, _ expected: String) {
        #expect(Lead(id: "1", name: name, owner: "o").firstName == expected)
    }
}

@Suite struct PlanningNowTests {
    @Test func todayDependsOnTheLeadsZone() throws {
        let planner = try Planner(defaultTimeZone: "UTC", now: .instant(Date(timeIntervalSince1970: 1_796_094_000)))  // 2026-12-01T03:00:00Z
        #expect(planner.today(in: "America/New_York") == LocalDate(iso: "2026-11-30"))
        #expect(planner.today(in: "Asia/Tokyo") == LocalDate(iso: "2026-12-01"))
        #expect(planner.today(in: "UTC") == LocalDate(iso: "2026-12-01"))
    }
}
