import FollowUp
import Foundation
import PropertyBased
import Testing

/// Plans `leads` together with `playbook`.
private func planAll(
    _ leads: [Lead], playbook: Playbook = .standard, now: String = "2026-12-01",
    horizon: Int? = nil
) throws -> [[Touchpoint]] {
    try Planner(playbook: playbook, defaultTimeZone: "America/New_York", now: .date(day(now)), horizonDays: horizon).plan(leads)
}

private func planOne(_ lead: Lead, playbook: Playbook = .standard, now: String = "2026-12-01", horizon: Int? = nil) throws -> [Touchpoint] {
    try planAll([lead], playbook: playbook, now: now, horizon: horizon)[0]
}

private func notYet(
    _ id: String = "a", lastContact: String? = nil, snooze: String? = nil, fiscal: String? = nil,
    launch: String? = nil, events: [(String, String)] = []
) -> Lead {
    Lead(
        id: id, name: "Nia Park", company: "Park & Co", status: .notYet, lastContact: lastContact.map(day),
        snoozeUntil: snooze.map(day), fiscalYearStart: fiscal.flatMap { MonthDay($0) }, launchDate: launch.map(day),
        events: events.map { LeadEvent(date: day($0.0), name: $0.1) })
}

@Suite struct NurtureTests {
    @Test func theQuarterlyRhythmRunsFromTheSnooze() throws {
        let touches = try planOne(notYet(snooze: "2027-01-11"), horizon: 250)
        #expect(touches.map(\.key) == ["check-back", "quarterly-2027-04-11", "quarterly-2027-07-11"])
        #expect(touches[0].date == day("2027-01-11"))
        // 2027-04-11 is a Sunday: the window opens then and the touch takes Monday.
        #expect(touches[1].date == day("2027-04-12"))
        #expect(touches[1].kind == .nurture)
        #expect(touches[1].reason.contains("every 3 months from the end of the snooze on 2027-01-11"))
        #expect(touches.allSatisfy { $0.date >= day("2027-01-11") }, "nothing before the snooze ends")
    }

    @Test func withoutASnoozeTheRhythmRunsFromTheLastContact() throws {
        let touches = try planOne(notYet(lastContact: "2026-10-20"), horizon: 120)
        #expect(touches.map(\.key) == ["quarterly-2027-01-20"])
    }

    @Test func theIntervalIsConfigurable() throws {
        var playbook = Playbook.standard
        playbook.nurture.quarterly.offset = 1
        let touches = try planOne(notYet(snooze: "2027-01-11"), playbook: playbook, horizon: 100)
        #expect(touches.map(\.key) == ["check-back", "quarterly-2027-02-11", "quarterly-2027-03-11"])
    }

    @Test func aFiscalYearGetsANoteBeforeItAndATouchOnIt() throws {
        let touches = try planOne(notYet(lastContact: "2026-11-20", fiscal: "04-01"), horizon: 150)
        let before = try #require(touches.first { $0.key == "fiscal-year-before-2027" })
        #expect(before.date == day("2027-03-02"), "30 days before 2027-04-01")
        #expect(before.title.contains("2027"))
        #expect(before.prompt.contains("2027-04-01"), "the prompt names the fiscal year: \(before.prompt)")
        let start = try #require(touches.first { $0.key == "fiscal-year-2027" })
        #expect(start.date == day("2027-04-01"))
        #expect(start.prompt.contains("fiscal year 2027"))
    }

    @Test func aFiscalYearStartingOnFebruary29FallsOnFebruary28InOtherYears() throws {
        let common = try planOne(notYet(lastContact: "2026-11-20", fiscal: "02-29"), horizon: 120)
        let start2027 = try #require(common.first { $0.key == "fiscal-year-2027" })
        // 2027-02-28 is a Sunday: its window opens then; the touch is Monday.
        #expect(start2027.methodWindowStart == day("2027-02-28"))
        #expect(start2027.date == day("2027-03-01"))
        #expect(start2027.reason.contains("29 February does not exist in 2027"))
        #expect(common.first { $0.key == "fiscal-year-before-2027" }?.date == day("2027-01-29"))
        let leap = try planOne(notYet(lastContact: "2027-11-20", fiscal: "02-29"), now: "2027-12-01", horizon: 120)
        #expect(leap.first { $0.key == "fiscal-year-2028" }?.date == day("2028-02-29"))
    }

