import Feeds
import FollowUp
import Foundation
import Generation
import ICal
import LeadStore
import Testing

func day(_ text: String) -> LocalDate { LocalDate(iso: text)! }

func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("followup-feeds-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// Runs the engine of `generate` on `leads` into `folder`, in-process.
func writeFeeds(
    _ leads: [Lead], owners: [String] = [], now: String = "2026-12-01", options: FeedOptions = FeedOptions(),
    playbook: Playbook = .standard, memoryLimit: Int = FeedSink.memoryLimit, threads: Int? = nil, into folder: URL
) throws -> FeedManifest {
    let planner = try Planner(playbook: playbook, defaultTimeZone: "America/New_York", now: .date(day(now)))
    var generate = GenerateOptions(feeds: options)
    generate.memoryLimit = memoryLimit
    generate.threads = threads
    generate.followsClock = false
    let report = try GenerateJob(store: LeadList(leads, owners: owners), planner: planner, options: generate, out: folder.path).run()
    return try #require(report.written).manifest
}

func read(_ folder: URL, _ file: String) throws -> String {
    try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
}

func components(_ text: String, _ kind: String) throws -> [ICalParsedComponent] {
    let calendar = try #require(ICalParser.parse(text).first)
    #expect(calendar.parseErrors.isEmpty)
    return calendar.components(of: kind)
}

let sampleLeads = [
    Lead(
        id: "L1", name: "Ann Lee", company: "Acme", owner: "Alice", timeZone: "Europe/Berlin", status: .active,
        firstContact: day("2026-11-02"), lastContact: day("2026-11-04"), notes: "Wants a pilot, \"soon\"."),
    Lead(
        id: "L2", name: "Bo", owner: "Bob", timeZone: "Asia/Tokyo", status: .engaged,
        nextStep: "Send numbers", nextStepDue: day("2026-12-04"), nextStepOwner: .them),
    Lead(id: "L3", name: "Cy", owner: "alice", status: .new),
    Lead(id: "L4", name: "Dee", owner: "Carol", status: .won),
]

@Suite struct FeedWriterTests {
    /// Serialised components wait in memory, in the scratch file, or first
    /// in one and then in the other: the feeds are the same bytes.
    @Test(arguments: [0, 1_000, 2_000, 3_000, 4_000, 5_000, 7_000, 40_000], [FeedOptions(), FeedOptions(profile: .google, digest: true)])
    func feedsAreTheSameWhereverComponentsWait(_ memoryLimit: Int, _ options: FeedOptions) throws {
        let leads = (0..<60).map { index in
            Lead(
                id: "L\(index)", name: "Lead \(index)", company: index % 3 == 0 ? nil : "Co \(index)",
                owner: ["Alice", "Bob", "Carol"][index % 3], timeZone: ["Europe/Berlin", "Asia/Tokyo", "UTC"][index % 3],
                status: [.new, .active, .engaged, .notYet][index % 4], firstContact: day("2026-11-02").adding(days: index % 20),
                nextStep: index % 4 == 2 ? "Call back" : nil, nextStepDue: index % 4 == 2 ? day("2026-12-03").adding(days: index) : nil,
                notes: "Note \(index), \"quoted\"")
        }
        let inMemory = try temporaryFolder(), spilled = try temporaryFolder()
        defer {
            try? FileManager.default.removeItem(at: inMemory)
            try? FileManager.default.removeItem(at: spilled)
        }
        _ = try writeFeeds(leads, options: options, into: inMemory)
        _ = try writeFeeds(leads, options: options, memoryLimit: memoryLimit, into: spilled)
        let files = try FileManager.default.contentsOfDirectory(atPath: inMemory.path).filter { $0.hasSuffix(".ics") }.sorted()
        #expect(files.count == 8)
        for file in files {
            let expected = try Data(contentsOf: inMemory.appendingPathComponent(file))
            #expect(try Data(contentsOf: spilled.appendingPathComponent(file)) == expected, "\(file)")
        }
        #expect(try read(inMemory, "alice.tasks.ics").contains("BEGIN:VTODO"))
    }

    @Test func writesExactlyTheNamedFilesForEveryOwner() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifest = try writeFeeds(sampleLeads, into: folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(
            files == [
                "alice.events.ics", "alice.tasks.ics", "all.events.ics", "all.tasks.ics",
                "bob.events.ics", "bob.tasks.ics", "carol.events.ics", "carol.tasks.ics", "index.json",
            ])
        // Carol has nothing planned and still gets (empty) feeds.
        #expect(try components(read(folder, "carol.events.ics"), "VEVENT").isEmpty)
        let all = manifest.feeds.first { $0.file == "all.events.ics" }
        #expect(all?.owner == nil)
        #expect(all?.components == manifest.touchpoints)
        let alice = try #require(manifest.feeds.first { $0.file == "alice.events.ics" })
        #expect(alice.owner == "Alice", "owners differing only in case are one owner")
        #expect(alice.leads == 2)
        #expect(alice.overdue == 1)
        #expect(try components(read(folder, "alice.events.ics"), "VEVENT").count == alice.components)

        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("index.json"))) as! [String: Any]
        let feeds = index["feeds"] as! [[String: Any]]
        #expect(feeds.count == 8)
        #expect(feeds.first?["owner"] is NSNull)
        #expect(Set(feeds.compactMap { $0["file"] as? String }) == Set(files.filter { $0.hasSuffix(".ics") }))
    }

    @Test func everyComponentIsCompleteAndStandsAlone() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try writeFeeds(sampleLeads, into: folder)
        for file in ["all.events.ics", "all.tasks.ics"] {
            let text = try read(folder, file)
            let calendar = try #require(ICalParser.parse(text).first)
            for property in ["VERSION", "PRODID", "CALSCALE", "METHOD", "NAME", "X-WR-CALNAME", "REFRESH-INTERVAL", "X-PUBLISHED-TTL"] {
                #expect(calendar.property(property) != nil, "\(file) lacks \(property)")
            }
            let zones = Set(calendar.components(of: "VTIMEZONE").compactMap { $0.property("TZID")?.value })
            #expect(zones == ["Europe/Berlin", "Asia/Tokyo", "America/New_York"])
            let items = calendar.components.filter { $0.kind == "VEVENT" || $0.kind == "VTODO" }
            #expect(Set(items.compactMap { $0.property("UID")?.value }).count == items.count, "UIDs are unique")
            for item in items {
                for property in ["UID", "DTSTAMP", "DTSTART", "SUMMARY", "DESCRIPTION", "SEQUENCE", "CATEGORIES"] {
                    #expect(item.property(property) != nil, "\(item.kind) lacks \(property)")
                }
                // METHOD:PUBLISH requires an ORGANIZER on every component (RFC 5546).
                #expect(item.property("ORGANIZER")?.value.hasPrefix("mailto:") == true)
                for property in item.properties where property.parameters["TZID"] != nil {
                    #expect(zones.contains(property.parameters["TZID"]!))
                }
            }
        }
    }

    @Test func overdueEventsShowTodayAndTasksKeepTheirWindow() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try writeFeeds([sampleLeads[0]], into: folder)
        let event = try #require(components(read(folder, "alice.events.ics"), "VEVENT").first)
        #expect(event.property("UID")?.value == "L1.day7-10.event@followup")
        #expect(event.property("SUMMARY")?.value == "Overdue: Share a case study or resource: Ann Lee (Acme)")
        #expect(event.property("DTSTART")?.value == "20261201T093000")
        #expect(event.property("DTSTART")?.parameters["TZID"] == "Europe/Berlin")
        #expect(event.property("DTEND")?.value == "20261201T094500")
        #expect(event.properties(named: "CATEGORIES").map(\.value) == ["Follow-up", "Cadence", "Overdue"])
        #expect(event.property("PRIORITY")?.value == "1")
        #expect(event.property("SEQUENCE")?.value == "22")
        #expect(event.property("DTSTAMP")?.value == "20261201T000000Z")
        #expect(event.components(of: "VALARM").count == 1)
        let description = try #require(event.property("DESCRIPTION")?.value)
        for part in [
            "Who: Ann Lee, Acme", "Step: Day 7–10: Share a case study or resource (step 3 of 5)", "Why now: ",
            "Overdue", "Bring: ", "Notes: Wants a pilot, \"soon\".", "Draft:\nHi Ann,",
        ] {
            #expect(description.contains(part), "DESCRIPTION lacks \(part)")
        }

        let task = try #require(components(read(folder, "alice.tasks.ics"), "VTODO").first)
        #expect(task.property("UID")?.value == "L1.day7-10.task@followup")
        #expect(task.property("DTSTART")?.value == "20261109T093000")
        #expect(task.property("DUE")?.value == "20261112T170000")
        #expect(task.property("STATUS")?.value == "NEEDS-ACTION")
        #expect(task.property("SUMMARY")?.value == "Share a case study or resource: Ann Lee (Acme)")
    }

    @Test func taskDueIsNeverBeforeItsStart() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var leads = sampleLeads
        for (index, start) in ["2026-11-01", "2026-11-20", "2026-11-27", "2026-12-03", "2026-12-05"].enumerated() {
            leads.append(Lead(id: "N\(index)", name: "N", status: .new, firstContact: day(start)))
        }
        _ = try writeFeeds(leads, into: folder)
        for times in try ICalParser.resolvedTimes(read(folder, "all.tasks.ics")) {
            let start = try #require(times.start), due = try #require(times.due)
            #expect(due > start, "\(times.uid)")
        }
        for times in try ICalParser.resolvedTimes(read(folder, "all.events.ics")) {
            #expect(try #require(times.end) > #require(times.start))
        }
    }

    @Test func aTouchAfterTheDaylightSavingChangeKeepsItsLocalTime() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let lead = Lead(
            id: "D", name: "Dee", timeZone: "America/New_York", status: .engaged,
            nextStepDue: day("2027-03-15"), nextStepOwner: .me)
        let early = Lead(
            id: "E", name: "Eve", timeZone: "America/New_York", status: .engaged,
            nextStepDue: day("2027-03-12"), nextStepOwner: .me)
        _ = try writeFeeds([lead, early], into: folder)
        let times = try ICalParser.resolvedTimes(read(folder, "all.events.ics"))
        // 09:30 EDT (UTC-4) after March 14, 09:30 EST (UTC-5) before it.
        #expect(times.first { $0.uid.hasPrefix("D.") }?.start == 1_805_117_400)
        #expect(times.first { $0.uid.hasPrefix("E.") }?.start == 1_804_861_800)
    }

    @Test func anUnchangedStoreGivesByteIdenticalFeeds() throws {
        let first = try temporaryFolder(), second = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: first); try? FileManager.default.removeItem(at: second) }
        _ = try writeFeeds(sampleLeads, into: first)
        _ = try writeFeeds(sampleLeads.reversed(), into: second)
        _ = try writeFeeds(sampleLeads, into: first)  // over its own output
        for file in try FileManager.default.contentsOfDirectory(atPath: first.path) {
            #expect(try Data(contentsOf: first.appendingPathComponent(file)) == Data(contentsOf: second.appendingPathComponent(file)), "\(file)")
        }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: first.path).filter { $0.hasPrefix(".") } == [".followup.lock"],
            "no temporary file is left")
    }

    @Test func nothingIsWrittenOutsideTheOutputFolder() throws {
        let parent = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let out = parent.appendingPathComponent("out")
        let owners = ["../../escape", "/etc/passwd", "..", "all", "", "a/b", "Zoë Ødegaard", "鈴木", "con", "Ann B", "ann-b"]
        let leads = owners.enumerated().map { Lead(id: "X\($0.offset)", name: "N", owner: $0.element, status: .new) }
        let manifest = try writeFeeds(leads, into: out)
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["out"])
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0 != ".followup.lock" }
        #expect(files.count == owners.count * 2 + 3)
        for file in files {
            #expect(file.range(of: "^[a-z0-9][a-z0-9-]*\\.(events|tasks)\\.ics$|^index\\.json$", options: .regularExpression) != nil, "\(file)")
        }
        #expect(Set(manifest.feeds.map(\.file)).count == manifest.feeds.count, "every owner has their own files")
        #expect(files.contains("zoe-odegaard.events.ics"))
        #expect(manifest.feeds.filter { $0.owner == "all" }.allSatisfy { $0.file != "all.events.ics" })
    }
}

