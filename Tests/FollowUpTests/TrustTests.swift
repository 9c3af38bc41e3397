import FollowUp
import Foundation
import Testing

// The everyday situations in which a plan must not say something untrue:
// snoozes, replies, promises, a run after hours, holidays by country, each
// owner's own day. December 2026: Tue 1, Sat 5, Mon 7, Tue 15, Fri 25.

/// Plans `leads` together: with `playbook`, at `now` (a day, or an instant
/// written as ISO 8601 in UTC).
private func planned(
    _ leads: [Lead], playbook: Playbook = .standard, now: String = "2026-12-01", zone: String = "America/New_York"
) throws -> [[Touchpoint]] {
    let when: PlanningNow
    if now.count > 10, let instant = ISO8601DateFormatter().date(from: now) {
        when = .instant(instant)
    } else {
        when = .date(day(now))
    }
    return try Planner(playbook: playbook, defaultTimeZone: zone, now: when).plan(leads)
}

private func planned(_ lead: Lead, playbook: Playbook = .standard, now: String = "2026-12-01", zone: String = "America/New_York") throws
    -> [Touchpoint]
{
    try planned([lead], playbook: playbook, now: now, zone: zone)[0]
}

@Suite struct SnoozeTests {
    /// Day 0 on Nov 2, Day 2–3 done on Nov 4: Day 7–10 (Nov 9–12) waited for the snooze.
    let snoozedActive = Lead(
        id: "a", name: "Ann Lee", timeZone: "America/New_York", status: .active,
        firstContact: day("2026-11-02"), lastContact: day("2026-11-04"), snoozeUntil: day("2026-12-15"))

    @Test func aSnoozedLeadIsDueWhenTheSnoozeEndsNotOverdue() throws {
        let touches = try planned(snoozedActive)
        let first = try #require(touches.first)
        #expect(first.key == "day7-10")
        #expect(first.date == day("2026-12-15"))
        #expect(!first.overdue, "a snooze moves the step; it is not missed")
        #expect(first.windowStart == day("2026-12-15"), "the task's window opens when the snooze ends")
        #expect(first.windowEnd == day("2026-12-18"), "and keeps the method's length")
        #expect(!first.reason.contains("Overdue"))
        #expect(first.reason.contains("Snoozed until 2026-12-15"))
        #expect(touches.allSatisfy { !$0.overdue && $0.date >= day("2026-12-15") })
    }

    @Test func whenTheSnoozeHasEndedWithNoContactTheStepIsOverdueFromItsEnd() throws {
        var lead = snoozedActive
        lead.snoozeUntil = day("2026-11-20")
        let first = try #require(try planned(lead).first)
        #expect(first.overdue)
        #expect(first.date == day("2026-12-01"))
        #expect(first.windowStart == day("2026-11-20"), "the window opened when the snooze ended")
        #expect(first.windowEnd == day("2026-11-23"))
    }

    /// An engaged lead who replied on Nov 30, with my promise due Dec 8, says "not now" until Jan 15.
    let promised = Lead(
        id: "p", name: "Pia Holm", timeZone: "America/New_York", status: .engaged, lastReply: day("2026-11-30"),
        nextStep: "Send the ROI model", nextStepDue: day("2026-12-08"), nextStepOwner: .me)

    @Test func snoozingKeepsMyPromiseOnItsDate() throws {
        let touches = try planned(promised.snoozed(until: day("2027-01-15")))
        #expect(touches.map(\.kind) == [.nextStepMine, .checkBack])
        #expect(touches.first?.date == day("2026-12-08"))
        #expect(touches.first?.reason.contains("your promise stands") == true)
        #expect(touches.last?.date == day("2027-01-15"))
    }

    @Test func droppingTheNextStepLeavesOnlyTheCheckBack() throws {
        let snoozed = promised.snoozed(until: day("2027-01-15"), droppingNextStep: true)
        #expect(snoozed.nextStep == nil && snoozed.nextStepDue == nil)
        #expect(try planned(snoozed).map(\.kind) == [.checkBack])
    }

    @Test func theirPromiseWaitsForTheSnooze() throws {
        var theirs = promised
        theirs.nextStepOwner = .them
        #expect(try planned(theirs.snoozed(until: day("2027-01-15"))).map(\.kind) == [.checkBack])
    }
}

@Suite struct PromiseDateTests {
    func mine(due: String, timeZone: String = "America/New_York", owner: StepOwner = .me) -> Lead {
        Lead(
            id: "m", name: "Max Roy", timeZone: timeZone, status: .engaged, lastReply: day("2026-11-20"),
            nextStep: "Call to walk through the ROI model", nextStepDue: day(due), nextStepOwner: owner)
    }

