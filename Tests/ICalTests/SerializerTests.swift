import Foundation
import ICal
import Testing

/// A calendar as the feed writer streams it: header, zones, components, footer.
func calendarText(zones: [[UInt8]] = [], components: [[UInt8]]) throws -> String {
    let header = try ICalSerializer.header(ICalCalendarInfo(productID: "-//test//EN", name: "Test", refreshInterval: 3600))
    let bytes = header + zones.flatMap { $0 } + components.flatMap { $0 } + ICalSerializer.footer
    return String(decoding: bytes, as: UTF8.self)
}

func event(
    uid: String = "u1@test", summary: String = "Call", description: String = "Notes",
    start: ICalTime = .utc(CivilDateTime(year: 2026, month: 12, day: 1, hour: 9, minute: 30)),
    end: ICalTime = .utc(CivilDateTime(year: 2026, month: 12, day: 1, hour: 9, minute: 45)),
    categories: [String] = ["Follow-up"]
) -> ICalEvent {
    ICalEvent(
        common: ICalCommon(
            uid: uid, stamp: CivilDateTime(year: 2026, month: 11, day: 1), sequence: 2,
            summary: summary, description: description, categories: categories, priority: 5),
        start: start, end: end, alarms: [ICalAlarm(minutesBefore: 15, description: summary)])
}

@Suite struct EscapingTests {
    @Test func injectedLineBreakStaysInsideSummary() throws {
        let hostile = "Ann\r\nATTENDEE:mailto:evil@example.com\r\nEND:VEVENT"
        let text = try calendarText(components: [ICalSerializer.serialize(event(summary: hostile))])
        let lines = text.components(separatedBy: "\r\n")
        #expect(!lines.contains { $0.hasPrefix("ATTENDEE") })
        #expect(lines.filter { $0 == "END:VEVENT" }.count == 1)

        let calendar = try #require(ICalParser.parse(text).first)
        let parsed = try #require(calendar.components(of: "VEVENT").first)
        #expect(parsed.properties(named: "ATTENDEE").isEmpty)
        #expect(parsed.property("SUMMARY")?.value == "Ann\nATTENDEE:mailto:evil@example.com\nEND:VEVENT")
        #expect(calendar.parseErrors.isEmpty)
    }

    @Test(arguments: [
        "Comma, semicolon; backslash \\ done",
        "Quotes \"inside\" and a colon: here",
        "Tab\tand\u{1}control\u{7F}characters",
        "Zoë Müller-Łukasiewicz, Café Größe; 日本語のメモ 📞",
    ])
    func textRoundTripsThroughLibical(_ value: String) throws {
        let text = try calendarText(components: [ICalSerializer.serialize(event(description: value))])
        let parsed = try #require(ICalParser.parse(text).first?.components(of: "VEVENT").first)
        // Control characters are not allowed in TEXT: tabs become spaces, others go.
        let expected = value.replacingOccurrences(of: "\t", with: " ")
            .replacingOccurrences(of: "\u{1}", with: "").replacingOccurrences(of: "\u{7F}", with: "")
        #expect(parsed.property("DESCRIPTION")?.value == expected)
        #expect(!text.contains("\t"))
    }

    @Test func organizerNameNeverBreaksItsParameter() throws {
        var value = event()
        value.common.organizer = ICalOrganizer(name: "O'Neil, Pat \"PJ\"\r\nX: boss; y", address: "mailto:pat@example.com")
        let text = try calendarText(components: [ICalSerializer.serialize(value)])
        let parsed = try #require(ICalParser.parse(text).first?.components(of: "VEVENT").first)
        let organizer = try #require(parsed.property("ORGANIZER"))
        #expect(organizer.value == "mailto:pat@example.com")
        #expect(organizer.parameters["CN"] == "\"O'Neil, Pat 'PJ' X: boss; y\"")
        #expect(!text.contains("^"), "no RFC 6868 caret escapes, which few readers decode")
    }

    @Test func categoriesAreOneListWithoutCommasInNames() throws {
        let text = try calendarText(components: [
            ICalSerializer.serialize(
                event(categories: ["Follow-up", "Sales, EMEA", "Day 2;3"]))
        ])
        let lines = text.components(separatedBy: "\r\n").filter { $0.hasPrefix("CATEGORIES") }
        #expect(lines == ["CATEGORIES:Follow-up,Sales  EMEA,Day 2 3"])
    }
}

@Suite struct FoldingTests {
    static let longTexts = [
        String(repeating: "予算は来年度に確定する予定。", count: 20),
        String(repeating: "é", count: 300),
        String(repeating: "a", count: 500),
        "https://example.com/" + String(repeating: "x", count: 200),
        String(repeating: "📞", count: 90) + " mixed ascii and emoji " + String(repeating: "Ł", count: 70),
    ]

