import Foundation
import ICal
import Testing

@Suite struct TimeZoneTests {
    @Test(arguments: ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo", "Europe/Dublin"])
    func vtimezoneHasPlainIANANameAndIsTrimmed(_ zone: String) throws {
        let catalog = TimeZoneCatalog()
        let text = String(decoding: try catalog.vtimezone(for: zone, years: 2026...2027), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.first == "BEGIN:VTIMEZONE")
        #expect(lines.contains("TZID:\(zone)"))
        #expect(!text.contains("freeassociation"))
        #expect(!text.contains("TZUNTIL"), "TZUNTIL is RFC 7808, not RFC 5545")
        // Trimmed: no observance starts before the day before the first year.
        let years = lines.filter { $0.hasPrefix("DTSTART:") || $0.hasPrefix("RDATE") }
            .compactMap { Int($0.split(separator: ":").last!.prefix(4)) }
        #expect(!years.isEmpty)
        #expect(years.allSatisfy { (2025...2028).contains($0) }, "years \(years)")
        // Every onset is an observance's DTSTART, in local time: Thunderbird's
        // ical.js skips the DTSTART of an observance that has RDATEs.
        #expect(!lines.contains { $0.hasPrefix("RDATE") })
        #expect(!lines.contains { $0.hasPrefix("DTSTART") && $0.hasSuffix("Z") })
        #expect(lines.count < 60, "\(lines.count) lines: not trimmed")
    }

    @Test func utcUnderEveryNameIsUTCAndNoRealZoneIs() {
        for name in ["UTC", "Etc/UTC", "UCT", "Etc/Universal", "Zulu", "GMT", "Etc/GMT", "Etc/GMT+0", "GMT-0", "Greenwich"] {
            #expect(TimeZoneCatalog.isUTC(name), "\(name)")
        }
        for name in ["Europe/London", "Africa/Abidjan", "Etc/GMT+1", "Atlantic/Reykjavik", "utc", ""] {
            #expect(!TimeZoneCatalog.isUTC(name), "\(name)")
        }
    }

    @Test func unknownZoneIsAnError() {
        let catalog = TimeZoneCatalog()
        #expect(!catalog.knows("Mars/Olympus_Mons"))
        #expect(throws: ICalError.self) { try catalog.vtimezone(for: "Mars/Olympus_Mons", years: 2026...2026) }
        #expect(catalog.knows("America/New_York"))
        #expect(catalog.knows("America/Argentina/Buenos_Aires"))
        #expect(catalog.knows("Etc/GMT+5"))
        #expect(catalog.knows("UTC"))
        for name in ["../../etc/passwd", "/etc/localtime", "America/../Europe/Berlin", "", "America//New_York", "Europe/Berlin\n"] {
            #expect(!catalog.knows(name), "\(name)")
        }
    }

    /// libical, reading the feed with its own trimmed VTIMEZONE, must find the
    /// same instants as Foundation's zone rules, on both sides of each change.
    @Test(arguments: [
        ("America/New_York", 2026, 3, 6), ("America/New_York", 2026, 3, 9), ("America/New_York", 2026, 10, 30),
        ("America/New_York", 2026, 11, 2), ("America/New_York", 2027, 3, 15), ("America/New_York", 2027, 11, 8),
        ("Europe/Berlin", 2026, 3, 27), ("Europe/Berlin", 2026, 3, 30), ("Europe/Berlin", 2026, 10, 26),
        ("Australia/Sydney", 2026, 4, 3), ("Australia/Sydney", 2026, 4, 6), ("Australia/Sydney", 2026, 10, 5),
        ("Europe/Dublin", 2026, 3, 30), ("Europe/Dublin", 2027, 1, 4), ("Asia/Kolkata", 2027, 6, 1),
    ])
    func localTimesResolveToTheRightInstantAcrossDaylightSaving(_ zone: String, _ year: Int, _ month: Int, _ day: Int) throws {
        let catalog = TimeZoneCatalog()
        let local = CivilDateTime(year: year, month: month, day: day, hour: 9, minute: 30)
        let text = try calendarText(
            zones: [catalog.vtimezone(for: zone, years: 2026...2027)],
            components: [
                ICalSerializer.serialize(
                    event(
                        start: .zoned(local, tzid: zone),
                        end: .zoned(local, tzid: zone)))
            ])
        let resolved = try #require(ICalParser.resolvedTimes(text).first)

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: zone))
        let expected = try #require(calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 9, minute: 30)))
        #expect(resolved.start == Int(expected.timeIntervalSince1970))
    }
}

/// Each zone's rule written as the yearly RRULE Outlook, Thunderbird and
/// libical's own zones write, and every time of the span still the instant
/// Foundation's rules give.
@Suite struct YearlyRuleTests {
    static let zones = [
        "America/New_York", "America/Chicago", "America/Los_Angeles", "America/St_Johns", "America/Havana", "America/Santiago",
        "America/Sao_Paulo", "Europe/London", "Europe/Dublin", "Europe/Berlin", "Europe/Helsinki", "Africa/Casablanca", "Asia/Jerusalem",
        "Asia/Tehran", "Asia/Kolkata", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Chatham",
    ]

