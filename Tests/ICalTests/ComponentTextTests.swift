@testable import ICal
import PropertyBased
import Testing

/// Components are written a property at a time (so a touch's event and task
/// share the text of the properties they both carry); that must give what
/// libical's own component serialiser gives for the same component, byte
/// for byte, whatever the component holds.
@Suite struct ComponentTextTests {
    static let texts = [
        "", "Call", "Comma, semicolon; backslash \\ and \"quotes\": colon",
        "Line one\nLine two\r\nLine three\rfour", "Tab\tand\u{1}control\u{7F}",
        "Zoë Müller-Łukasiewicz, Café Größe; 日本語のメモ 📞",
        String(repeating: "予算は来年度に確定する予定。", count: 12),
        String(repeating: "word ", count: 40), String(repeating: "x", count: 160),
        "https://example.com/" + String(repeating: "path/", count: 30),
    ]
    static let zones = ["Europe/Berlin", "America/New_York", "Asia/Kolkata"]

    /// A component's fields, drawn from `choices` (numbers in 0...999).
    static func common(_ choices: [Int], uid: String) -> ICalCommon {
        func pick<T>(_ values: [T], _ index: Int) -> T { values[choices[index] % values.count] }
        return ICalCommon(
            uid: uid, stamp: CivilDateTime(year: 2026, month: 1 + choices[0] % 12, day: 1 + choices[1] % 28),
            lastModified: choices[2] % 3 == 0 ? nil : CivilDateTime(year: 2025, month: 6, day: 1 + choices[2] % 28, hour: choices[2] % 24),
            sequence: choices[3] % 40, summary: pick(texts, 4), description: pick(texts, 5),
            categories: Array(["Follow-up", "Next step", "Sales, EMEA", "Day 2;3", " padded ", "\n"].prefix(choices[6] % 5)),
            priority: choices[7] % 4 == 0 ? nil : choices[7] % 11,
            url: choices[8] % 3 == 0 ? "https://crm.example.com/lead/\(choices[8])" : nil,
            organizer: choices[9] % 4 == 0 ? nil : ICalOrganizer(name: pick(texts, 9), address: "mailto:owner\(choices[9])@example.com"))
    }

    static func time(_ choice: Int) -> ICalTime {
        let civil = CivilDateTime(
            year: 2026 + choice % 3, month: 1 + choice % 12, day: 1 + choice % 28,
            hour: choice % 24, minute: choice % 60)
        switch choice % 3 {
        case 0: return .utc(civil)
        case 1: return .zoned(civil, tzid: zones[choice % zones.count])
        default: return .date(year: civil.year, month: civil.month, day: civil.day)
        }
    }

    static func event(_ choices: [Int]) -> ICalEvent {
        ICalEvent(
            common: common(choices, uid: "lead-\(choices[10]).step.event@test"),
            start: time(choices[11]), end: time(choices[11] + 3), transparent: choices[12] % 2 == 0,
            alarms: (0..<(choices[13] % 3)).map { ICalAlarm(minutesBefore: 15 * $0 - 30, description: texts[(choices[4] + $0) % texts.count]) })
    }

    static func todo(_ choices: [Int]) -> ICalTodo {
        let statuses: [ICalTodo.Status] = [.needsAction, .inProcess, .completed, .cancelled]
        return ICalTodo(
            common: common(choices, uid: "lead-\(choices[10]).step.task@test"),
            start: time(choices[11]), due: time(choices[14]), status: statuses[choices[15] % 4])
    }

    static let choices = Gen.int(in: 0...999).array(of: 16)

    @Test func eachComponentIsLibicalsOwnText() async {
        await propertyCheck(count: 200, input: Self.choices) { choices in
            let event = Self.event(choices), todo = Self.todo(choices)
            let eventText = try ICalSerializer.serialize(event)
            let todoText = try ICalSerializer.serialize(todo)
            #expect(eventText == (try ICalSerializer.component(event).libicalText()))
            #expect(todoText == (try ICalSerializer.component(todo).libicalText()))
        }
    }

