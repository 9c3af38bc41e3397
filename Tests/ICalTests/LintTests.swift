import ICal
import Foundation
import Testing

/// A clean calendar as the feeds write it: a zone, an event with an alarm, a task.
func cleanCalendar() throws -> String {
    let zone = "Europe/Berlin"
    var todo = ICalTodo(
        common: ICalCommon(
            uid: "t1@test", stamp: CivilDateTime(year: 2026, month: 11, day: 1), summary: "Task, with comma",
            description: "Line one\nLine two; three", categories: ["Follow-up", "Cadence"], priority: 5),
        start: .zoned(CivilDateTime(year: 2026, month: 12, day: 2, hour: 9, minute: 30), tzid: zone),
        due: .zoned(CivilDateTime(year: 2026, month: 12, day: 4, hour: 17), tzid: zone))
    todo.common.organizer = ICalOrganizer(name: "Alice", address: "mailto:alice@example.com")
    var item = event(
        start: .zoned(CivilDateTime(year: 2026, month: 12, day: 2, hour: 9, minute: 30), tzid: zone),
        end: .zoned(CivilDateTime(year: 2026, month: 12, day: 2, hour: 9, minute: 45), tzid: zone))
    item.common.organizer = ICalOrganizer(name: "Alice", address: "mailto:alice@example.com")
    return try calendarText(
        zones: [TimeZoneCatalog().vtimezone(for: zone, years: 2026...2026)],
        components: [ICalSerializer.serialize(item), ICalSerializer.serialize(todo)])
}

func lint(_ text: String) -> [ICalLintProblem] { ICalLint.check(Array(text.utf8)) }

func lineNumber(of prefix: String, in text: String) -> Int {
    (text.components(separatedBy: "\r\n").firstIndex { $0.hasPrefix(prefix) } ?? -1) + 1
}

@Suite struct LintTests {
    @Test func aFeedAsWeWriteItIsClean() throws {
        #expect(lint(try cleanCalendar()) == [])
    }

    @Test(arguments: [
        // (what is broken, text to replace, replacement, expected message, line of)
        ("no UID", "UID:u1@test\r\n", "", "VEVENT has no UID", "BEGIN:VEVENT"),
        (
            "no DTSTAMP", "DTSTAMP:20261101T000000Z\r\nDTSTART;TZID=Europe/Berlin:20261202T093000", "DTSTART;TZID=Europe/Berlin:20261202T093000",
            "VEVENT has no DTSTAMP", "BEGIN:VEVENT"
        ),
        ("shared UID", "UID:t1@test", "UID:u1@test", "UID u1@test is also the UID of the component on line", "BEGIN:VTODO"),
        ("unknown TZID", "DUE;TZID=Europe/Berlin", "DUE;TZID=Mars/Base", "DUE names TZID Mars/Base, which has no VTIMEZONE", "DUE;"),
        ("floating time", "DTEND;TZID=Europe/Berlin:20261202T094500", "DTEND:20261202T094500", "DTEND is a floating time", "DTEND"),
        ("due before start", "DUE;TZID=Europe/Berlin:20261204T170000", "DUE;TZID=Europe/Berlin:20261201T170000", "DUE is before DTSTART", "BEGIN:VTODO"),
        (
            "impossible date", "DTEND;TZID=Europe/Berlin:20261202T094500", "DTEND;TZID=Europe/Berlin:20260230T094500",
            "DTEND value \"20260230T094500\" is not a real DATE", "DTEND"
        ),
        (
            "comma in a category", "CATEGORIES:Follow-up,Cadence", "CATEGORIES:Sales\\, EMEA", "CATEGORIES has a comma inside a category name",
            "CATEGORIES:Sales"
        ),
        ("unescaped comma", "SUMMARY:Task\\, with comma", "SUMMARY:Task, with comma", "SUMMARY has an unescaped \",\"", "SUMMARY:Task"),
        ("alarm without trigger", "TRIGGER:-PT15M\r\n", "", "VALARM has no TRIGGER", "BEGIN:VALARM"),
        ("bad RRULE", "SEQUENCE:2\r\n", "SEQUENCE:2\r\nRRULE:FREQ=QUARTERLY\r\n", "libical: Can't parse as RECUR value", "BEGIN:VEVENT"),
        (
            "missing ORGANIZER under METHOD:PUBLISH", "ORGANIZER;CN=Alice:mailto:alice@example.com\r\nSTATUS:NEEDS-ACTION", "STATUS:NEEDS-ACTION",
            "libical restriction: Failed iTIP restrictions for ORGANIZER", "BEGIN:VTODO"
        ),
    ])
    func eachProblemIsFoundAtItsLine(_ what: String, _ target: String, _ replacement: String, _ message: String, _ lineOf: String) throws {
        let clean = try cleanCalendar()
        #expect(clean.contains(target), "the clean calendar lacks \(target)")
        let broken = clean.replacingOccurrences(of: target, with: replacement)
        let problems = lint(broken)
        let expectedLine = lineNumber(of: lineOf, in: broken)
        #expect(
            problems.contains { $0.message.hasPrefix(message) && $0.line == expectedLine },
            "\(what): expected \"\(message)\" on line \(expectedLine), got \(problems)")
    }

    @Test func octetRulesFindBareLineFeedsLongLinesAndBadUTF8() throws {
        let clean = try cleanCalendar()
        let bare = lint(clean.replacingOccurrences(of: "\r\n", with: "\n"))
        #expect(bare.contains { $0.line == 1 && $0.message.contains("lines end with a bare LF") })
        let long = clean.replacingOccurrences(of: "SUMMARY:Call", with: "SUMMARY:" + String(repeating: "x", count: 80))
        #expect(lint(long).contains { $0.message.contains("octets long") && $0.line == lineNumber(of: "SUMMARY:xxx", in: long) })
        var bytes = Array(clean.utf8)
        let summary = try #require(clean.range(of: "SUMMARY:Call"))
        bytes.insert(0xFF, at: clean.utf8.distance(from: clean.utf8.startIndex, to: summary.upperBound))
        #expect(ICalLint.check(bytes).contains { $0.message.contains("not valid UTF-8") })
    }
}

@Suite struct LongLineTests {
    /// libical's line reader takes time quadratic in a physical line's
    /// length; lines are folded before it sees them, which changes nothing
    /// it reads.
    @Test(arguments: [80, 5_000, 2_000_000])
    func aLongLineReadsAsItsFoldedSelf(_ length: Int) throws {
        let value = String(repeating: "Zoë 東京 ", count: length / 12 + 1) + "end"
        func calendar(_ description: String) -> String {
            [
                "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//t//EN", "BEGIN:VEVENT", "UID:a@t", "DTSTAMP:20261201T000000Z",
                "DTSTART:20261201T100000Z", description, "END:VEVENT", "END:VCALENDAR", "",
            ].joined(separator: "\r\n")
        }
        let long = calendar("DESCRIPTION:" + value)
        let parsed = try ICalParser.parse(long)
        let event = try #require(parsed.first?.components.first { $0.kind == "VEVENT" })
        #expect(event.properties.first { $0.name == "DESCRIPTION" }?.value == value)
        // Linted, the long line is reported once, at its line, and nothing else.
        #expect(lint(long).map(\.line) == [8])
    }
}
