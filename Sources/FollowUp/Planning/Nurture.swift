/// "Not yet" is not "no": a lead who said "not now", or whose
/// close-the-loop message went unanswered, is touched again at the
/// milestones of their year (their fiscal year, their launch, the events
/// they attend, each quarter) and when their snooze ends.
extension Planner {
    /// Plans the nurture of a "not yet" lead, or of a lead whose
    /// close-the-loop message went (or will go) unanswered on `afterCloseTheLoop`.
    func planNurture(_ plan: inout LeadPlan, ledger: inout CapacityLedger, afterCloseTheLoop closedOn: LocalDate?) {
        let context = plan.context, lead = context.lead
        let span = NurtureSpan(lead: lead, today: context.today, horizonEnd: horizonEnd(context), closedOn: closedOn)
        let milestones = nurtureMilestones(of: lead, span: span, calendar: context.calendar).filter(span.admits)
        guard !milestones.isEmpty else { return }
        let groups = merged(milestones, today: context.today, calendar: context.calendar)
        if let closedOn {
            plan.lastTouch = max(plan.lastTouch ?? closedOn, closedOn)
        } else if let contact = lead.lastContact {
            plan.lastTouch = max(plan.lastTouch ?? contact, contact)
        }
        for group in groups {
            guard let touch = nurtureTouch(for: group, &plan, ledger: &ledger, horizonEnd: span.horizonEnd) else { break }
            append(touch, to: &plan, ledger: &ledger)
        }
    }

    /// Every milestone of a lead, before `NurtureSpan.admits` keeps those
    /// still to do.
    func nurtureMilestones(of lead: Lead, span: NurtureSpan, calendar: BusinessCalendar) -> [Milestone] {
        let rules = playbook.nurture
        let base = TemplateValues(lead: lead)
        var milestones: [Milestone] = []
        if span.closedOn == nil, let snooze = lead.snoozeUntil {
            milestones.append(
                Milestone(
                    kind: .checkBack, date: snooze, key: Touchpoint.Kind.checkBack.rawValue,
                    windowDays: rules.checkBack.windowDays, values: base,
                    why: "They said \"not now\" until \(snooze): check back then."))
        }
        milestones += quarterlyMilestones(of: lead, span: span, base: base)
        if let fiscal = lead.fiscalYearStart {
            milestones += fiscalYearMilestones(fiscal, span: span, base: base)
        }
        if let launch = lead.launchDate {
            var values = base
            values.launchDate = launch.description
            let date = launch.adding(days: rules.launch.offset)
            milestones.append(
                Milestone(
                    kind: .launch, date: date, key: "launch-\(launch)", windowDays: rules.launch.windowDays,
                    values: values,
                    why: "Their product launch is on \(launch): a check-in \(rules.launch.offset) days after, from \(date)."))
        }
        for event in lead.events {
            var values = base
            values.event = event.name
            values.eventDate = event.date.description
            let date = rules.event.offset > 0 ? calendar.adding(businessDays: rules.event.offset, to: event.date) : event.date
            milestones.append(
                Milestone(
                    kind: .event, date: date, key: "event-\(event.date)-\(Self.slug(event.name))",
                    windowDays: rules.event.windowDays, values: values,
                    why:
                        "They attend \(event.name) on \(event.date): a touch \(rules.event.offset) business day\(rules.event.offset == 1 ? "" : "s") after, from \(date)."
                ))
        }
        return milestones
    }

