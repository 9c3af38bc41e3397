/// Engaged leads: the next step governs. An agreed step is kept on its
/// date (mine) or checked on the business day after (theirs); with none
/// agreed, a touch to agree on one, due the business day after their reply.
extension Planner {
    func planEngaged(_ plan: inout LeadPlan, ledger: inout CapacityLedger) {
        if plan.context.lead.nextStepDue != nil {
            planPromise(&plan, ledger: &ledger)
        } else {
            planAgreeNextStep(&plan, ledger: &ledger)
        }
    }

    /// The agreed next step with a date: mine is kept on the last business
    /// day on or before its date (today when that has passed and the date
    /// has not); theirs gets a check-in the business day after it.
    func planPromise(_ plan: inout LeadPlan, ledger: inout CapacityLedger) {
        let context = plan.context, lead = context.lead, calendar = context.calendar
        guard let due = lead.nextStepDue else { return }
        let owner = lead.nextStepOwner ?? .me
        let step = lead.nextStep.map { "\"\($0)\"" } ?? "the agreed next step"
        let planned: LocalDate
        let kind: Touchpoint.Kind
        var why = [lead.lastReply.map { "They replied on \($0)." } ?? "They are engaged."]
        if lead.effectiveStatus == .notYet {
            why = ["They said \"not now\"\(lead.snoozeUntil.map { " until \($0)" } ?? ""), but your promise stands."]
        }
        switch owner {
        case .me:
            kind = .nextStepMine
            let before = calendar.lastBusinessDay(onOrBefore: due)
            if due < context.today || before >= context.today {
                planned = before
                why.append(
                    "The next step, \(step), is yours, due on \(due)\(before < due ? " \(due.weekdayName): kept on the last business day before it, \(before)" : "")."
                )
            } else {
                planned = context.today
                why.append("The next step, \(step), is yours, due on \(due) \(due.weekdayName): the business days before it have passed, so it is today.")
            }
        case .them:
            kind = .nextStepTheirs
            planned = calendar.nextBusinessDay(after: due)
            why.append("They promised \(step) by \(due): a gentle check-in the next business day after, \(planned).")
        }
        // An agreed date is kept: capacity does not move it, nor (mine) a snooze.
        let request = Request(windowStart: planned, windowEnd: planned, fixed: true, keepsSnooze: owner == .them)
        var placement = place(request, &plan, ledger: &ledger)
        // The days off between their date and the one it is kept on, so
        // that `explain` says why (a holiday, the owner away).
        var between: [SkippedDay] = []
        var day = min(planned, due.adding(days: 1))
        while day < max(planned, due.adding(days: 1)), between.count < 366 {
            if let off = calendar.dayOff(day) { between.append(SkippedDay(date: day, reason: off)) }
            day = day.adding(days: 1)
        }
        placement.skipped = between + placement.skipped
        why += skipNotes(between, date: planned, capacity: nil, overCapacity: false, owner: lead.owner)
        why += placement.notes
        append(
            makeTouchpoint(
                context, kind: kind, key: kind.rawValue, label: nil,
                texts: [(kind.rawValue, TemplateValues(lead: lead, placement: placement))],
                stepNumber: nil, placement: placement, movedDays: max(0, planned.days(to: placement.date)),
                explanation: why, followsToday: placement.followsToday), to: &plan, ledger: &ledger)
    }

    /// No next step agreed: agreeing on one is due the business day after
    /// their reply (or our last contact since), and overdue once that passes.
    func planAgreeNextStep(_ plan: inout LeadPlan, ledger: inout CapacityLedger) {
        let context = plan.context, lead = context.lead, calendar = context.calendar
        let anchor: LocalDate?
        let since: String
        switch (lead.lastReply, lead.lastContact) {
        case (let reply?, let contact?) where contact > reply:
            (anchor, since) = (contact, "They replied on \(reply); your last contact was on \(contact).")
        case (let reply?, _):
            (anchor, since) = (reply, "They replied on \(reply).")
        case (nil, let contact?):
            (anchor, since) = (contact, "They are engaged; your last contact was on \(contact).")
        case (nil, nil):
            (anchor, since) = (nil, "They are engaged.")
        }
        // With no date in the lead's history, it is due from today.
        let due = anchor.map { calendar.nextBusinessDay(after: $0) } ?? calendar.firstBusinessDay(onOrAfter: context.today)
        var why = [
            since,
            lead.nextStep.map { "The next step \"\($0)\" has no date: agree on one, with a date and an owner, by \(due)." }
                ?? "No next step is agreed: agree on one, with a date and an owner, by \(due), the next business day.",
        ]
        let placement = place(Request(windowStart: due, windowEnd: due, fixed: false), &plan, ledger: &ledger)
        why += placement.notes
        let kind = Touchpoint.Kind.agreeNextStep
        append(
            makeTouchpoint(
                context, kind: kind, key: kind.rawValue, label: nil,
                texts: [(kind.rawValue, TemplateValues(lead: lead, placement: placement))],
                stepNumber: nil, placement: placement, movedDays: placement.slip, explanation: why,
                followsToday: anchor == nil || placement.followsToday),
            to: &plan, ledger: &ledger)
    }
}