    @Test(arguments: longTexts)
    func everyLineFitsAndNoCharacterIsSplit(_ value: String) throws {
        let bytes = try ICalSerializer.serialize(event(summary: value, description: value))
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for index in bytes.indices where bytes[index] == 0x0A {
            #expect(index > 0 && bytes[index - 1] == 0x0D, "every line ends with CRLF")
            lines.append(bytes[start..<(index - 1)])
            start = index + 1
        }
        #expect(start == bytes.count)
        for line in lines {
            #expect(line.count <= 75, "line of \(line.count) octets")
            // A split UTF-8 sequence would not decode on its own.
            #expect(String(validating: Array(line), as: UTF8.self) != nil)
        }
        let parsed = try #require(ICalParser.parse(try calendarText(components: [bytes])).first?.components(of: "VEVENT").first)
        #expect(parsed.property("SUMMARY")?.value == value)
        #expect(parsed.property("DESCRIPTION")?.value == value)
    }
}

@Suite struct CalendarTests {
    @Test func headerCarriesEveryCalendarProperty() throws {
        let header = String(
            decoding: try ICalSerializer.header(
                ICalCalendarInfo(productID: "-//followup//test//EN", name: "Follow-ups: Zoë", refreshInterval: 3600)), as: UTF8.self)
        let lines = header.components(separatedBy: "\r\n")
        #expect(lines.first == "BEGIN:VCALENDAR")
        for expected in [
            "VERSION:2.0", "PRODID:-//followup//test//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
            "NAME:Follow-ups: Zoë", "X-WR-CALNAME:Follow-ups: Zoë",
            "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H",
        ] {
            #expect(lines.contains(expected), "missing \(expected)")
        }
        #expect(!header.contains("END:VCALENDAR"))
    }

    @Test func eventAndTodoHaveTheirProperties() throws {
        let todo = ICalTodo(
            common: ICalCommon(
                uid: "t1@test", stamp: CivilDateTime(year: 2026, month: 11, day: 1),
                lastModified: CivilDateTime(year: 2026, month: 11, day: 1), sequence: 3,
                summary: "Task", description: "Do it", categories: ["Follow-up", "Cadence"], priority: 1),
            start: .zoned(CivilDateTime(year: 2026, month: 12, day: 2, hour: 9, minute: 30), tzid: "Europe/Berlin"),
            due: .zoned(CivilDateTime(year: 2026, month: 12, day: 4, hour: 17), tzid: "Europe/Berlin"))
        let allDay = event(uid: "d1@test", start: .date(year: 2026, month: 12, day: 24), end: .date(year: 2026, month: 12, day: 25))
        let text = try calendarText(components: [ICalSerializer.serialize(todo), ICalSerializer.serialize(allDay)])
        let calendar = try #require(ICalParser.parse(text).first)
        #expect(calendar.parseErrors.isEmpty)
        let parsedTodo = try #require(calendar.components(of: "VTODO").first)
        #expect(parsedTodo.property("DTSTART")?.parameters["TZID"] == "Europe/Berlin")
        #expect(parsedTodo.property("DUE")?.value == "20261204T170000")
        #expect(parsedTodo.property("STATUS")?.value == "NEEDS-ACTION")
        #expect(parsedTodo.property("PRIORITY")?.value == "1")
        #expect(parsedTodo.property("SEQUENCE")?.value == "3")
        #expect(parsedTodo.property("DTSTAMP")?.value == "20261101T000000Z")
        // One list-valued line in the text; libical reads each item as its own value.
        #expect(text.contains("\r\nCATEGORIES:Follow-up,Cadence\r\n"))
        #expect(parsedTodo.properties(named: "CATEGORIES").map(\.value) == ["Follow-up", "Cadence"])
        let parsedEvent = try #require(calendar.components(of: "VEVENT").first)
        #expect(parsedEvent.property("DTSTART")?.parameters["VALUE"] == "DATE")
        #expect(parsedEvent.property("DTSTART")?.value == "20261224")
        #expect(parsedEvent.property("DTEND")?.value == "20261225")
        let alarm = try #require(parsedEvent.components(of: "VALARM").first)
        #expect(alarm.property("ACTION")?.value == "DISPLAY")
        #expect(alarm.property("TRIGGER")?.value == "-PT15M")
        #expect(text.contains("DTSTAMP:20261101T000000Z\r\n"))
    }

    @Test func manyComponentsSerialiseWithoutLeaksOrDoubleFrees() throws {
        // Run under AddressSanitizer by the test command: a leak or a double
        // free in the ownership of libical handles fails the run.
        var total = 0
        for index in 0..<2_000 {
            total += try ICalSerializer.serialize(event(uid: "u\(index)@test", summary: "Touch \(index)")).count
        }
        #expect(total > 2_000 * 200)
        let parsed = try ICalParser.parse(try calendarText(components: [ICalSerializer.serialize(event())]))
        #expect(parsed.count == 1)
    }
}