    @Test func myPromiseDueOnSaturdayIsKeptOnFriday() throws {
        let touch = try #require(try planned(mine(due: "2026-12-05")).first)
        #expect(touch.kind == .nextStepMine)
        #expect(touch.date == day("2026-12-04"))
        #expect(touch.windowEnd == day("2026-12-04"), "due on the day it is kept")
        #expect(!touch.overdue)
        #expect(touch.reason.contains("kept on the last business day before it, 2026-12-04"))
        #expect(!touch.reason.contains("2026-12-07"), "explain does not contradict itself")
    }

    @Test func myPromiseDueOnAHolidayIsKeptTheBusinessDayBefore() throws {
        // Thanksgiving, Thursday 2026-11-26, for a lead in the US; an ordinary day in Germany.
        #expect(try planned(mine(due: "2026-11-26"), now: "2026-11-20").first?.date == day("2026-11-25"))
        #expect(try planned(mine(due: "2026-11-26", timeZone: "Europe/Berlin"), now: "2026-11-20").first?.date == day("2026-11-26"))
        // New Year's Day, Friday 2027-01-01, for both.
        #expect(try planned(mine(due: "2027-01-01")).first?.date == day("2026-12-31"))
        #expect(try planned(mine(due: "2027-01-01", timeZone: "Europe/Berlin")).first?.date == day("2026-12-31"))
    }

    @Test func whenTheBusinessDaysBeforeHavePassedItIsToday() throws {
        // Due Sunday Dec 6, planned on Saturday Dec 5: Friday has passed, so the first day there is, Monday.
        let touch = try #require(try planned(mine(due: "2026-12-06"), now: "2026-12-05").first)
        #expect(touch.date == day("2026-12-07"))
        #expect(!touch.overdue, "not yet past its date on Saturday")
        let sameDay = try #require(try planned(mine(due: "2026-12-04"), now: "2026-12-04").first)
        #expect(sameDay.date == day("2026-12-04") && !sameDay.overdue)
    }

    @Test func aCheckInOnTheirPromiseStaysAfterTheirDate() throws {
        #expect(try planned(mine(due: "2026-12-05", owner: .them)).first?.date == day("2026-12-07"))
        // Christmas Eve is their date: Christmas (and in Germany Boxing Day) is off, so Monday.
        for zone in ["America/New_York", "Europe/Berlin"] {
            let touch = try #require(try planned(mine(due: "2026-12-24", timeZone: zone, owner: .them)).first)
            #expect(touch.date == day("2026-12-28"), "\(zone)")
            #expect(touch.skipped.contains { $0.date == day("2026-12-25") && $0.reason.code == "holiday" }, "\(zone)")
        }
    }
}

@Suite struct AfterHoursTests {
    let newLead = Lead(id: "n", name: "Noa Bel", timeZone: "America/New_York", status: .new)
    let late = Lead(id: "o", name: "Oli Ford", timeZone: "America/New_York", status: .active, firstContact: day("2026-11-02"), lastContact: day("2026-11-04"))

    @Test func aPlanMadeAfterTheWorkingDayPutsNothingOnThatDay() throws {
        // 20:00 in New York on Tuesday Dec 1.
        let now = "2026-12-02T01:00:00Z"
        let dayZero = try #require(try planned(newLead, now: now).first)
        #expect(dayZero.date == day("2026-12-02"))
        #expect(!dayZero.overdue)
        #expect(dayZero.reason.contains("working day on 2026-12-01 was over"))
        let overdue = try #require(try planned(late, now: now).first)
        #expect(overdue.overdue)
        #expect(overdue.date == day("2026-12-02"), "overdue touches go to the next business day too")
        // It is 10:00 on Wednesday in Tokyo: that lead's day has not ended.
        var tokyo = newLead
        tokyo.timeZone = "Asia/Tokyo"
        #expect(try planned(tokyo, now: now).first?.date == day("2026-12-02"))
    }

    @Test func onFridayEveningItIsMonday() throws {
        #expect(try planned(newLead, now: "2026-12-05T00:30:00Z").first?.date == day("2026-12-07"))
    }

    @Test func withinTheWorkingDayTimesAlreadyPassedStay() throws {
        // 10:00 in New York: the 09:30 slot has passed, and the touch stays on it.
        let touch = try #require(try planned(newLead, now: "2026-12-01T15:00:00Z").first)
        #expect(touch.date == day("2026-12-01"))
        #expect(touch.time == TimeOfDay(hour: 9, minute: 30))
    }
}

@Suite struct CountryHolidayTests {
    func theirs(due: String, zone: String, country: String? = nil) -> Lead {
        Lead(
            id: "t", name: "Tia Moss", timeZone: zone, status: .engaged, nextStep: "Send numbers", nextStepDue: day(due),
            nextStepOwner: .them, country: country)
    }

