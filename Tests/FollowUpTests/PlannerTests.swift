import FollowUp
import Foundation
import Testing

func day(_ text: String) -> LocalDate { LocalDate(iso: text)! }

/// Plans one lead with the standard playbook; 2026-12-01 is a Tuesday.
func plan(_ lead: Lead, now: String = "2026-12-01", zone: String = "America/New_York", horizon: Int? = nil) throws -> [Touchpoint] {
    let planner = try Planner(defaultTimeZone: zone, now: .date(day(now)), horizonDays: horizon)
    return planner.plan(lead)
}

func dates(_ touches: [Touchpoint]) -> [String] { touches.map(\.date.description) }

@Suite struct CadenceTests {
    @Test func newLeadWithoutFirstContactStartsToday() throws {
        let touches = try plan(Lead(id: "a", name: "Ann Lee", status: .new))
        #expect(touches.map(\.key) == ["day0", "day2-3", "day7-10", "day21-30", "day35-42"])
        #expect(dates(touches) == ["2026-12-01", "2026-12-03", "2026-12-08", "2026-12-22", "2027-01-05"])
        #expect(touches.allSatisfy { !$0.overdue && $0.time == TimeOfDay(hour: 9, minute: 30) })
        #expect(touches.last?.prompt.contains("not now") == true)
        #expect(touches.last?.draft.contains("not now") == true)
    }

    @Test func emptyStatusIsActiveWithFirstContactAndNewWithout() throws {
        let withContact = try plan(Lead(id: "a", name: "A", firstContact: day("2026-11-30")))
        #expect(withContact.first?.key == "day2-3", "Day 0 was the first contact")
        let without = try plan(Lead(id: "b", name: "B"))
        #expect(without.first?.key == "day0")
        #expect(without.first?.date == day("2026-12-01"))
    }

    @Test func dayZeroOnAWeekendMovesToMonday() throws {
        let touches = try plan(Lead(id: "a", name: "A", status: .new, firstContact: day("2026-12-05")))
        #expect(touches.first?.date == day("2026-12-07"))
        #expect(touches.first?.overdue == false)
        #expect(touches.first?.movedDays == 0, "moving past a weekend is not a slip")
        // Day 2–3 is Dec 7–8, but never closer than 2 business days to Day 0.
        #expect(touches[1].date == day("2026-12-09"))
        // Day 7–10 keeps its window: Dec 12–15, first business day Dec 14.
        #expect(touches[2].date == day("2026-12-14"))
    }

    @Test func aWindowOfOnlyWeekendTakesTheNextBusinessDay() throws {
        // Day 0 on Thursday Dec 3: Day 2–3 is Saturday–Sunday.
        let touches = try plan(Lead(id: "a", name: "A", status: .new, firstContact: day("2026-12-03")))
        #expect(dates(touches).prefix(3) == ["2026-12-03", "2026-12-07", "2026-12-10"])
        #expect(touches[1].windowEnd >= touches[1].windowStart)
        #expect(touches.allSatisfy { $0.movedDays == 0 })
    }

    @Test func neverTwoTouchesWithinTwoBusinessDays() throws {
        // Day 0 on Friday Dec 4: Day 2–3 (Sun–Mon) would be Monday, one business day later.
        let touches = try plan(Lead(id: "a", name: "A", status: .new, firstContact: day("2026-12-04")))
        #expect(dates(touches).prefix(2) == ["2026-12-04", "2026-12-08"])
        // The gap counts from our last real contact too.
        let active = try plan(Lead(id: "b", name: "B", status: .active, firstContact: day("2026-11-27"), lastContact: day("2026-11-27")))
        #expect(active.first?.date == day("2026-12-01"))
    }

    @Test func anOverdueStepShowsTodayAndLaterWindowsShiftBySlip() throws {
        let touches = try plan(Lead(id: "a", name: "A", status: .active, firstContact: day("2026-11-02"), lastContact: day("2026-11-04")))
        let overdue = try #require(touches.first)
        #expect(overdue.key == "day7-10")
        #expect(overdue.overdue)
        #expect(overdue.date == day("2026-12-01"))
        // The task keeps the window it had.
        #expect(overdue.windowStart == day("2026-11-09"))
        #expect(overdue.windowEnd == day("2026-11-12"))
        // Slip: Nov 9 → Dec 1 is 22 days; Day 21–30 (Nov 23–Dec 2) becomes Dec 15–24.
        #expect(touches[1].date == day("2026-12-15"))
        #expect(touches[1].windowEnd == day("2026-12-24"))
        #expect(touches[2].date == day("2026-12-29"))
        #expect(touches.dropFirst().allSatisfy { !$0.overdue && $0.movedDays == 22 })
        #expect(overdue.reason.contains("Overdue"))
    }

