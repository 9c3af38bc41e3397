/// The cadence: Day 0, Day 2–3, Day 7–10, Day 21–30 and the close-the-loop
/// message, each in its window, later windows moved by an earlier slip.
extension Planner {
    func planCadence(_ plan: inout LeadPlan, ledger: inout CapacityLedger) {
        let context = plan.context, lead = context.lead, today = context.today, calendar = context.calendar
        let steps = playbook.steps
        guard !steps.isEmpty else { return }
        let isActive = lead.effectiveStatus == .active
        // An active lead has had its first contact: Day 0 is done.
        let dayZeroDone = isActive && (lead.firstContact != nil || lead.lastContact != nil)
        var anchor = lead.firstContact ?? (dayZeroDone ? lead.lastContact! : today)
        let lastContact = isActive ? lead.lastContact : nil

        // Steps whose window had opened by the last contact are done, and
        // so are the step the last touch was recorded for and those before it.
        var lastDone = dayZeroDone ? 0 : -1
        if let lastContact {
            for (index, step) in steps.enumerated() where anchor.adding(days: step.startDay) <= lastContact {
                lastDone = max(lastDone, index)
            }
        }
        if isActive, let recorded = lead.lastStep, let index = steps.firstIndex(where: { $0.id == recorded }) {
            lastDone = max(lastDone, index)
        }
        // A step done after its window closed moves the later windows by its slip.
        var shift = 0
        if lastDone >= 0, let lastContact {
            let step = steps[lastDone]
            let planned = calendar.firstBusinessDay(onOrAfter: anchor.adding(days: step.startDay))
            if lastContact > anchor.adding(days: step.endDay), lastContact > planned {
                shift = planned.days(to: lastContact)
            }
        }
        plan.lastTouch = isActive ? [lead.firstContact, lead.lastContact].compactMap { $0 }.max() : nil
        let horizonEnd = horizonEnd(context)
        var closedLoopOn: LocalDate? = lastDone == steps.count - 1 ? lastContact : nil

        for index in steps.indices where index > lastDone {
            let step = steps[index]
            let windowStart: LocalDate, windowEnd: LocalDate
            var why: [String] = []
            let unplannedDayZero = index == 0 && lead.firstContact == nil
            if unplannedDayZero {
                // Day 0 of a new lead is when the first contact is made:
                // within the next few days, where the owner has room.
                windowStart = today
                windowEnd = today.adding(days: playbook.newLeadWindowDays)
                why.append("Day 0 of the cadence: the first contact, planned within \(playbook.newLeadWindowDays) days from today, \(today) to \(windowEnd).")
            } else {
                windowStart = anchor.adding(days: step.startDay + shift)
                windowEnd = anchor.adding(days: step.endDay + shift)
                if index == 0 {
                    why.append("Day 0 of the cadence: the first contact, planned for \(anchor).")
                } else {
                    why.append(
                        "\(step.label) after the first contact on \(anchor)\(shift > 0 ? ", moved \(shift) day\(shift == 1 ? "" : "s") by an earlier slip" : ""): the window runs \(windowStart) to \(windowEnd)."
                    )
                }
            }
            let request = Request(windowStart: windowStart, windowEnd: windowEnd, fixed: false)
            let placement = place(request, &plan, ledger: &ledger)
            why += placement.notes
            if placement.overdue {
                why.append("Later steps move \(placement.slip) day\(placement.slip == 1 ? "" : "s") so they do not bunch up.")
            }
            guard placement.date <= horizonEnd else { closedLoopOn = nil; break }
            // An unplanned Day 0 moves the anchor itself; other steps move the later windows.
            if unplannedDayZero { anchor = placement.date } else { shift += placement.slip }
            var values = TemplateValues(lead: lead, placement: placement)
            values.step = step.label
            append(
                makeTouchpoint(
                    context, kind: .cadence, key: step.id, label: step.label, texts: [("step:" + step.id, values)],
                    stepNumber: index + 1, placement: placement, movedDays: shift, explanation: why,
                    followsToday: unplannedDayZero || placement.followsToday), to: &plan, ledger: &ledger)
            if index == steps.count - 1 { closedLoopOn = placement.date }
        }
        if let closedLoopOn, playbook.afterCloseTheLoop == .nurture {
            planNurture(&plan, ledger: &ledger, afterCloseTheLoop: closedLoopOn)
        }
    }
}
