import FollowUp
import Foundation
import Playbooks
import Testing

private func day(_ text: String) -> LocalDate { LocalDate(iso: text)! }
private let range = day("2025-01-01")...day("2028-12-31")

private func parse(_ text: String) throws(PlaybookError) -> Playbook {
    try PlaybookFile.parse(text, file: "play.yaml", holidayRange: range)
}

/// The error `text` gives; fails the test when it parses.
private func failure(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> PlaybookError? {
    do {
        _ = try parse(text)
        Issue.record("expected an error", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// The repository's Fixtures folder.
private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

@Suite struct PlaybookFileTests {
    @Test func theDefaultFileReadsBackAsTheBuiltInMethod() throws {
        let text = PlaybookFile.render(.standard)
        #expect(try parse(text) == Playbook.standard)
        #expect(text.contains("# "), "the file explains its settings")
    }

    @Test func aChangedPlaybookRoundTripsThroughItsFile() throws {
        var playbook = Playbook.standard
        playbook.timeZone = "Europe/Berlin"
        playbook.dailyCapacity = nil
        playbook.capacityByOwner = ["Alice Martin": 3]
        playbook.calendar.holidays = [day("2026-12-25"): "Christmas \"Day\"", day("2026-12-31"): ""]
        playbook.calendar.workingWeekdays = [1, 2, 3, 4, 6]
        playbook.afterCloseTheLoop = .close
        playbook.nurture.quarterly.offset = 2
        playbook.steps[1].draft = "  indented first line\nsecond line \n"
        playbook.steps[2].title = "Tab\there: \\ back"
        playbook.slotMinutes = 20
        playbook.countryHolidays = false
        playbook.dateOrder = .mdy
        playbook.owners = [
            "Alice Martin": OwnerDay(
                timeZone: "Europe/Berlin", workingWeekdays: [1, 2, 3, 4], dayStart: TimeOfDay(hour: 8, minute: 30),
                dayEnd: TimeOfDay(hour: 16, minute: 0), country: "DE-BY", capacity: 7,
                away: [AwayPeriod(from: day("2026-12-21"), to: day("2027-01-03")), AwayPeriod(from: day("2027-02-01"), to: day("2027-02-01"))]),
            "Bo \"Zhang\"": OwnerDay(dayEnd: TimeOfDay(hour: 15, minute: 0)),
        ]
        #expect(try parse(PlaybookFile.render(playbook)) == playbook)
    }

    @Test func ownersHaveTheirOwnDay() throws {
        let playbook = try parse(
            """
            owners:
              Alice Martin:
                timezone: Europe/Berlin
                country: de-by
                working_days: [mon, tue, wed, thu]
                working_hours: {start: "08:30", end: "16:30"}
                daily_capacity: 8
                away:
                  - 2026-12-21 to 2027-01-03
                  - 2027-02-12
                  - {from: 2027-04-01, to: 2027-04-03}
              bo:
                timezone: America/Los_Angeles
            slot_minutes: 30
            """)
        let alice = try #require(playbook.ownerDay("alice martin"))
        #expect(alice.timeZone == "Europe/Berlin")
        #expect(alice.country == "DE-BY")
        #expect(alice.workingWeekdays == [1, 2, 3, 4])
        #expect(alice.dayStart == TimeOfDay(hour: 8, minute: 30) && alice.dayEnd == TimeOfDay(hour: 16, minute: 30))
        #expect(playbook.capacity(of: "ALICE MARTIN") == 8)
        #expect(playbook.capacity(of: "bo") == Playbook.standard.dailyCapacity)
        #expect(
            alice.away == [
                AwayPeriod(from: day("2026-12-21"), to: day("2027-01-03")), AwayPeriod(from: day("2027-02-12"), to: day("2027-02-12")),
                AwayPeriod(from: day("2027-04-01"), to: day("2027-04-03")),
            ])
        #expect(playbook.ownerDay("Bo")?.timeZone == "America/Los_Angeles")
        #expect(playbook.slotMinutes == 30)
        #expect(playbook.countryHolidays)
        #expect(try parse("holidays: none").countryHolidays == false)
        #expect(try parse("country_holidays: false\nholidays: [2026-12-24]").calendar.holidays.count == 1)
    }

    @Test func aFileHoldsOnlyWhatItChanges() throws {
        let playbook = try parse(
            """
            daily_capacity: 3
            minimum_gap_business_days: 1
            working_days: [monday, tue, wed, thu]
            working_hours: {start: "08:00"}
            nurture:
              launch:
                days_after: 7
            """)
        #expect(playbook.dailyCapacity == 3)
        #expect(playbook.minimumGapBusinessDays == 1)
        #expect(playbook.calendar.workingWeekdays == [1, 2, 3, 4])
        #expect(playbook.touchTime == TimeOfDay(hour: 8, minute: 0))
        #expect(playbook.workdayEnd == Playbook.standard.workdayEnd)
        #expect(playbook.nurture.launch.offset == 7)
        #expect(playbook.nurture.launch.text == Playbook.standard.nurture.launch.text)
        #expect(playbook.steps == Playbook.standard.steps)
        #expect(try parse("") == Playbook.standard)
    }

    @Test func aCadenceReplacesTheBuiltInOneAndTheLoopCanClose() throws {
        let playbook = try parse(
            """
            cadence:
              - id: intro
                from_day: 0
                title: "Intro for {{first_name}}"
              - id: nudge
                from_day: 4
                to_day: 6
                channel: call
                title: Nudge
            close_the_loop:
              from_day: 20
              to_day: 25
              then: close
            """)
        #expect(playbook.steps.map(\.id) == ["intro", "nudge", "day35-42"])
        #expect(playbook.steps[0].endDay == 0)
        #expect(playbook.steps[1].channel == "call")
        #expect(playbook.steps[2].startDay == 20 && playbook.steps[2].endDay == 25)
        #expect(playbook.steps[2].draft == Playbook.standard.steps.last!.draft)
        #expect(playbook.afterCloseTheLoop == .close)
    }

    @Test func holidaysAreDatesWithNamesInEitherForm() throws {
        let playbook = try parse(
            """
            holidays:
              - 2026-12-24 Christmas Eve
              - "2026-12-31"
              - {date: 2027-01-01, name: New Year's Day}
            """)
        #expect(
            playbook.calendar.holidays == [
                day("2026-12-24"): "Christmas Eve", day("2026-12-31"): "",
                day("2027-01-01"): "New Year's Day",
            ])
        #expect(!playbook.calendar.isBusinessDay(day("2026-12-24")))
        #expect(playbook.calendar.dayOff(day("2027-01-01")) == .holiday("New Year's Day"))
    }

    @Test func holidaysComeFromAnICSCalendarThroughLibical() throws {
        let folder = fixtures.appendingPathComponent("playbooks").path
        let playbook = try PlaybookFile.parse(
            "holiday_calendars: [holidays.ics]\nholidays: [2026-12-24 Christmas Eve]",
            file: "play.yaml", folder: folder, holidayRange: range)
        let holidays = playbook.calendar.holidays
        // A yearly RRULE, expanded for every year of the range.
        for year in 2025...2028 {
            #expect(holidays[day("\(year)-12-25")] == "Christmas Day")
        }
        #expect(holidays[day("2024-12-25")] == nil, "outside the range")
        // EXDATE removes one occurrence.
        #expect(holidays[day("2025-12-26")] == "Boxing Day")
        #expect(holidays[day("2026-12-26")] == nil)
        // A three-day event covers three days; DTEND is exclusive.
        #expect(holidays[day("2026-12-28")] == "Year-end shutdown")
        #expect(holidays[day("2026-12-30")] == "Year-end shutdown")
        #expect(holidays[day("2026-12-31")] == nil)
        // BYDAY=4TH: the fourth Thursday of November.
        #expect(holidays[day("2026-11-26")] == "Thanksgiving Day")
        #expect(holidays[day("2027-11-25")] == "Thanksgiving Day")
        #expect(holidays[day("2026-12-24")] == "Christmas Eve")
    }

    @Test func anUnknownKeyNamesTheFileLineAndKey() throws {
        let error = try #require(
            failure(
                """
                horizon_days: 30
                nurture:
                  quarterly:
                    every_month: 3
                """))
        #expect(error.file == "play.yaml")
        #expect(error.line == 4)
        #expect(error.key == "nurture.quarterly.every_month")
        #expect(error.description.hasPrefix("play.yaml:4: nurture.quarterly.every_month: unknown key"))
        #expect(error.description.contains("every_months"), "it says what was expected")
        #expect(failure("colour: blue")?.line == 1)
    }

    @Test func aWindowEndingBeforeItStartsIsAnError() throws {
        let error = try #require(
            failure(
                """
                cadence:
                  - id: a
                    from_day: 0
                    title: A
                  - id: b
                    from_day: 9
                    to_day: 4
                    title: B
                """))
        #expect(error.line == 7)
        #expect(error.key == "cadence[2].to_day")
        #expect(error.message.contains("ends on day 4, before it starts on day 9"))
    }

    @Test(
        arguments: [
            ("timezone: Mars/Base", 1, "timezone", "unknown time zone"),
            ("next_steps:\n  mine:\n    draft: \"Hi {{#first_name}\"", 3, "next_steps.mine.draft", "not a valid template"),
            ("nurture:\n  event:\n    title: \"After {{evnt}}\"", 3, "nurture.event.title", "unknown field \"evnt\""),
            ("daily_capacity: lots", 1, "daily_capacity", "expected touches a day"),
            ("working_days: [mon, funday]", 1, "working_days", "funday"),
            ("working_hours: {start: \"18:00\", end: \"09:00\"}", 1, "working_hours", "ends"),
            ("holidays: [2026-13-01]", 1, "holidays[1]", "expected a date"),
            ("cadence:\n  - id: a\n    from_day: 0\n    title: A\n  - id: a\n    from_day: 2\n    title: B", 2, "cadence", "two steps have the id"),
            ("cadence:\n  - id: fresh\n    from_day: 2", 2, "cadence[1].title", "missing"),
            ("close_the_loop:\n  then: forget", 2, "close_the_loop.then", "nurture or close"),
            ("close_the_loop:\n  from_day: 1", 2, "close_the_loop.from_day", "before the step before it"),
            ("- a\n- b", 1, "(top level)", "expected a mapping"),
            ("holiday_calendars: [missing.ics]", 1, "holiday_calendars[1]", "cannot be read"),
            ("owners: [ann]", 1, "owners", "expected a mapping of owner names"),
            ("owners:\n  ann:\n    timezone: Mars/Base", 3, "owners.ann.timezone", "unknown time zone"),
            ("owners:\n  ann:\n    country: Germany", 3, "owners.ann.country", "ISO 3166"),
            ("owners:\n  ann:\n    hours: 9-5", 3, "owners.ann.hours", "unknown key"),
            ("owners:\n  ann:\n    working_days: [someday]", 3, "owners.ann.working_days", "someday"),
            ("owners:\n  ann:\n    working_hours: {start: \"17:00\", end: \"09:00\"}", 3, "owners.ann.working_hours", "ends"),
            ("owners:\n  ann:\n    daily_capacity: 0", 3, "owners.ann.daily_capacity", "from 1"),
            ("owners:\n  ann:\n    away: [2027-01-03 to 2026-12-21]", 3, "owners.ann.away[1]", "ends (2026-12-21) before it starts"),
            ("owners:\n  ann:\n    away: [next week]", 3, "owners.ann.away[1]", "expected a date"),
            ("owners:\n  ann:\n    away: [2026-01-01 to 2046-01-01]", 3, "owners.ann.away[1]", "ten years"),
            ("owners:\n  ann:\n    away: 2026-12-24", 3, "owners.ann.away", "expected a list"),
            ("owners:\n  Ann: {}\n  ann: {}", 3, "owners.ann", "listed twice"),
            ("owners:\n  \"\": {}", 2, "owners", "name is empty"),
            ("slot_minutes: 0", 1, "slot_minutes", "from 1"),
            ("country_holidays: maybe", 1, "country_holidays", "true or false"),
            ("date_order: ymd", 1, "date_order", "not dmy or mdy"),
        ] as [(String, Int, String, String)])
    func badValuesAreErrorsAtTheirLineAndKey(_ text: String, line: Int, key: String, message: String) throws {
        let error = try #require(failure(text))
        #expect(error.line == line, "\(error)")
        #expect(error.key == key, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    @Test func aYAMLSyntaxErrorNamesItsLine() throws {
        let error = try #require(failure("cadence:\n  - id: a\n   from_day: 5\n"))
        #expect(error.line == 3)
        #expect(error.message.contains("not valid YAML"))
    }

    @Test func aMissingFileIsOneLine() {
        #expect(throws: PlaybookError.self) {
            _ = try PlaybookFile.load(path: "/nonexistent/play.yaml", holidayRange: range)
        }
    }
}