@Suite struct FeedShapeTests {
    static let leads =
        sampleLeads + [
            Lead(id: "T1", name: "Taro", owner: "Alice", timeZone: "Asia/Tokyo", status: .new, firstContact: day("2026-12-02")),
            Lead(
                id: "N1", name: "Nia", owner: "Bob", timeZone: "America/New_York", status: .engaged,
                nextStepDue: day("2026-12-04"), nextStepOwner: .me),
        ]

    @Test func aDigestListsEachOwnersDayAtTheStartOfTheirWorkingDay() throws {
        let plain = try temporaryFolder(), digest = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: plain); try? FileManager.default.removeItem(at: digest) }
        _ = try writeFeeds(Self.leads, into: plain)
        let manifest = try writeFeeds(Self.leads, options: FeedOptions(digest: true, ownerTimeZone: "America/New_York"), into: digest)

        let events = try components(read(digest, "alice.events.ics"), "VEVENT")
        let touches = try components(read(plain, "alice.events.ics"), "VEVENT")
        #expect(events.count < touches.count)
        var listed = 0
        for event in events {
            let uid = try #require(event.property("UID")?.value)
            #expect(uid.hasPrefix("digest.alice."))
            let count = try #require(Int(event.property("SUMMARY")!.value.dropFirst("Follow-ups today (".count).dropLast()))
            listed += count
            #expect(event.property("DTSTART")?.value.hasSuffix("T093000") == true, "the start of the playbook's working day")
            #expect(event.property("DTSTART")?.parameters["TZID"] == "America/New_York")
            let description = try #require(event.property("DESCRIPTION")?.value)
            #expect(description.components(separatedBy: "\n- ").count - 1 == count)
        }
        #expect(listed == touches.count, "every touch is in exactly one digest")
        // Taro's Day 0 is 09:30 in Tokyo on Dec 2: 19:30 on Dec 1 in New York.
        let december1 = try #require(events.first { $0.property("UID")?.value == "digest.alice.20261201@followup" })
        #expect(december1.property("DESCRIPTION")?.value.contains("- 19:30 (09:30 in Asia/Tokyo): First contact: Taro") == true)
        // The tasks are the same with or without a digest.
        #expect(try read(plain, "all.tasks.ics") == read(digest, "all.tasks.ics"))
        #expect(
            manifest.feeds.first { $0.file == "all.events.ics" }?.components == events.count + (try components(read(digest, "bob.events.ics"), "VEVENT").count))
    }

    @Test func eachOwnersDigestStartsTheirDayInTheirZoneAndCarriesTheWork() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var playbook = Playbook.standard
        playbook.owners = [
            "alice": OwnerDay(timeZone: "Europe/Berlin", dayStart: TimeOfDay(hour: 8, minute: 0), dayEnd: TimeOfDay(hour: 16, minute: 0)),
            "bob": OwnerDay(timeZone: "America/Los_Angeles"),
        ]
        let leads = [
            Lead(id: "A1", name: "Ann Lee", email: "ann@example.com", owner: "Alice", timeZone: "Europe/Paris", status: .new),
            Lead(id: "A2", name: "Aki Sato", owner: "Alice", timeZone: "Asia/Tokyo", status: .new),
            Lead(id: "B1", name: "Ben Ray", owner: "Bob", timeZone: "America/New_York", status: .new),
        ]
        _ = try writeFeeds(leads, options: FeedOptions(digest: true, ownerTimeZone: "America/New_York"), playbook: playbook, into: folder)
        let alice = try components(read(folder, "alice.events.ics"), "VEVENT")
        let bob = try components(read(folder, "bob.events.ics"), "VEVENT")
        #expect(!alice.isEmpty && !bob.isEmpty)
        for event in alice {
            #expect(event.property("DTSTART")?.parameters["TZID"] == "Europe/Berlin")
            #expect(event.property("DTSTART")?.value.hasSuffix("T080000") == true, "Alice's day starts at 08:00 in Berlin")
        }
        for event in bob {
            #expect(event.property("DTSTART")?.parameters["TZID"] == "America/Los_Angeles")
            #expect(event.property("DTSTART")?.value.hasSuffix("T093000") == true, "Bob's day starts at the playbook's 09:30 in Los Angeles")
        }
        // The first day lists each touch on Alice's clock, with what the task has: the step, what to bring, the draft.
        let first = try #require(alice.first { $0.property("UID")?.value == "digest.alice.20261201@followup" })
        let description = try #require(first.property("DESCRIPTION")?.value)
        #expect(description.contains("(times in Europe/Berlin)"))
        // Ann (Paris) gets the first slot inside her hours, 09:30; Aki (Tokyo) the slot where Tokyo's day and Alice's overlap.
        #expect(description.contains("- 09:30: First contact: Ann Lee <ann@example.com>"), "\(description)")
        #expect(description.contains("- 08:00: First contact: Aki Sato"), "\(description)")
        #expect(description.firstRange(of: "Aki Sato")!.lowerBound < description.firstRange(of: "Ann Lee")!.lowerBound, "in time order")
        #expect(description.contains("Day 0, by email."))
        #expect(description.contains("Bring: A clear first message"))
        #expect(description.contains("Draft:\n    Hi Ann,"))
        #expect(!description.contains("tasks feed"))
    }

    @Test func allDayEventsEndTheNextDayAndStillRemindAtTheTouchTime() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try writeFeeds(Self.leads, options: FeedOptions(allDay: true), into: folder)
        let text = try read(folder, "all.events.ics")
        #expect(try components(text, "VTIMEZONE").isEmpty, "all-day events name no zone")
        for event in try components(text, "VEVENT") {
            let start = try #require(event.property("DTSTART")), end = try #require(event.property("DTEND"))
            #expect(start.parameters["VALUE"] == "DATE" && end.parameters["VALUE"] == "DATE")
            let startDay = try #require(LocalDate(iso: "\(start.value.prefix(4))-\(start.value.dropFirst(4).prefix(2))-\(start.value.suffix(2))"))
            #expect(end.value == startDay.adding(days: 1).description.filter { $0 != "-" }, "an exclusive end: the next day")
            // 09:30 less 15 minutes, from midnight.
            #expect(event.components(of: "VALARM").first?.property("TRIGGER")?.value == "PT9H15M")
        }
        #expect(ICalLint.check(Array(text.utf8)).isEmpty)
    }

    @Test(arguments: FeedProfile.all)
    func profilesKeepOrDropAlarms(_ profile: FeedProfile) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try writeFeeds(Self.leads, options: FeedOptions(profile: profile), into: folder)
        let events = try components(read(folder, "all.events.ics"), "VEVENT")
        #expect(!events.isEmpty)
        let withAlarms = events.filter { !$0.components(of: "VALARM").isEmpty }.count
        #expect(withAlarms == (profile.alarms ? events.count : 0), "\(profile.name)")
        #expect(["google", "outlook"].contains(profile.name) != profile.alarms)
    }
}

