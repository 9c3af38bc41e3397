import FollowUp
import Testing

/// What each event does to a lead, the same for every store.
@Suite struct LeadEventsTests {
    let day = { (text: String) in LocalDate(iso: text)! }

    @Test func ourFirstTouchIsDayZeroAndALaterOneMarksItsStep() {
        let new = Lead(id: "L1", name: "Ann")
        let touched = new.touched(on: day("2026-12-01"), step: "day0")
        #expect(touched.firstContact == day("2026-12-01") && touched.lastContact == day("2026-12-01"))
        #expect(touched.effectiveStatus == .active && touched.lastStep == "day0")
        // An earlier touch logged late moves neither the last contact nor the step.
        let late = touched.touched(on: day("2026-11-28"), step: "day2-3")
        #expect(late.lastContact == day("2026-12-01") && late.lastStep == "day0")
        #expect(late.firstContact == day("2026-12-01"), "an active lead's Day 0 stays")
    }

    @Test(arguments: [LeadStatus.new, .active, .notYet, .engaged, .won, .lost, .closed, .paused])
    func aReplyEngagesOnlyALeadStillBeingWon(_ status: LeadStatus) {
        let replied = Lead(id: "L1", name: "Ann", status: status).replied(on: day("2026-12-02"))
        #expect(replied.lastReply == day("2026-12-02"))
        #expect(replied.status == ([.new, .active, .notYet].contains(status) ? .engaged : status))
    }

    @Test func aSnoozeKeepsAFinishedLeadFinished() {
        #expect(Lead(id: "L1", name: "Ann", status: .active).snoozed(until: day("2027-03-01")).status == .notYet)
        let won = Lead(id: "L2", name: "Bo", status: .won).snoozed(until: day("2027-03-01"))
        #expect(won.status == .won && won.snoozeUntil == day("2027-03-01"))
    }

    @Test func aNextStepIsAgreedThenDoneAndOnlyOursCountsAsAContact() throws {
        let agreed = Lead(id: "L1", name: "Ann").agreeing("Send numbers", due: day("2026-12-04"), owner: .them)
        #expect(agreed.status == .engaged && agreed.nextStepOwner == .them)
        let theirsDone = try #require(agreed.nextStepDone(on: day("2026-12-05")))
        #expect(theirsDone.nextStep == nil && theirsDone.lastContact == nil)
        let oursDone = try #require(agreed.agreeing("Call", due: day("2026-12-06"), owner: .me).nextStepDone(on: day("2026-12-06")))
        #expect(oursDone.lastContact == day("2026-12-06"))
        #expect(theirsDone.nextStepDone(on: day("2026-12-07")) == nil, "no open step")
    }

    @Test func onlyAnOutcomeCloses() {
        #expect(Lead(id: "L1", name: "Ann").closed(as: .won)?.status == .won)
        #expect(Lead(id: "L1", name: "Ann").closed(as: .active) == nil)
    }
}