    @Test func aFiscalYearStartingOnDecember31() throws {
        let touches = try planOne(notYet(lastContact: "2026-11-20", fiscal: "12-31"), horizon: 60)
        #expect(touches.first { $0.key == "fiscal-year-before-2026" }?.date == day("2026-12-01"), "30 days before is today")
        #expect(touches.first { $0.key == "fiscal-year-2026" }?.date == day("2026-12-31"))
        #expect(!touches.contains { $0.key.contains("2027") }, "next year's is past the horizon")
    }

    @Test func aFutureLaunchGetsACheckInTwoWeeksAfter() throws {
        let touches = try planOne(notYet(lastContact: "2026-11-20", launch: "2027-01-18"), horizon: 90)
        let launch = try #require(touches.first { $0.key == "launch-2027-01-18" })
        #expect(launch.date == day("2027-02-01"))
        #expect(launch.title.contains("2027-01-18") && launch.prompt.contains("2027-01-18"))
    }

    @Test func aPastLaunchIsDoneWhenContactFollowedItAndOverdueWhenNot() throws {
        // Launch + 14 = 2026-11-09; a contact on 2026-11-20 came after it.
        let done = try planOne(notYet(lastContact: "2026-11-20", launch: "2026-10-26"), horizon: 30)
        #expect(!done.contains { $0.key.hasPrefix("launch") })
        // No contact since the milestone: one overdue touch now.
        let missed = try planOne(notYet(lastContact: "2026-10-01", launch: "2026-10-26"), horizon: 30)
        let launch = try #require(missed.first { $0.key.contains("launch-2026-10-26") })
        #expect(launch.overdue)
        #expect(launch.date == day("2026-12-01"))
    }

    @Test func anEventGetsATouchTwoBusinessDaysAfterEvenOverHolidays() throws {
        var playbook = Playbook.standard
        playbook.calendar.holidays = [day("2026-12-24"): "Christmas Eve", day("2026-12-25"): "Christmas Day"]
        // The event is on a holiday; two business days after Thursday Dec 24 are Mon Dec 28 and Tue Dec 29.
        let touches = try planOne(
            notYet(lastContact: "2026-11-20", events: [("2026-12-24", "FinTech Forum")]),
            playbook: playbook, horizon: 60)
        let event = try #require(touches.first { $0.key == "event-2026-12-24-fintech-forum" })
        #expect(event.date == day("2026-12-29"))
        #expect(event.title == "After FinTech Forum")
        #expect(event.prompt.contains("FinTech Forum") && event.prompt.contains("2026-12-24"))
    }

    @Test func milestonesWithinTheGapMergeIntoOneTouchThatNamesBoth() throws {
        let touches = try planOne(
            notYet(
                snooze: "2027-03-01", fiscal: "04-01",
                events: [("2027-03-10", "Hannover Messe")]), horizon: 120)
        let first = try #require(touches.first)
        #expect(first.key == "check-back+fiscal-year-before-2027")
        #expect(first.kind == .checkBack)
        #expect(first.date == day("2027-03-01"))
        #expect(first.title.contains("Check back") && first.title.contains("fiscal year 2027"))
        #expect(first.prompt.contains("2027-04-01"), "the merged prompt names both: \(first.prompt)")
        #expect(first.reason.contains("one touch for all of them"))
        #expect(touches.count == Set(touches.map(\.date)).count)
        #expect(touches.contains { $0.key == "event-2027-03-10-hannover-messe" && $0.date == day("2027-03-12") })
    }