@Suite struct ComponentBuilderTests {
    @Test func aZoneLibicalCannotDescribeIsWrittenInUTC() throws {
        let planner = try Planner(defaultTimeZone: "UTC", now: .date(day("2026-12-01")))
        let lead = Lead(
            id: "z", name: "Zed", timeZone: "America/New_York", status: .engaged,
            nextStepDue: day("2027-03-15"), nextStepOwner: .me)
        let touch = try #require(planner.plan(lead).first)
        let builder = ComponentBuilder(canWriteZone: { _ in false })
        // 09:30 EDT is 13:30 UTC.
        #expect(builder.event(for: touch).start == .utc(CivilDateTime(year: 2027, month: 3, day: 15, hour: 13, minute: 30)))
        #expect(
            ComponentBuilder(canWriteZone: { _ in true }).event(for: touch).start
                == .zoned(CivilDateTime(year: 2027, month: 3, day: 15, hour: 9, minute: 30), tzid: "America/New_York"))
    }
}

@Suite struct OrganizerTests {
    @Test(arguments: [
        ("Alice Martin", "mailto:alice-martin@followup.invalid"),
        ("alice@example.com", "mailto:alice@example.com"),
        (" Bo@Example.org ", "mailto:Bo@Example.org"),
        ("Zoë Ødegaard", "mailto:zoe-odegaard@followup.invalid"),
        ("not an@address", "mailto:not-an-address@followup.invalid"),
    ])
    func theOwnerOrganisesTheirTouches(_ owner: String, _ address: String) throws {
        let planner = try Planner(defaultTimeZone: "UTC", now: .date(day("2026-12-01")))
        let touch = try #require(planner.plan(Lead(id: "a", name: "A", owner: owner, status: .new)).first)
        let builder = ComponentBuilder(canWriteZone: { _ in true })
        #expect(builder.event(for: touch).common.organizer?.address == address)
        #expect(builder.todo(for: touch).common.organizer?.address == address)
    }
}