    @Test func onlyOneStepIsOverdueHoweverLongTheSilence() throws {
        let touches = try plan(Lead(id: "a", name: "A", status: .active, firstContact: day("2026-06-01")))
        #expect(touches.filter(\.overdue).count == 1)
        #expect(touches.first?.key == "day2-3")
        #expect(touches.count == 4)
    }

    @Test func aStepDoneLateMovesTheLaterWindows() throws {
        // Day 7–10 (Nov 23–26) was done on Nov 30, 7 days after Nov 23.
        let touches = try plan(Lead(id: "a", name: "A", status: .active, firstContact: day("2026-11-16"), lastContact: day("2026-11-30")))
        #expect(touches.first?.key == "day21-30")
        #expect(touches.first?.date == day("2026-12-14"))
        #expect(touches.first?.overdue == false)
    }

    @Test func aStepInsideItsOpenWindowIsNotOverdue() throws {
        let open = try plan(Lead(id: "a", name: "A", status: .active, firstContact: day("2026-11-22"), lastContact: day("2026-11-24")), now: "2026-11-30")
        // Day 7–10 is Nov 29–Dec 2: planned on Monday Nov 30, which is today.
        #expect(open.first?.date == day("2026-11-30"))
        #expect(open.first?.overdue == false)
        let later = try plan(Lead(id: "a", name: "A", status: .active, firstContact: day("2026-11-22"), lastContact: day("2026-11-24")), now: "2026-12-02")
        #expect(later.first?.key == "day7-10")
        #expect(later.first?.date == day("2026-12-02"), "still inside the window: today, not overdue")
        #expect(later.first?.overdue == false)
    }

    @Test func horizonBoundsTheCadence() throws {
        let touches = try plan(Lead(id: "a", name: "A", status: .new), horizon: 10)
        #expect(dates(touches) == ["2026-12-01", "2026-12-03", "2026-12-08"])
        #expect(try plan(Lead(id: "a", name: "A", status: .new), horizon: 0).count == 1)
    }

    @Test func snoozedActiveLeadGetsNothingBeforeTheSnoozeEnds() throws {
        let touches = try plan(
            Lead(
                id: "a", name: "A", status: .active, firstContact: day("2026-11-30"),
                lastContact: day("2026-11-30"), snoozeUntil: day("2026-12-12")))
        #expect(touches.first?.date == day("2026-12-14"))
        #expect(touches.allSatisfy { $0.date >= day("2026-12-12") })
    }

    @Test func aPlanThatDoesNotDependOnTodayIsTheSameTomorrow() throws {
        let lead = Lead(id: "a", name: "A", status: .active, firstContact: day("2026-11-30"), lastContact: day("2026-11-30"))
        let today = try plan(lead, now: "2026-12-01"), tomorrow = try plan(lead, now: "2026-12-02")
        #expect(today == tomorrow, "no churn in a subscribed feed")
        #expect(today.allSatisfy { $0.lastChanged == day("2026-11-30") })
        // A lead without a first contact starts today, so its plan changes with today.
        let fresh = try plan(Lead(id: "b", name: "B", status: .new), now: "2026-12-02")
        #expect(fresh.allSatisfy { $0.lastChanged == day("2026-12-02") })
    }

    @Test func draftsUseTheLeadsContextAsPlainText() throws {
        let touches = try plan(Lead(id: "a", name: "Quinn O'Brien", company: "O'Brien & Sons", status: .new, notes: "Needs <board> approval"))
        let draft = try #require(touches.first?.draft)
        #expect(draft.hasPrefix("Hi Quinn,"))
        #expect(draft.contains("O'Brien & Sons"), "no HTML escaping: \(draft)")
        #expect(!draft.contains("&amp;") && !draft.contains("&#39;"))
    }
}

@Suite struct StatusTests {
    @Test(arguments: [LeadStatus.won, .lost, .closed, .paused])
    func finishedOrPausedLeadsGetNothing(_ status: LeadStatus) throws {
        let lead = Lead(
            id: "a", name: "A", status: status, firstContact: day("2026-11-02"),
            nextStep: "Call", nextStepDue: day("2026-12-05"), snoozeUntil: day("2026-12-10"))
        #expect(try plan(lead).isEmpty)
    }

    @Test func aReplyAfterOurLastTouchStopsTheCadence() throws {
        let lead = Lead(
            id: "a", name: "A", status: .active, firstContact: day("2026-11-16"), lastContact: day("2026-11-23"),
            lastReply: day("2026-11-25"))
        let touches = try plan(lead)
        #expect(touches.map(\.kind) == [.agreeNextStep])
        // A reply on the day of our touch does not.
        var same = lead
        same.lastReply = day("2026-11-23")
        #expect(try plan(same).allSatisfy { $0.kind == .cadence })
    }

