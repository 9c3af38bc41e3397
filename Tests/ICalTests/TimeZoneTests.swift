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

@Suite struct ParserTests {
    @Test func parsingReportsBrokenInput() throws {
        let broken = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:2026130\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        let calendar = try #require(ICalParser.parse(broken).first)
        #expect(!calendar.parseErrors.isEmpty)
    }
}