    @Test func aSilentCadenceClosesTheLoopThenNurtures() throws {
        let lead = Lead(id: "a", name: "A", status: .new, fiscalYearStart: MonthDay("03-01"))
        let touches = try planOne(lead, horizon: 200)
        let closing = try #require(touches.firstIndex { $0.key == "day35-42" })
        let after = touches[(closing + 1)...]
        #expect(after.contains { $0.key == "quarterly-2027-04-05" }, "quarterly from the close of the loop on 2027-01-05")
        #expect(after.contains { $0.key == "fiscal-year-2027" })
        var closingPlaybook = Playbook.standard
        closingPlaybook.afterCloseTheLoop = .close
        #expect(try planOne(lead, playbook: closingPlaybook, horizon: 200).last?.key == "day35-42")
    }

    @Test func aLoopClosedWithoutAnswerNurturesFromThatContact() throws {
        // Close-the-loop (Day 35–42 from 2026-09-01) was sent on 2026-10-08.
        let lead = Lead(id: "a", name: "A", status: .active, firstContact: day("2026-09-01"), lastContact: day("2026-10-08"))
        #expect(try planOne(lead).map(\.key) == ["quarterly-2027-01-08"])
    }
}

@Suite struct CalendarAndCapacityTests {
    @Test func aSnoozedNewLeadStartsItsCadenceWhenTheSnoozeEnds() throws {
        let touches = try planOne(Lead(id: "a", name: "A", status: .new, snoozeUntil: day("2026-12-14")))
        #expect(touches.prefix(3).map(\.date) == [day("2026-12-14"), day("2026-12-16"), day("2026-12-21")])
        #expect(touches.allSatisfy { $0.movedDays == 0 }, "Day 0 moved, not the windows after it")
    }

    @Test func aStepRecordedAsDoneIsDoneEvenBeforeItsWindow() throws {
        // Day 7–10's case study went out early, on Day 1 (logged with --step day7-10).
        let lead = Lead(
            id: "a", name: "A", status: .active, firstContact: day("2026-11-30"), lastContact: day("2026-12-01"),
            lastStep: "day7-10")
        #expect(try planOne(lead).first?.key == "day21-30")
        var unknown = lead
        unknown.lastStep = "not-a-step"
        #expect(try planOne(unknown).first?.key == "day2-3", "an unknown step changes nothing")
    }

    @Test func holidaysAreSkippedAndNamed() throws {
        var playbook = Playbook.standard
        playbook.calendar.holidays = [day("2026-12-03"): "Founders Day"]
        // Day 2–3 after Dec 1 is Dec 3–4; Dec 3 is a holiday.
        let touches = try planOne(Lead(id: "a", name: "A", status: .new, firstContact: day("2026-12-01")), playbook: playbook)
        #expect(touches[1].date == day("2026-12-04"))
        #expect(touches[1].skipped.contains(SkippedDay(date: day("2026-12-03"), reason: .holiday("Founders Day"))))
        #expect(touches[1].reason.contains("Founders Day"))
    }

    @Test func capacitySpreadsNewLeadsOverTheirWindow() throws {
        var playbook = Playbook.standard
        playbook.dailyCapacity = 1
        // Day 0 and a close of the loop weeks later: only the Day 0s compete.
        playbook.steps = [Playbook.standard.steps[0], Playbook.standard.steps.last!]
        let leads = ["c", "a", "b"].map { Lead(id: $0, name: $0.uppercased(), owner: "Ann", status: .new) }
        let plans = try planAll(leads, playbook: playbook, horizon: 7)
        let dayZero = Dictionary(uniqueKeysWithValues: zip(leads.map(\.id), plans.map { $0.first?.date }))
        // In id order: a takes Tuesday, b Wednesday, c Thursday.
        #expect(dayZero == ["a": day("2026-12-01"), "b": day("2026-12-02"), "c": day("2026-12-03")])
        let third = try #require(plans[0].first)
        #expect(third.skipped.map(\.reason) == [.capacity(load: 1), .capacity(load: 1)])
        #expect(third.reason.contains("capacity"))
        #expect(!third.overCapacity)
    }