    @Test func myNextStepIsOnItsDueDate() throws {
        let touches = try plan(Lead(id: "a", name: "A", status: .engaged, nextStep: "Send the proposal", nextStepDue: day("2026-12-03"), nextStepOwner: .me))
        #expect(touches.count == 1)
        #expect(touches[0].kind == .nextStepMine)
        #expect(touches[0].date == day("2026-12-03"))
        #expect(touches[0].draft.contains("Send the proposal"))
    }

    @Test(arguments: [("2026-12-02", "2026-12-03"), ("2026-12-04", "2026-12-07"), ("2026-12-05", "2026-12-07")])
    func theirNextStepGetsACheckInTheNextBusinessDay(_ due: String, _ expected: String) throws {
        let touches = try plan(Lead(id: "a", name: "A", status: .engaged, nextStep: "Send numbers", nextStepDue: day(due), nextStepOwner: .them))
        #expect(touches.map(\.kind) == [.nextStepTheirs])
        #expect(touches.first?.date == day(expected))
    }

    @Test func aMissedNextStepIsOverdueToday() throws {
        let touches = try plan(Lead(id: "a", name: "A", status: .engaged, nextStepDue: day("2026-11-23"), nextStepOwner: .them))
        #expect(touches.first?.overdue == true)
        #expect(touches.first?.date == day("2026-12-01"))
        #expect(touches.first?.windowStart == day("2026-11-24"))
    }

    @Test func anAgreedStepBeyondTheHorizonIsStillWritten() throws {
        let touches = try plan(Lead(id: "a", name: "A", status: .engaged, nextStepDue: day("2027-06-01")), horizon: 30)
        #expect(touches.first?.date == day("2027-06-01"))
        #expect(touches.first?.kind == .nextStepMine, "the owner defaults to me")
    }

    @Test func noNextStepMeansAgreeOnOneTheBusinessDayAfterTheirReply() throws {
        let replied = Lead(id: "a", name: "A", status: .engaged, lastReply: day("2026-12-01"))
        let touch = try #require(try plan(replied).first)
        #expect(touch.kind == .agreeNextStep)
        #expect(touch.date == day("2026-12-02"))
        #expect(touch.windowEnd == day("2026-12-02"), "due that day")
        #expect(!touch.overdue)
        // It does not move with today: planned on Wednesday, it is still Wednesday.
        #expect(try plan(replied, now: "2026-12-02").first?.date == day("2026-12-02"))
        #expect(try plan(replied, now: "2026-12-02").first?.overdue == false)
        // A reply on Friday: due Monday.
        let friday = Lead(id: "b", name: "B", status: .engaged, lastReply: day("2026-12-04"))
        #expect(try plan(friday, now: "2026-12-04").map(\.date) == [day("2026-12-07")])
    }

    @Test func agreeingOnANextStepBecomesOverdueWhenItsDayPasses() throws {
        let lead = Lead(id: "a", name: "A", status: .engaged, lastContact: day("2026-11-16"), lastReply: day("2026-11-17"))
        let touch = try #require(try plan(lead).first)
        #expect(touch.overdue)
        #expect(touch.date == day("2026-12-01"), "shown today")
        #expect(touch.windowEnd == day("2026-11-18"), "the task keeps its due date")
        #expect(touch.reason.contains("Overdue"))
        // A contact from us since the reply moves it: due the business day after that contact.
        var since = lead
        since.lastContact = day("2026-11-30")
        let after = try #require(try plan(since).first)
        #expect(after.date == day("2026-12-01"))
        #expect(!after.overdue)
        // With no date at all in the lead's history, it is due from today.
        #expect(try plan(Lead(id: "c", name: "C", status: .engaged)).map(\.date) == [day("2026-12-01")])
    }

    @Test func notYetWaitsForTheSnoozeThenChecksBack() throws {
        let touches = try plan(Lead(id: "a", name: "A", status: .notYet, snoozeUntil: day("2027-03-06")))
        #expect(touches.map(\.kind) == [.checkBack])
        #expect(touches.first?.date == day("2027-03-08"), "a Saturday snooze checks back on Monday")
        // With no snooze and no history, nurture starts from today: a light update in 3 months.
        #expect(try plan(Lead(id: "a", name: "A", status: .notYet)).map(\.key) == ["quarterly-2027-03-01"])
        let missed = try plan(Lead(id: "a", name: "A", status: .notYet, lastContact: day("2026-10-01"), snoozeUntil: day("2026-11-20")))
        #expect(missed.first?.overdue == true)
        #expect(missed.first?.date == day("2026-12-01"))
        let done = try plan(Lead(id: "a", name: "A", status: .notYet, lastContact: day("2026-11-23"), snoozeUntil: day("2026-11-20")))
        #expect(!done.contains { $0.kind == .checkBack }, "the contact after the snooze was the check-back")
        #expect(done.map(\.key) == ["quarterly-2027-02-20"], "the quarterly rhythm runs from the snooze")
    }
}