    @Test func thanksgivingIsOffForAUSLeadNotAGermanOne() throws {
        // Their date is Wednesday Nov 25: the check-in is the business day after.
        let us = try #require(try planned(theirs(due: "2026-11-25", zone: "America/Chicago"), now: "2026-11-20").first)
        #expect(us.date == day("2026-11-27"))
        #expect(us.skipped.contains { $0.date == day("2026-11-26") && $0.reason == .holiday("Thanksgiving Day, US") })
        #expect(us.reason.contains("Thanksgiving Day, US"))
        let de = try planned(theirs(due: "2026-11-25", zone: "Europe/Berlin"), now: "2026-11-20")
        #expect(de.first?.date == day("2026-11-26"))
    }

    @Test func theCountryColumnWinsOverTheZone() throws {
        let german = try planned(theirs(due: "2026-11-25", zone: "America/New_York", country: "DE"), now: "2026-11-20")
        #expect(german.first?.date == day("2026-11-26"))
        // Epiphany (Jan 6) is a holiday in Bavaria, not in Berlin.
        #expect(try planned(theirs(due: "2027-01-05", zone: "Europe/Berlin", country: "DE-BY")).first?.date == day("2027-01-07"))
        #expect(try planned(theirs(due: "2027-01-05", zone: "Europe/Berlin")).first?.date == day("2027-01-06"))
    }

    @Test func theOwnersCountryCountsToo() throws {
        var playbook = Playbook.standard
        playbook.owners = ["Me": OwnerDay(country: "DE")]
        // A US lead; a German owner: Nov 26 is Thanksgiving for the lead, Dec 26 Boxing Day for the owner.
        let lead = theirs(due: "2026-11-25", zone: "America/New_York")
        #expect(try planned(lead, playbook: playbook, now: "2026-11-20").first?.date == day("2026-11-27"))
        #expect(try planned(theirs(due: "2026-12-25", zone: "America/New_York"), playbook: playbook).first?.date == day("2026-12-28"))
        let christmas = try #require(try planned(theirs(due: "2026-12-24", zone: "America/New_York"), playbook: playbook).first)
        #expect(christmas.skipped.contains { $0.date == day("2026-12-25") && $0.reason == .holiday("Christmas Day, DE and US") })
    }

    @Test func countryHolidaysCanBeTurnedOff() throws {
        var playbook = Playbook.standard
        playbook.countryHolidays = false
        #expect(try planned(theirs(due: "2026-11-25", zone: "America/Chicago"), playbook: playbook, now: "2026-11-20").first?.date == day("2026-11-26"))
    }

    @Test func theTablesKnowCountriesSubdivisionsAndZones() throws {
        let bavaria = try #require(HolidayData.holidays(of: "de-by"))
        let germany = try #require(HolidayData.holidays(of: "DE"))
        #expect(bavaria[day("2027-01-06")] != nil && germany[day("2027-01-06")] == nil)
        #expect(germany[day("2026-10-03")] != nil, "German Unity Day")
        #expect(HolidayData.holidays(of: "US-ZZ")?[day("2026-11-26")] != nil, "an unknown subdivision has its country's")
        #expect(HolidayData.holidays(of: "XX") == nil)
        #expect(HolidayData.country(ofZone: "Europe/Berlin") == "DE")
        #expect(HolidayData.country(ofZone: "US/Eastern") == "US", "a link is its zone's country")
        #expect(HolidayData.country(ofZone: "UTC") == nil)
        // The 30 largest economies, at least.
        for code in ["US", "CN", "DE", "JP", "IN", "GB", "FR", "IT", "CA", "BR", "RU", "KR", "AU", "MX", "ES", "ID", "NL", "SA", "TR", "CH"]
            + ["PL", "TW", "BE", "SE", "AR", "IE", "AT", "TH", "IL", "NO"]
        {
            let days = try #require(HolidayData.holidays(of: code), "\(code)")
            #expect(days.keys.contains { $0.year == 2027 }, "\(code) has holidays in 2027")
        }
        #expect(HolidayData.subdivisions(of: "US").contains("US-CA"))
        #expect(Region.code("us-ca") == "US-CA")
        #expect(Region.code("Germany") == nil && Region.code("D") == nil && Region.code("DE-") == nil)
    }
}