    @Test func whenEveryDayIsFullTheLeastLoadedOneIsTakenAndSaid() throws {
        var playbook = Playbook.standard
        playbook.dailyCapacity = 1
        playbook.newLeadWindowDays = 1
        let leads = (1...3).map { Lead(id: "L\($0)", name: "N", owner: "ann", status: .new) }
        let plans = try planAll(leads, playbook: playbook, horizon: 7)
        #expect(plans[0].first?.date == day("2026-12-01"))
        #expect(plans[1].first?.date == day("2026-12-02"))
        let over = try #require(plans[2].first)
        #expect(over.overCapacity)
        #expect(over.date == day("2026-12-01"), "both days hold one; the earliest of the least loaded")
        #expect(over.reason.contains("least-loaded"))
    }

    @Test func capacityIsPerOwnerWithoutRegardToCase() throws {
        var playbook = Playbook.standard
        playbook.dailyCapacity = 1
        playbook.capacityByOwner = ["BO": 2]
        let leads = [
            Lead(id: "a", name: "A", owner: "Ann", status: .new), Lead(id: "b", name: "B", owner: "ann", status: .new),
            Lead(id: "c", name: "C", owner: "Bo", status: .new), Lead(id: "d", name: "D", owner: "bo", status: .new),
        ]
        let dates = try planAll(leads, playbook: playbook, horizon: 7).map { $0.first?.date }
        #expect(dates == [day("2026-12-01"), day("2026-12-02"), day("2026-12-01"), day("2026-12-01")])
    }

    @Test func agreedDatesKeepTheirDayAndAreCountedFirst() throws {
        var playbook = Playbook.standard
        playbook.dailyCapacity = 1
        // "a" sorts first but is new; the promise of "z" on Dec 1 holds, so "a" waits a day.
        let leads = [
            Lead(id: "a", name: "A", owner: "ann", status: .new),
            Lead(id: "z", name: "Z", owner: "ann", status: .engaged, nextStepDue: day("2026-12-01")),
        ]
        let plans = try planAll(leads, playbook: playbook, horizon: 7)
        #expect(plans[1].first?.date == day("2026-12-01"))
        #expect(plans[0].first?.date == day("2026-12-02"))
    }

    @Test func aWindowAcrossADaylightSavingChangeKeepsTheWallClockTime() throws {
        // In New York the clocks go forward on Sunday 2027-03-14. Day 2–3 after
        // Thursday 2027-03-11 is Mar 13–14 (a weekend), so the touch is Monday.
        let touches = try planOne(
            Lead(id: "a", name: "A", timeZone: "America/New_York", status: .new, firstContact: day("2027-03-11")),
            now: "2027-03-11")
        #expect(touches[0].date == day("2027-03-11"))
        #expect(touches[1].date == day("2027-03-15"))
        #expect(touches[0].time == touches[1].time, "09:30 on the lead's clock before and after the change")
        #expect(touches[1].skipped.map(\.reason) == [.weekend, .weekend])
        #expect(touches[1].timeZone == "America/New_York")
    }
}

/// The rules, over generated leads and playbooks.
@Suite struct MethodPropertyTests {
    static let statuses: [LeadStatus?] = [nil, .new, .active, .active, .engaged, .notYet, .notYet, .won, .lost, .closed, .paused]
    static let zones: [String?] = [nil, "America/New_York", "Asia/Tokyo", "Pacific/Auckland", "Europe/Berlin"]
    static let countries: [String?] = [nil, nil, "US", "DE-BY", "GB-SCT", "IN", "BR"]