    /// The quarterly rhythm, from the close of the loop, the snooze, the
    /// last contact or today.
    func quarterlyMilestones(of lead: Lead, span: NurtureSpan, base: TemplateValues) -> [Milestone] {
        let rule = playbook.nurture.quarterly, today = span.today
        guard rule.offset > 0 else { return [] }
        let rhythmStart: LocalDate, rhythmFrom: String
        if let closedOn = span.closedOn {
            (rhythmStart, rhythmFrom) = (closedOn, "the close-the-loop message on \(closedOn)")
        } else if let snooze = lead.snoozeUntil {
            (rhythmStart, rhythmFrom) = (snooze, "the end of the snooze on \(snooze)")
        } else if let contact = lead.lastContact {
            (rhythmStart, rhythmFrom) = (contact, "the last contact on \(contact)")
        } else {
            (rhythmStart, rhythmFrom) = (today, "today")
        }
        // Occurrences more than two years past are long covered by the
        // one overdue touch that gathers every missed milestone.
        let monthsPast = (rhythmStart.year * 12 + rhythmStart.month).distance(to: today.year * 12 + today.month)
        var count = max(1, monthsPast / rule.offset - 24 / rule.offset)
        var milestones: [Milestone] = []
        while true {
            let date = rhythmStart.adding(months: count * rule.offset)
            guard date <= span.horizonEnd, count < 10_000 else { break }
            milestones.append(
                Milestone(
                    kind: .quarterly, date: date, key: "quarterly-\(date)",
                    windowDays: rule.windowDays, values: base,
                    why: "Nurture: a light update every \(rule.offset) month\(rule.offset == 1 ? "" : "s") from \(rhythmFrom); this one falls on \(date)."))
            count += 1
        }
        return milestones
    }

    /// A note before each fiscal year starts, when budgets are set, and a
    /// touch on its first day.
    func fiscalYearMilestones(_ fiscal: MonthDay, span: NurtureSpan, base: TemplateValues) -> [Milestone] {
        let rules = playbook.nurture, today = span.today
        let firstYear = max(min(span.doneThrough ?? today, span.notBefore ?? today, today).year, today.year - 2)
        var milestones: [Milestone] = []
        for year in firstYear...(span.horizonEnd.year + 1) {
            let start = fiscal.date(in: year)
            var values = base
            values.fiscalYear = String(year)
            values.fiscalYearStart = start.description
            let before = start.adding(days: -rules.fiscalYearBefore.offset)
            let clamped = fiscal.day == 29 && fiscal.month == 2 && start.day == 28 ? " (29 February does not exist in \(year))" : ""
            milestones.append(
                Milestone(
                    kind: .fiscalYearBefore, date: before, key: "fiscal-year-before-\(year)",
                    windowDays: rules.fiscalYearBefore.windowDays, values: values,
                    why:
                        "Their fiscal year \(year) starts on \(start)\(clamped), when budgets are set: a note \(rules.fiscalYearBefore.offset) days before, from \(before)."
                ))
            milestones.append(
                Milestone(
                    kind: .fiscalYearStart, date: start, key: "fiscal-year-\(year)",
                    windowDays: rules.fiscalYearStart.windowDays, values: values,
                    why: "Their fiscal year \(year) starts on \(start)\(clamped): a touch on it."))
        }
        return milestones
    }

    /// Milestones within the minimum gap of each other are one touch;
    /// every milestone already past is one touch too (no catch-up burst).
    func merged(_ milestones: [Milestone], today: LocalDate, calendar: BusinessCalendar) -> [[Milestone]] {
        let sorted = milestones.sorted { ($0.date, $0.kind.rank, $0.key) < ($1.date, $1.kind.rank, $1.key) }
        var groups: [[Milestone]] = []
        for milestone in sorted {
            if let first = groups.last?.first {
                let bothPast = first.date < today && milestone.date < today
                let gapEnd = calendar.adding(businessDays: playbook.minimumGapBusinessDays, to: calendar.firstBusinessDay(onOrAfter: first.date))
                if bothPast || milestone.date < gapEnd {
                    groups[groups.count - 1].append(milestone)
                    continue
                }
            }
            groups.append([milestone])
        }
        return groups
    }