@Suite struct OwnerDayTests {
    @Test func nothingLandsWhileTheOwnerIsAway() throws {
        var playbook = Playbook.standard
        playbook.owners = ["me": OwnerDay(away: [AwayPeriod(from: day("2026-12-21"), to: day("2027-01-03"))])]
        let touches = try planned(Lead(id: "a", name: "Ann Lee", timeZone: "America/New_York", status: .new), playbook: playbook)
        #expect(touches.allSatisfy { $0.date < day("2026-12-21") || $0.date > day("2027-01-03") }, "\(dates(touches))")
        // Day 21–30 (Dec 22–31) slips past the time away.
        let away = try #require(touches.first { $0.key == "day21-30" })
        #expect(away.date == day("2027-01-04"))
        #expect(away.skipped.contains { $0.reason == .away })
        #expect(away.reason.contains("me is away"))
    }

    @Test func aBusyDayTakesConsecutiveSlots() throws {
        let leads = (0..<20).map { Lead(id: String(format: "L%02d", $0), name: "Lead \($0)", timeZone: "America/New_York", status: .new) }
        let touches = try planned(leads).compactMap(\.first)
        #expect(Set(touches.map(\.date)) == [day("2026-12-01")])
        let times = touches.sorted { $0.lead.id < $1.lead.id }.map(\.time.minutesSinceMidnight)
        #expect(times == (0..<20).map { 570 + 15 * $0 }, "09:30, 09:45, … in the planner's order")
        #expect(touches.last?.slot?.description.contains("slot 20 of 15 minutes") == true)
    }

    @Test func theSlotsAreTheSameWhateverTheOrderOfTheRows() throws {
        let leads = (0..<12).map { Lead(id: "L\($0)", name: "Lead \($0)", timeZone: $0 % 2 == 0 ? "Europe/Paris" : "America/New_York", status: .new) }
        let forward = try planned(leads).flatMap { $0 }
        let backward = try planned(leads.reversed()).flatMap { $0 }
        #expect(Set(forward) == Set(backward))
    }

    @Test func anOwnersTouchesAreTimedInTheirZoneInsideTheLeadsHours() throws {
        var playbook = Playbook.standard
        playbook.owners = [
            "Jo": OwnerDay(timeZone: "Europe/Berlin", dayStart: TimeOfDay(hour: 9, minute: 0), dayEnd: TimeOfDay(hour: 17, minute: 0))
        ]
        // New York 09:30–17:00 is 15:30–23:00 in Berlin: the overlap starts at 15:30.
        let ny = try #require(try planned(Lead(id: "a", name: "A", owner: "Jo", timeZone: "America/New_York", status: .new), playbook: playbook).first)
        #expect(ny.timeZone == "Europe/Berlin")
        #expect(ny.time == TimeOfDay(hour: 15, minute: 30))
        #expect(ny.dueTime == TimeOfDay(hour: 17, minute: 0))
        #expect(ny.slot?.description.contains("inside the lead's hours (09:30–17:00 America/New_York)") == true)
        // Tokyo's working day is Berlin's night: the owner's day, from its start.
        let tokyo = try #require(try planned(Lead(id: "b", name: "B", owner: "Jo", timeZone: "Asia/Tokyo", status: .new), playbook: playbook).first)
        #expect(tokyo.time == TimeOfDay(hour: 9, minute: 0))
        #expect(tokyo.slot?.fit == .noOverlap)
        #expect(tokyo.slot?.description.contains("do not overlap") == true)
    }

    @Test func anOwnersDaysAndCapacityComeFromTheirEntry() throws {
        var playbook = Playbook.standard
        playbook.owners = ["jo": OwnerDay(workingWeekdays: [1, 2, 3, 4], capacity: 1)]
        let leads = (0..<2).map { Lead(id: "L\($0)", name: "Lead \($0)", owner: "Jo", timeZone: "America/New_York", status: .new) }
        let firsts = try planned(leads, playbook: playbook, now: "2026-12-03").compactMap(\.first)
        // Thursday Dec 3 takes one; then (Jo works no Fridays) Monday.
        #expect(firsts.map(\.date) == [day("2026-12-03"), day("2026-12-07")])
        #expect(firsts[1].skipped.map(\.date) == [day("2026-12-03"), day("2026-12-04"), day("2026-12-05"), day("2026-12-06")])
        #expect(firsts[1].reason.contains("Jo is at capacity (1 a day)"))
    }

    @Test func anOwnersDayIsTheirsForTodayAndAfterHours() throws {
        var playbook = Playbook.standard
        playbook.owners = ["me": OwnerDay(timeZone: "Asia/Tokyo")]
        // 20:00 on Dec 1 in New York is 10:00 on Dec 2 in Tokyo: the owner's day is Dec 2, not over.
        let touch = try #require(
            try planned(Lead(id: "a", name: "A", timeZone: "Asia/Tokyo", status: .new), playbook: playbook, now: "2026-12-02T01:00:00Z").first)
        #expect(touch.date == day("2026-12-02"))
        #expect(touch.timeZone == "Asia/Tokyo")
    }
}