@Suite struct PlaybookTemplateDepthTests {
    @Test(arguments: [33, 700, 20_000])
    func aTemplateNestedTooDeepIsAnErrorNotACrash(_ depth: Int) throws {
        let text = String(repeating: "{{#name}}", count: depth) + "x" + String(repeating: "{{/name}}", count: depth)
        let error = try #require(
            failure(
                """
                horizon_days: 30
                next_steps:
                  mine:
                    draft: "\(text)"
                """))
        #expect(error.description.hasPrefix("play.yaml:4: next_steps.mine.draft: nested too deep"), "\(error.description.prefix(200))")
        #expect(error.line == 4)
    }

    @Test func thePlannerRefusesADeepTemplateItIsHandedDirectly() {
        var playbook = Playbook.standard
        playbook.nextStepMine.draft = String(repeating: "{{^name}}", count: 5_000) + String(repeating: "{{/name}}", count: 5_000)
        #expect(throws: PlanError.self) { _ = try Planner(playbook: playbook, defaultTimeZone: "UTC", now: .date(LocalDate(iso: "2026-12-01")!)) }
        #expect(Planner.templateError(String(repeating: "{{#name}}", count: 32) + String(repeating: "{{/name}}", count: 32)) == nil)
    }
}

@Suite struct HolidayCalendarWarningTests {
    @Test func eventsReadOnlyInPartAreNamedWithTheirLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("followup-holidays-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let calendar = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//t//EN",
            "BEGIN:VEVENT", "UID:a@t", "DTSTAMP:20240101T000000Z", "DTSTART;VALUE=DATE:20261225", "SUMMARY:Good", "END:VEVENT",
            "BEGIN:VEVENT", "UID:b@t", "DTSTAMP:20240101T000000Z", "DTSTART;VALUE=DATE:2026-13-45", "SUMMARY:Bad date", "END:VEVENT",
            "BEGIN:VEVENT", "UID:c@t", "DTSTAMP:20240101T000000Z", "DTSTART;VALUE=DATE:20261226", "RRULE:FREQ=SOMETIMES;BYDAY=XX",
            "SUMMARY:Bad rule", "END:VEVENT",
            "BEGIN:VEVENT", "UID:d@t", "DTSTAMP:20240101T000000Z", "DTSTART;TZID=Nowhere/Land:20261231T000000", "SUMMARY:No zone", "END:VEVENT",
            "END:VCALENDAR", "",
        ].joined(separator: "\r\n")
        try Data(calendar.utf8).write(to: folder.appendingPathComponent("h.ics"))
        var warnings: [PlaybookError] = []
        let playbook = try PlaybookFile.parse(
            "holiday_calendars: [h.ics]", file: "play.yaml", folder: folder.path,
            holidayRange: range, warnings: &warnings)
        #expect(playbook.calendar.holidays[day("2026-12-25")] == "Good", "the good event is kept")
        let text = warnings.map(\.description)
        let path = folder.appendingPathComponent("h.ics").path
        #expect(text.contains { $0.hasPrefix("\(path):10: holiday_calendars[1]: warning: the event \"Bad date\"") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("\(path):16: holiday_calendars[1]: warning: the event \"Bad rule\"") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("\(path):23: holiday_calendars[1]: warning: the event \"No zone\"") && $0.contains("Nowhere/Land") }, "\(text)")
        #expect(!text.contains { $0.contains("\"Good\"") })
    }

    @Test func theFixtureCalendarHasNothingToWarnOf() throws {
        var warnings: [PlaybookError] = []
        _ = try PlaybookFile.parse(
            "holiday_calendars: [holidays.ics]", file: "play.yaml", folder: fixtures.appendingPathComponent("playbooks").path,
            holidayRange: range, warnings: &warnings)
        #expect(warnings.isEmpty, "\(warnings)")
    }
}