/// Invariants over many generated leads: whatever the data, the plan keeps the rules.
@Suite struct PlanInvariantTests {
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            // SplitMix64: a fixed seed gives the same leads on every run.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func randomLead(_ index: Int, _ rng: inout SeededGenerator, today: LocalDate) -> Lead {
        func maybeDate(_ range: ClosedRange<Int>) -> LocalDate? {
            Bool.random(using: &rng) ? today.adding(days: Int.random(in: range, using: &rng)) : nil
        }
        let statuses: [LeadStatus?] = [nil, .new, .active, .active, .engaged, .notYet, .won, .paused]
        let first = maybeDate(-80...10)
        let last = first.flatMap { f in Bool.random(using: &rng) ? f.adding(days: Int.random(in: 0...60, using: &rng)) : nil }
        return Lead(
            id: "L\(index)", name: "Lead \(index)",
            timeZone: ["America/New_York", "Asia/Tokyo", "Europe/Berlin", "Pacific/Auckland"].randomElement(using: &rng),
            status: statuses.randomElement(using: &rng)!, firstContact: first, lastContact: last,
            lastReply: maybeDate(-40...0), nextStepDue: maybeDate(-20...120),
            nextStepOwner: [.me, .them].randomElement(using: &rng), snoozeUntil: maybeDate(-30...60))
    }

    @Test(arguments: ["2026-12-01", "2026-12-05", "2027-03-14"])
    func everyPlanKeepsTheRules(_ now: String) async throws {
        let today = day(now)
        let planner = try Planner(defaultTimeZone: "UTC", now: .date(today))
        let calendar = Playbook.standard.calendar
        var rng = SeededGenerator(state: 42)
        for index in 0..<3_000 {
            // CPU work: let the pool's other tasks (the HTTP server the Publish tests run) in now and then.
            if index % 200 == 0 { await Task.yield() }
            let lead = Self.randomLead(index, &rng, today: today)
            let touches = planner.plan(lead)
            let context = "\(lead)"
            #expect(touches.filter(\.overdue).count <= 1, "\(context)")
            for touch in touches {
                #expect(touch.date >= today, "in the past: \(context)")
                #expect(touch.windowEnd >= touch.windowStart, "\(context)")
                if touch.overdue {
                    #expect(
                        touch.date == calendar.firstBusinessDay(onOrAfter: today)
                            || touch.date == lead.snoozeUntil.map { calendar.firstBusinessDay(onOrAfter: $0) }, "\(context)")
                }
                #expect(calendar.isBusinessDay(touch.date), "not a business day: \(touch.date) \(context)")
                // A promise of mine stands through a snooze; nothing else does.
                if let snooze = lead.snoozeUntil, snooze > today, touch.kind != .nextStepMine {
                    #expect(touch.date >= snooze, "before the snooze ends: \(context)")
                }
                if touch.kind == .cadence {
                    #expect(touch.date <= today.adding(days: Playbook.standard.horizonDays), "\(context)")
                }
            }
            // A promise of mine is kept on its date, whatever else is planned.
            for (earlier, later) in zip(touches, touches.dropFirst()) where earlier.kind != .nextStepMine && later.kind != .nextStepMine {
                #expect(later.date >= calendar.adding(businessDays: 2, to: earlier.date), "too close: \(dates(touches)) \(context)")
            }
            if let lastContact = lead.lastContact, lead.effectiveStatus == .active, let first = touches.first, first.kind == .cadence, !first.overdue {
                #expect(
                    first.date >= calendar.adding(businessDays: 2, to: lastContact) || first.date == calendar.firstBusinessDay(onOrAfter: today), "\(context)")
            }
        }
    }

    @Test func thePlanDoesNotDependOnLeadOrder() throws {
        let today = day("2026-12-01")
        var rng = SeededGenerator(state: 7)
        let leads = (0..<500).map { Self.randomLead($0, &rng, today: today) }
        let forward = try Planner(defaultTimeZone: "UTC", now: .date(today))
        let backward = try Planner(defaultTimeZone: "UTC", now: .date(today))
        let a = forward.plan(leads).flatMap { $0 }
        let b = backward.plan(leads.reversed()).flatMap { $0 }
        #expect(Set(a) == Set(b))
        #expect(a.count == b.count)
    }
}