    /// The pair shares property texts; each must still be the component's own text.
    @Test func aPairIsEachComponentsOwnText() async {
        await propertyCheck(count: 200, input: Self.choices, Self.choices) { first, second in
            // Half the time the task shares the event's fields, as a touch's do.
            let event = Self.event(first)
            var todo = Self.todo(first[0] % 2 == 0 ? first : second)
            if second[1] % 3 == 0 { todo.common.summary = event.common.summary + " (task)" }
            let pair = try ICalSerializer.serialize(event, todo)
            #expect(pair.event == (try ICalSerializer.component(event).libicalText()))
            #expect(pair.todo == (try ICalSerializer.component(todo).libicalText()))
        }
    }

    /// Texts of recurring values kept from component to component stand
    /// for the values they were made from, and for nothing else.
    @Test func aCacheAcrossComponentsChangesNoByte() async {
        await propertyCheck(count: 100, input: Self.choices.array(of: 6)) { draws in
            let cache = PropertyCache()
            for (first, second) in zip(draws, draws.dropFirst()) {
                let event = Self.event(first), todo = Self.todo(second)
                let pair = try ICalSerializer.serialize(event, todo, cache: cache)
                #expect(pair.event == (try ICalSerializer.component(event).libicalText()))
                #expect(pair.todo == (try ICalSerializer.component(todo).libicalText()))
                #expect(try ICalSerializer.serialize(event, cache: cache) == pair.event)
            }
        }
    }

    @Test func sharedPropertiesAreWrittenIntoBoth() throws {
        let common = Self.common(Array(repeating: 5, count: 16), uid: "a@test")
        let event = ICalEvent(common: common, start: Self.time(1), end: Self.time(4))
        var task = common
        task.uid = "b@test"
        let pair = try ICalSerializer.serialize(event, ICalTodo(common: task, start: Self.time(1), due: Self.time(7)))
        let eventText = String(decoding: pair.event, as: UTF8.self), todoText = String(decoding: pair.todo, as: UTF8.self)
        #expect(eventText.hasPrefix("BEGIN:VEVENT\r\nUID:a@test\r\n"))
        #expect(todoText.hasPrefix("BEGIN:VTODO\r\nUID:b@test\r\n"))
        #expect(todoText.hasSuffix("STATUS:NEEDS-ACTION\r\nEND:VTODO\r\n"))
        let description = try #require(eventText.range(of: "DESCRIPTION:"))
        let shared = eventText[description.lowerBound...].prefix { $0 != "\r\n" }
        #expect(todoText.contains(shared))
    }

    @Test func propertiesWithTheSameTextButAnotherNameAreNotShared() throws {
        // A text is reused only for the same property: a SUMMARY equal to
        // the DESCRIPTION, DTSTART equal to DUE, are each written as themselves.
        let civil = CivilDateTime(year: 2026, month: 12, day: 1, hour: 9)
        let values: [PropertyValue] =
            [
                .uid("x"), .sequence(1), .text(.summary, "x"), .text(.description, "x"), .categories("x"),
                .priority(1), .url("x"), .organizer(address: "mailto:x@example.com", name: "x"), .status(.confirmed),
                .transparency(true), .action, .trigger(seconds: 1),
            ] + [PropertyValue.TimeName.dtstamp, .dtstart, .dtend, .due, .lastModified].map { .time($0, .utc(civil)) }
        var texts = PropertyTexts()
        let text = String(decoding: try texts.text(of: ComponentValue(kind: .todo, properties: values)), as: UTF8.self)
        for name in ["SUMMARY:x", "DESCRIPTION:x", "DTSTART:20261201T090000Z", "DUE:20261201T090000Z", "DTSTAMP:20261201T090000Z"] {
            #expect(text.contains("\r\n\(name)\r\n"), "\(name)")
        }
    }
}