    /// A lead from twelve numbers: every field is sometimes there, dates
    /// spread around today.
    static func lead(_ index: Int, _ g: [Int], today: LocalDate) -> Lead {
        func date(_ value: Int, _ span: Int, _ back: Int) -> LocalDate { today.adding(days: value % span - back) }
        let first: LocalDate? = g[2] % 3 == 0 ? nil : date(g[2], 140, 100)
        let last: LocalDate? = g[3] % 2 == 0 ? nil : (first ?? today.adding(days: -200)).adding(days: g[3] % 70)
        let fiscal = g[7] % 4 == 0 ? "02-29" : g[7] % 4 == 1 ? "12-31" : "\(LocalDate.pad2(1 + g[7] % 12))-\(LocalDate.pad2(1 + g[7] % 28))"
        var events: [LeadEvent] = []
        if g[9] % 2 == 0 { events.append(LeadEvent(date: date(g[9], 220, 60), name: "Expo \(g[9] % 7)")) }
        if g[10] % 3 == 0 { events.append(LeadEvent(date: date(g[10], 220, 60), name: "Summit")) }
        return Lead(
            id: "L\(String(index, radix: 36))-\(g[0] % 5)", name: "Lead \(index)", owner: ["ann", "Ann", "bo", "cy"][g[1] % 4],
            timeZone: zones[g[11] % zones.count], status: statuses[g[0] % statuses.count],
            firstContact: first, lastContact: last, lastReply: g[4] % 3 == 0 ? date(g[4], 70, 60) : nil,
            nextStep: g[5] % 2 == 0 ? "Step \(g[5] % 9)" : nil, nextStepDue: g[5] % 2 == 0 ? date(g[5], 160, 40) : nil,
            nextStepOwner: g[5] % 4 < 2 ? .me : .them, snoozeUntil: g[6] % 3 == 0 ? date(g[6], 220, 50) : nil,
            fiscalYearStart: g[7] % 3 == 0 ? nil : MonthDay(fiscal), launchDate: g[8] % 3 == 0 ? date(g[8], 320, 120) : nil,
            events: events, country: countries[g[0] / 7 % countries.count])
    }

    /// A playbook and today from six numbers: capacity, gap, working days,
    /// holidays and what follows the close of the loop all vary.
    static func setup(_ p: [Int]) -> (Playbook, LocalDate) {
        let today = day("2026-11-02").adding(days: p[5] % 420)
        var playbook = Playbook.standard
        playbook.dailyCapacity = p[0] % 4 == 0 ? nil : p[0] % 4
        playbook.minimumGapBusinessDays = p[1] % 4
        playbook.calendar.workingWeekdays = [[1, 2, 3, 4, 5], [1, 2, 3, 4], [1, 2, 3, 4, 5, 6], [2, 4]][p[3] % 4]
        var holidays: [LocalDate: String] = [:]
        for k in 0..<12 { holidays[today.adding(days: (p[2] * (k + 3) + k * 17) % 150 - 20)] = "Holiday \(k)" }
        playbook.calendar.holidays = holidays
        playbook.afterCloseTheLoop = p[4] % 2 == 0 ? .nurture : .close
        playbook.horizonDays = [30, 90, 200][p[4] % 3]
        // Owners with a day of their own: a zone, hours, a country, time away.
        let away = AwayPeriod(from: today.adding(days: p[2] % 40), to: today.adding(days: p[2] % 40 + p[3] % 15))
        switch p[1] % 3 {
        case 0:
            playbook.owners = [:]
        case 1:
            playbook.owners = [
                "ann": OwnerDay(timeZone: "Europe/Berlin", country: "DE-BY", away: [away]),
                "bo": OwnerDay(
                    timeZone: "America/Los_Angeles", workingWeekdays: [1, 2, 3, 4], dayStart: TimeOfDay(hour: 8, minute: 0),
                    dayEnd: TimeOfDay(hour: 12, minute: 0), capacity: 5),
            ]
        default:
            playbook.owners = ["cy": OwnerDay(country: "JP", away: [away]), "ann": OwnerDay(timeZone: "Asia/Kolkata")]
        }
        playbook.slotMinutes = [15, 30, 5][p[0] % 3]
        playbook.countryHolidays = p[5] % 5 != 0
        return (playbook, today)
    }