@Suite struct OwnerNameTests {
    @Test func namesBecomeStableSafeStems() {
        let feeds = OwnerNames.feeds(for: ["Alice Martin", "alice martin", "Bo", "Zoë Ødegaard", "all", "!!!"])
        let stems = Dictionary(uniqueKeysWithValues: feeds.map { ($0.owner, $0.stem) })
        #expect(stems["Alice Martin"] == "alice-martin")
        #expect(stems["alice martin"] == nil)
        #expect(stems["Bo"] == "bo")
        #expect(stems["Zoë Ødegaard"] == "zoe-odegaard")
        #expect(stems["all"]?.hasPrefix("all-") == true)
        #expect(stems["!!!"]?.hasPrefix("owner-") == true)
        // The same owners give the same stems on every run.
        #expect(OwnerNames.feeds(for: ["all", "!!!"]) == OwnerNames.feeds(for: ["!!!", "all"]))
        #expect(OwnerNames.slug("José Ñúñez") == "jose-nunez")
        #expect(OwnerNames.slug("Пётр Иванов") == "petr-ivanov")
        #expect(OwnerNames.slug("O'Brien, Pat (EMEA) #2") == "o-brien-pat-emea-2")
    }

    @Test func asciiNamesSkipTransliterationBecauseICUWouldLeaveThemAsTheyAre() {
        // Every printable ASCII character, and the control characters a cell can hold.
        let ascii = String(decoding: Array(0x20...0x7E) + [0x09, 0x0A, 0x0D], as: UTF8.self)
        let icu = ascii.applyingTransform(StringTransform("Any-Latin; Latin-ASCII"), reverse: false)
        #expect(icu == ascii)
        #expect(OwnerNames.latin(ascii) == ascii)
        #expect(OwnerNames.latin("Zoë") == "Zoe", "anything else still goes through ICU")
    }

