/// Engaged leads: the next step governs. An agreed step is kept on its
/// date (mine) or checked on the business day after (theirs); with none
/// agreed, a touch to agree on one.
extension Planner {
    func planEngaged(_ plan: inout LeadPlan, ledger: inout CapacityLedger) {
        let context = plan.context, lead = context.lead, calendar = playbook.calendar
        let replied = lead.lastReply.map { "They replied on \($0)." } ?? "They are engaged."
        if let due = lead.nextStepDue {
            let owner = lead.nextStepOwner ?? .me
            let step = lead.nextStep.map { "\"\($0)\"" } ?? "the agreed next step"
            let planned: LocalDate
            let kind: Touchpoint.Kind
            var why = [replied]
            switch owner {
            case .me:
                planned = calendar.firstBusinessDay(onOrAfter: due)
                kind = .nextStepMine
                why.append("The next step, \(step), is yours, due on \(due).")
            case .them:
                planned = calendar.nextBusinessDay(after: due)
                kind = .nextStepTheirs
                why.append("They promised \(step) by \(due): a gentle check-in the next business day after, \(planned).")
            }
            // An agreed date is kept: capacity does not move it.
            let placement = place(Request(windowStart: planned, windowEnd: planned, fixed: true), &plan, ledger: &ledger)
            why += placement.notes
            append(
                makeTouchpoint(
                    context, kind: kind, key: kind.rawValue, label: nil,
                    texts: [(kind.rawValue, TemplateValues(lead: lead, placement: placement))],
                    stepNumber: nil, placement: placement, movedDays: planned.days(to: placement.date),
                    explanation: why, followsToday: placement.followsToday), to: &plan, ledger: &ledger)
            return
        }
        let planned = calendar.nextBusinessDay(after: context.today)
        var why = [
            replied,
            lead.nextStep.map { "The next step \"\($0)\" has no date: agree on one, with a date and an owner." }
                ?? "No next step is agreed: agree on one, with a date and an owner, from the next business day.",
        ]
        let placement = place(Request(windowStart: planned, windowEnd: planned.adding(days: 2), fixed: false), &plan, ledger: &ledger)
        why += placement.notes
        let kind = Touchpoint.Kind.agreeNextStep
        append(
            makeTouchpoint(
                context, kind: kind, key: kind.rawValue, label: nil,
                texts: [(kind.rawValue, TemplateValues(lead: lead, placement: placement))],
                stepNumber: nil, placement: placement, movedDays: 0, explanation: why, followsToday: true),
            to: &plan, ledger: &ledger)
    }
}