    /// The one touch of a group of milestones; nil when it falls past the
    /// horizon (and the group is not a check-back, which is always written),
    /// where the nurture stops.
    func nurtureTouch(for group: [Milestone], _ plan: inout LeadPlan, ledger: inout CapacityLedger, horizonEnd: LocalDate) -> Touchpoint? {
        let context = plan.context, today = context.today
        let first = group[0]
        let isCheckBack = group.contains { $0.kind == .checkBack }
        // A past group starts where its latest milestone fell.
        let start = first.date < today ? group.map(\.date).max()! : first.date
        let request = Request(
            windowStart: start, windowEnd: start.adding(days: group.map(\.windowDays).min()!),
            fixed: isCheckBack)
        let placement = place(request, &plan, ledger: &ledger)
        guard placement.date <= horizonEnd || isCheckBack else { return nil }
        var why = group.map(\.why)
        if group.count > 1 {
            why.append(
                first.date < today
                    ? "These milestones passed with no contact since: one touch for all of them."
                    : "They fall within \(playbook.minimumGapBusinessDays) business days of each other: one touch for all of them.")
        }
        why += placement.notes
        let texts = group.map { milestone -> (String, TemplateValues) in
            var values = milestone.values
            values.windowStart = placement.windowStart
            values.windowEnd = placement.windowEnd
            values.date = placement.date
            return (milestone.kind.rawValue, values)
        }
        return makeTouchpoint(
            context, kind: isCheckBack ? .checkBack : .nurture, key: group.map(\.key).joined(separator: "+"), label: nil,
            texts: texts, stepNumber: nil, placement: placement, movedDays: placement.slip,
            explanation: why, followsToday: placement.followsToday)
    }

    /// An event's name as part of a touch's key: lower-case letters and
    /// digits, other runs as one dash.
    static func slug(_ name: String) -> String {
        var result = ""
        for scalar in name.lowercased().unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                result.unicodeScalars.append(scalar)
            } else if !result.isEmpty, result.last != "-" {
                result.append("-")
            }
        }
        while result.hasSuffix("-") { result.removeLast() }
        return result.isEmpty ? "event" : result
    }
}

/// The nurture milestones, as texts are keyed; the order of `rank` breaks
/// ties between milestones on one day.
enum MilestoneKind: String {
    case checkBack = "check-back"
    case fiscalYearStart = "fiscal-year-start"
    case fiscalYearBefore = "fiscal-year-before"
    case launch
    case event
    case quarterly

    var rank: Int {
        switch self {
        case .checkBack: 0
        case .fiscalYearStart: 1
        case .fiscalYearBefore: 2
        case .launch: 3
        case .event: 4
        case .quarterly: 5
        }
    }
}

/// What bounds a lead's nurture: milestones done, ruled out or too far.
struct NurtureSpan {
    let today: LocalDate
    let horizonEnd: LocalDate
    /// The close-the-loop message this nurture follows, if it follows one.
    let closedOn: LocalDate?
    /// A contact on or after a milestone did it.
    let doneThrough: LocalDate?
    /// Nothing before the snooze ends; with no history, nothing in the past.
    let notBefore: LocalDate?

    init(lead: Lead, today: LocalDate, horizonEnd: LocalDate, closedOn: LocalDate?) {
        self.today = today
        self.horizonEnd = horizonEnd
        self.closedOn = closedOn
        doneThrough = closedOn ?? lead.lastContact
        notBefore = lead.snoozeUntil ?? (doneThrough == nil ? today : nil)
    }

    /// A milestone still to do: within the horizon (a check-back always
    /// is), after the last contact and not before the snooze ends.
    func admits(_ milestone: Milestone) -> Bool {
        guard milestone.date <= horizonEnd || milestone.kind == .checkBack else { return false }
        if let doneThrough, milestone.date <= doneThrough { return false }
        if let notBefore, milestone.date < notBefore { return false }
        return true
    }
}

/// One nurture milestone of a lead, before milestones close together merge.
struct Milestone {
    var kind: MilestoneKind
    var date: LocalDate
    var key: String
    var windowDays: Int
    var values: TemplateValues
    var why: String
}