    @Test func uidsAreDistinctForDistinctLeadIDs() {
        let ids = ["a.b", "a%2Eb", "a b", "a_b", "a-b", "ä", "a/b", "a@b"]
        let uids = ids.map { ComponentBuilder.uid(leadID: $0, key: "day0", component: "event") }
        #expect(Set(uids).count == ids.count)
        #expect(uids.allSatisfy { !$0.contains(" ") && !$0.contains("/") })
    }

    @Test func onlyUnreservedCharactersStayAsTheyAreInAUID() {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~".utf8)
        for byte in UInt8(0x20)...UInt8(0x7E) {
            let id = String(Unicode.Scalar(byte))
            let hex = String(byte, radix: 16, uppercase: true)
            let expected = unreserved.contains(byte) ? id : "%" + hex
            #expect(ComponentBuilder.uid(leadID: id, key: "day0", component: "todo") == "\(expected).day0.todo@followup", "\(id)")
        }
    }
}

@Suite struct SingleLineTextTests {
    @Test func titlesAlarmsAndOrganizersAreOneLineAndDescriptionsKeepTheirBreaks() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let lead = Lead(
            id: "N1", name: "Ann\r\nLee", company: "Acme\nRobotics\u{1B}[31m", owner: "Bo\nZhang", timeZone: "Europe/Berlin",
            status: .new, notes: "line one\nline two")
        _ = try writeFeeds([lead], into: folder)
        for file in ["all.events.ics", "all.tasks.ics"] {
            let items = try components(read(folder, file), file.contains("events") ? "VEVENT" : "VTODO")
            #expect(!items.isEmpty)
            for item in items {
                let summary = try #require(item.property("SUMMARY")?.value)
                #expect(!summary.contains("\n") && !summary.contains("\r") && !summary.contains("\u{1B}"), "\(summary)")
                #expect(summary.hasSuffix("Ann Lee (Acme Robotics [31m)"), "\(summary)")
                #expect(item.property("ORGANIZER")?.parameters["CN"] == "Bo Zhang")
                #expect(item.property("DESCRIPTION")?.value.contains("line one\nline two") == true)
                for alarm in item.components where alarm.kind == "VALARM" {
                    #expect(alarm.property("DESCRIPTION")?.value == summary)
                }
            }
        }
    }

    @Test(arguments: [
        ("a\nb", "a b"), ("a\r\n\r\nb", "a b"), ("a \n b", "a b"), ("\nlead", "lead"), ("tab\there", "tab here"),
        ("plain", "plain"), ("Zoë\u{2028}Ødegaard", "Zoë Ødegaard"), ("end\n", "end"), ("a\n b", "a b"),
    ])
    func controlCharactersBecomeOneSpace(_ text: String, _ expected: String) {
        #expect(ComponentBuilder.singleLine(text) == expected)
    }
}