    /// Days a lead's touch may not land on: the public holidays of the
    /// lead's and the owner's countries, and the owner's time away.
    static func daysOff(_ lead: Lead, _ playbook: Playbook) -> [LocalDate: String] {
        var days: [LocalDate: String] = [:]
        let owner = playbook.ownerDay(lead.owner)
        if playbook.countryHolidays {
            let regions = [
                lead.country ?? HolidayData.country(ofZone: lead.timeZone ?? "UTC"), owner?.country ?? owner?.timeZone.flatMap(HolidayData.country(ofZone:)),
            ]
            for region in regions.compactMap({ $0 }) {
                for (date, name) in HolidayData.holidays(of: region) ?? [:] { days[date] = "\(name) (\(region))" }
            }
        }
        for period in owner?.away ?? [] {
            var date = period.from
            while date <= period.to {
                days[date] = "away"
                date = date.adding(days: 1)
            }
        }
        return days
    }

    /// Gregorian calendars by zone: making one for every touch made the property slow.
    nonisolated(unsafe) static var calendars: [String: Calendar] = [:]
    static let calendarsLock = NSLock()

    /// The instant a touch starts, in minutes since the epoch.
    static func instant(_ touch: Touchpoint) -> Int {
        calendarsLock.lock()
        defer { calendarsLock.unlock() }
        if calendars[touch.timeZone] == nil {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: touch.timeZone)!
            calendars[touch.timeZone] = calendar
        }
        let date = calendars[touch.timeZone]!.date(
            from: DateComponents(year: touch.date.year, month: touch.date.month, day: touch.date.day, hour: touch.time.hour, minute: touch.time.minute))!
        return Int(date.timeIntervalSince1970) / 60
    }

    static let leadsGen = Gen.int(in: 0...10_000).array(of: 12).array(of: 1...25)
    static let playbookGen = Gen.int(in: 0...10_000).array(of: 6)

    @Test func everyPlanKeepsTheRules() async {
        await propertyCheck(count: 300, input: Self.leadsGen, Self.playbookGen) { genomes, p in
            // Each case is CPU work: let the pool's other tasks (the HTTP server the Publish tests run) in between.
            await Task.yield()
            let (playbook, today) = Self.setup(p)
            let leads = genomes.enumerated().map { Self.lead($0.offset, $0.element, today: today) }
            guard let planner = try? Planner(playbook: playbook, defaultTimeZone: "UTC", now: .date(today)) else {
                Issue.record("the planner refused a generated playbook")
                return
            }
            let plans = planner.plan(leads)
            let calendar = playbook.calendar
            var load: [String: [LocalDate: [Touchpoint]]] = [:]
            var minutes: [String: [Int: String]] = [:]
            for (lead, touches) in zip(leads, plans) {
                let off = Self.daysOff(lead, playbook)
                for touch in touches {
                    #expect(off[touch.date] == nil, "on \(off[touch.date] ?? ""): \(touch.date) \(touch.key) \(lead)")
                    let minute = Self.instant(touch)
                    let owner = lead.owner.lowercased()
                    #expect(minutes[owner]?[minute] == nil, "two touches of \(owner) at one minute: \(touch.date) \(touch.time) \(touch.timeZone)")
                    minutes[owner, default: [:]][minute] = touch.key
                    if let day = playbook.ownerDay(lead.owner), let start = day.dayStart, let end = day.dayEnd, touch.slot?.fit != .afterTheDay {
                        #expect(touch.time >= start && touch.time < end, "outside \(owner)'s hours: \(touch.time)")
                    }
                }
                if [.won, .lost, .closed, .paused].contains(lead.effectiveStatus) {
                    #expect(touches.isEmpty, "nothing for a \(lead.effectiveStatus) lead")
                }
                for touch in touches {
                    #expect(calendar.isBusinessDay(touch.date), "on a weekend or holiday: \(touch.date) \(touch.key) \(lead)")
                    #expect(touch.date >= today, "in the past: \(touch.key) \(lead)")
                    #expect(touch.date >= touch.methodWindowStart, "before its window: \(touch.key) \(lead)")
                    if touch.date > touch.methodWindowEnd && !touch.overdue {
                        #expect(touch.explanation.count > 1 || !touch.skipped.isEmpty, "moved out of its window unexplained: \(touch) ")
                    }
                    // A promise of mine stands through a snooze; nothing else does.
                    if let snooze = lead.snoozeUntil, snooze > today, touch.kind != .nextStepMine {
                        #expect(touch.date >= snooze, "before the snooze ends: \(touch.key) \(lead)")
                    }
                    load[lead.owner.lowercased(), default: [:]][touch.date, default: []].append(touch)
                }
                // A promise of mine is kept on its date, whatever else is planned.
                let method = touches.filter { $0.kind != .nextStepMine }
                for (earlier, later) in zip(method, method.dropFirst()) {
                    #expect(
                        later.date >= calendar.adding(businessDays: playbook.minimumGapBusinessDays, to: earlier.date),
                        "closer than the minimum gap: \(earlier.key) \(earlier.date), \(later.key) \(later.date) \(lead)")
                }
                #expect(method.filter(\.overdue).count <= 1, "a catch-up burst: \(touches.map(\.key)) \(lead)")
            }
            for (owner, days) in load {
                if let capacity = playbook.capacity(of: owner) {
                    for (date, touches) in days where touches.count > capacity {
                        let explained = touches.contains { $0.overCapacity || [.nextStepMine, .nextStepTheirs, .checkBack].contains($0.kind) }
                        #expect(explained, "\(owner) has \(touches.count) touches on \(date), capacity \(capacity), none says why")
                    }
                }
            }
        }
    }

    @Test func thePlanIsTheSameWhateverTheOrderOfTheLeads() async {
        await propertyCheck(count: 150, input: Self.leadsGen, Self.playbookGen, Gen.int(in: 0...1_000_000)) { genomes, p, seed in
            await Task.yield()
            let (playbook, today) = Self.setup(p)
            let leads = genomes.enumerated().map { Self.lead($0.offset, $0.element, today: today) }
            var generator = PlanInvariantTests.SeededGenerator(state: UInt64(seed))
            let shuffled = leads.shuffled(using: &generator)
            guard let planner = try? Planner(playbook: playbook, defaultTimeZone: "UTC", now: .date(today)) else { return }
            func byLead(_ leads: [Lead]) -> [String: [Touchpoint]] {
                // Ids are unique in a store; the generator may repeat one, so the key is the whole lead.
                var result: [String: [Touchpoint]] = [:]
                for (lead, touches) in zip(leads, planner.plan(leads)) { result["\(lead)", default: []] += touches }
                return result
            }
            let unique = Dictionary(grouping: leads, by: \.id).values.allSatisfy { $0.count == 1 }
            if unique { #expect(byLead(leads) == byLead(shuffled)) }
        }
    }
}

/// What a draft's template sees: fields as variables and as sections, the
/// section's own value as `{{.}}`, empty fields as absent.
@Suite struct TemplateTests {
    static let template = """
        Hi {{first_name}}{{#company}} at {{.}} ({{company}}, {{name}}){{/company}}{{^company}}, no company{{/company}}.
        {{#notes}}Notes: {{notes}}{{/notes}}{{^phone}} No phone.{{/phone}} {{&owner}} / {{{first_name}}}
        """

    static func draft(_ lead: Lead) throws -> String {
        var playbook = Playbook.standard
        playbook.steps[0].draft = template
        let touches = try planOne(lead, playbook: playbook)
        return try #require(touches.first).draft
    }

    @Test func fieldsAndSections() throws {
        let full = Lead(id: "1", name: "Ann Lee", company: "Acme & Sons", owner: "Olga", notes: "Likes <tea>")
        #expect(try Self.draft(full) == "Hi Ann at Acme & Sons (Acme & Sons, Ann Lee).\nNotes: Likes <tea> No phone. Olga / Ann")
        let bare = Lead(id: "2", name: "Bo", company: "", phone: "+1 555", owner: "Olga")
        #expect(try Self.draft(bare) == "Hi Bo, no company.\n Olga / Bo")
    }
}