    static func observances(_ text: String) -> [[String]] {
        var result: [[String]] = [], current: [String]?
        for line in text.components(separatedBy: "\r\n") {
            if line == "BEGIN:STANDARD" || line == "BEGIN:DAYLIGHT" {
                current = [line]
            } else if line.hasPrefix("END:STANDARD") || line.hasPrefix("END:DAYLIGHT") {
                result.append(current ?? [])
                current = nil
            } else {
                current?.append(line)
            }
        }
        return result
    }

    @Test(arguments: ["America/New_York", "Europe/Berlin", "Europe/London", "Australia/Sydney", "Pacific/Auckland", "America/Chicago"])
    func aZoneWithARuleIsOneStandardAndOneDaylightWithAYearlyRule(_ zone: String) throws {
        let text = String(decoding: try TimeZoneCatalog().vtimezone(for: zone, years: 2026...2028), as: UTF8.self)
        let observances = Self.observances(text)
        // MS-OXCICAL 2.1.3.1.1.19: one STANDARD and at most one DAYLIGHT, each with one BYDAY occurrence.
        #expect(observances.filter { $0.first == "BEGIN:STANDARD" }.count == 1, "\(text)")
        #expect(observances.filter { $0.first == "BEGIN:DAYLIGHT" }.count == 1, "\(text)")
        for observance in observances {
            let rule = try #require(observance.first { $0.hasPrefix("RRULE:") }, "\(observance)")
            #expect(rule.hasPrefix("RRULE:FREQ=YEARLY;") && !rule.contains("UNTIL"), "\(rule)")
            let byday = try #require(rule.split(separator: ";").first { $0.hasPrefix("BYDAY=") })
            #expect(!byday.contains(","), "one weekday: \(rule)")
            // The rule starts before the span, so its first day is covered.
            let start = try #require(observance.first { $0.hasPrefix("DTSTART:") })
            #expect(start < "DTSTART:20260101", "\(start)")
        }
        #expect(!text.contains("RDATE"))
    }

    @Test func zonesWithNoRuleOrNoWeekdayRuleKeepOneObservancePerOnset() throws {
        let catalog = TimeZoneCatalog()
        // No daylight saving time: one observance, no rule.
        let kolkata = Self.observances(String(decoding: try catalog.vtimezone(for: "Asia/Kolkata", years: 2026...2027), as: UTF8.self))
        #expect(kolkata.count == 1 && !kolkata[0].contains { $0.hasPrefix("RRULE") }, "\(kolkata)")
        // Morocco's hour moves around Ramadan: dates no weekday rule gives.
        let casablanca = String(decoding: try catalog.vtimezone(for: "Africa/Casablanca", years: 2026...2027), as: UTF8.self)
        #expect(!casablanca.contains("RRULE") && Self.observances(casablanca).count > 2, "\(casablanca)")
    }

    /// 09:30 and 02:30 on every day of two years, in each zone, read back by
    /// libical through the feed's own VTIMEZONE, against Foundation.
    @Test(arguments: zones)
    func everyDayOfTheSpanIsTheInstantFoundationGives(_ zone: String) throws {
        let catalog = TimeZoneCatalog()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: zone))
        var components: [[UInt8]] = [], expected: [Int] = []
        var day = try #require(calendar.date(from: DateComponents(year: 2026, month: 1, day: 1, hour: 12)))
        while calendar.component(.year, from: day) < 2028 {
            let parts = calendar.dateComponents([.year, .month, .day], from: day)
            for hour in [2, 9] {
                let local = CivilDateTime(year: parts.year!, month: parts.month!, day: parts.day!, hour: hour, minute: 30)
                let wanted = try #require(calendar.date(from: DateComponents(year: parts.year!, month: parts.month!, day: parts.day!, hour: hour, minute: 30)))
                // A time that does not exist (skipped by a change) or exists twice (readers pick either) is no test of the rules.
                let back = calendar.dateComponents([.hour, .minute], from: wanted)
                let twice = [-3_600, -1_800, 1_800, 3_600].contains {
                    calendar.dateComponents([.hour, .minute], from: wanted.addingTimeInterval(TimeInterval($0))) == back
                }
                guard back.hour == hour, back.minute == 30, !twice else { continue }
                components.append(try ICalSerializer.serialize(event(start: .zoned(local, tzid: zone), end: .zoned(local, tzid: zone))))
                expected.append(Int(wanted.timeIntervalSince1970))
            }
            day = day.addingTimeInterval(86_400)
        }
        let text = try calendarText(zones: [catalog.vtimezone(for: zone, years: 2026...2027)], components: components)
        let resolved = try ICalParser.resolvedTimes(text).map(\.start)
        #expect(resolved.count == expected.count)
        let wrong = zip(resolved, expected).enumerated().filter { $0.element.0 != $0.element.1 }
        let first = wrong.first.map { Date(timeIntervalSince1970: TimeInterval($0.element.1)).description } ?? ""
        #expect(wrong.isEmpty, "\(zone): \(wrong.count) times differ, the first at \(first)")
    }
}

@Suite struct ParserTests {
    @Test func parsingReportsBrokenInput() throws {
        let broken = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:2026130\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        let calendar = try #require(ICalParser.parse(broken).first)
        #expect(!calendar.parseErrors.isEmpty)
    }
}
