import Foundation
import Mustache

/// What "today" is for a run: a fixed day everywhere, or an instant whose
/// day depends on each lead's zone.
public enum PlanningNow: Hashable, Sendable {
    /// `--now 2026-12-01`: that day in every zone.
    case date(LocalDate)
    /// `--now 2026-12-01T08:00:00Z` or the clock: the day it is in each zone.
    case instant(Date)
}

/// A planner setting that cannot be used.
public struct PlanError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// Plans every upcoming touchpoint of the leads from the playbook.
///
/// Pure: the same leads, playbook, zone and `now` always give the same
/// touchpoints, in whatever order the leads come. It reads no clock and no
/// file. Leads share one thing: each owner's daily capacity. So that the
/// plan does not depend on the order of the rows, leads are planned in a
/// fixed order: first those whose touches sit on agreed dates (promises),
/// then "not yet" leads, then the cadence, each group by lead id.
public final class Planner {
    public let playbook: Playbook
    public let defaultTimeZone: String
    public let now: PlanningNow
    public let horizonDays: Int
    private let texts: [String: CompiledText]
    private var todayByZone: [String: LocalDate] = [:]

    public init(playbook: Playbook = .standard, defaultTimeZone: String, now: PlanningNow, horizonDays: Int? = nil) throws(PlanError) {
        guard TimeZone(identifier: defaultTimeZone) != nil else {
            throw PlanError(description: "unknown time zone \"\(defaultTimeZone)\"; expected an IANA name such as America/New_York")
        }
        let horizon = horizonDays ?? playbook.horizonDays
        guard horizon >= 0 else { throw PlanError(description: "the horizon must be 0 days or more, not \(horizon)") }
        self.playbook = playbook
        self.defaultTimeZone = defaultTimeZone
        self.now = now
        self.horizonDays = horizon
        var texts: [String: CompiledText] = [:]
        for (key, text) in Self.textsByKey(playbook) {
            do {
                texts[key] = try CompiledText(text)
            } catch {
                throw PlanError(description: "a text of \"\(key)\" is not a valid template: \(error)")
            }
        }
        self.texts = texts
    }

    /// Every text of a playbook, by the key the planner renders it under.
    static func textsByKey(_ playbook: Playbook) -> [(String, TouchText)] {
        let nurture = playbook.nurture
        return playbook.steps.map { step in
            ("step:" + step.id, TouchText(title: step.title, prompt: step.prompt, draft: step.draft, channel: step.channel))
        } + [
            (Touchpoint.Kind.nextStepMine.rawValue, playbook.nextStepMine),
            (Touchpoint.Kind.nextStepTheirs.rawValue, playbook.nextStepTheirs),
            (Touchpoint.Kind.agreeNextStep.rawValue, playbook.agreeNextStep),
            (MilestoneKind.checkBack.rawValue, nurture.checkBack.text),
            (MilestoneKind.quarterly.rawValue, nurture.quarterly.text),
            (MilestoneKind.fiscalYearBefore.rawValue, nurture.fiscalYearBefore.text),
            (MilestoneKind.fiscalYearStart.rawValue, nurture.fiscalYearStart.text),
            (MilestoneKind.launch.rawValue, nurture.launch.text),
            (MilestoneKind.event.rawValue, nurture.event.text),
        ]
    }

    /// Why `text` is not a usable template, nil when it is one: it must
    /// parse, and name only fields the planner fills in (Mustache renders
    /// an unknown name as nothing, so a typo would silently empty a draft).
    public static func templateError(_ text: String) -> String? {
        if let problem = nestingError(text) { return problem }
        do {
            _ = try CompiledText.compile(text)
        } catch let error as MustacheTemplate.ParserError {
            // The text pragma the planner puts first is not the user's: columns of line 1 shift by it.
            let column = error.context.lineNumber == 1 ? error.context.columnNumber - CompiledText.pragma.count : error.context.columnNumber
            let what: String
            switch error.error {
            case MustacheTemplate.Error.sectionCloseNameIncorrect: what = "a section is closed with another name than it opened with"
            case MustacheTemplate.Error.unfinishedName: what = "a tag is not closed"
            case MustacheTemplate.Error.expectedSectionEnd: what = "a section ({{#name}} or {{^name}}) is not closed with {{/name}}"
            default: what = "a tag is not closed (\(error.error))"
            }
            return "\(what), at line \(error.context.lineNumber) of the text, column \(max(column, 1)): \"\(error.context.line.replacingOccurrences(of: CompiledText.pragma, with: ""))\""
        } catch {
            return "\(error)"
        }
        // The names inside tags ({{name}}, {{#name}}, {{^name}}, {{/name}}, {{{name}}}, {{&name}}).
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            var name = rest[open.upperBound..<close.lowerBound].trimmed
            rest = rest[close.upperBound...]
            if let first = name.first, "#^/&{".contains(first) { name = String(name.dropFirst()).trimmed }
            if name.hasPrefix("!") || name.hasPrefix("%") || name.hasPrefix(">") || name.hasPrefix("=") || name == "." { continue }
            if !templateFields.contains(name) {
                return "unknown field \"\(name)\"; the fields are \(templateFields.joined(separator: ", "))"
            }
        }
        return nil
    }

    /// The deepest nesting of sections a text may have. swift-mustache's
    /// parser recurses once per level, so a text nested some hundreds deep
    /// overflows the stack and crashes the run; no message needs more than
    /// a few levels.
    public static let maxSectionDepth = 32

    /// Why `text`'s sections cannot be parsed safely, checked before
    /// parsing: nested deeper than `maxSectionDepth`, or tags whose
    /// delimiters are changed (`{{=<% %>=}}`), past which the depth cannot
    /// be counted.
    public static func nestingError(_ text: String) -> String? {
        var depth = 0, deepest = 0
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            rest = rest[open.upperBound...]
            switch rest.first {
            case "#", "^": depth += 1; deepest = max(deepest, depth)
            case "/": depth -= 1
            case "=": return "changing the tag delimiters ({{=…=}}) is not supported"
            default: break
            }
            if deepest > maxSectionDepth {
                return "nested too deep: sections ({{#name}} or {{^name}}) are nested more than \(maxSectionDepth) levels"
            }
        }
        return nil
    }

    /// The names a template can use.
    public static let templateFields = [
        "first_name", "name", "company", "email", "phone", "owner", "notes", "next_step", "next_step_due",
        "step", "window_start", "window_end", "date", "fiscal_year", "fiscal_year_start", "launch_date",
        "event", "event_date",
    ]

    /// The day it is in `zone` for this run.
    public func today(in zone: String) -> LocalDate {
        if let cached = todayByZone[zone] { return cached }
        let day: LocalDate
        switch now {
        case .date(let date):
            day = date
        case .instant(let instant):
            let offset = TimeZone(identifier: zone)?.secondsFromGMT(for: instant) ?? 0
            let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + offset
            day = LocalDate(daysSinceEpoch: Int((Double(seconds) / 86_400).rounded(.down)))
        }
        todayByZone[zone] = day
        return day
    }

    /// Every upcoming touchpoint of each lead, in date order, at the lead's
    /// index. Owners' capacity is shared by their leads.
    public func plan(_ leads: [Lead]) -> [[Touchpoint]] {
        var ledger = CapacityLedger()
        let groups = leads.map(planningGroup)
        let order = leads.indices.sorted { a, b in
            groups[a] != groups[b] ? groups[a] < groups[b] : leads[a].id < leads[b].id
        }
        var result = [[Touchpoint]](repeating: [], count: leads.count)
        for index in order {
            result[index] = plan(leads[index], ledger: &ledger)
        }
        return result
    }

    /// Every upcoming touchpoint of one lead, in date order, as if it were
    /// the only lead of its owner.
    public func plan(_ lead: Lead) -> [Touchpoint] {
        var ledger = CapacityLedger()
        return plan(lead, ledger: &ledger)
    }

    /// Plans one lead of a stream, sharing its owner's capacity with the
    /// leads planned before it in `ledger`.
    ///
    /// For the same plan as `plan(_: [Lead])`, a caller that plans leads
    /// one at a time gives each owner's leads in `planningGroup` order, then by id (leads of
    /// different owners never meet in the ledger, so owners can be planned
    /// apart, each with a ledger of its own).
    public func plan(_ lead: Lead, sharing ledger: inout CapacityLedger) -> [Touchpoint] {
        plan(lead, ledger: &ledger)
    }

    /// The order leads are planned in: by this group, then by lead id.
    /// Leads whose touches keep agreed dates come first (0), then "not
    /// yet" leads (1), then leads in the cadence (2).
    public func planningGroup(_ lead: Lead) -> Int {
        switch lead.effectiveStatus {
        case .engaged, .won, .lost, .closed, .paused: return 0
        case .notYet: return 1
        case .new, .active:
            return lead.hasReplied ? 0 : 2
        }
    }

    private func plan(_ lead: Lead, ledger: inout CapacityLedger) -> [Touchpoint] {
        let zone = lead.timeZone ?? defaultTimeZone
        var plan = LeadPlan(context: LeadContext(lead: lead, zone: zone, today: today(in: zone), playbook: playbook))
        switch lead.effectiveStatus {
        case .won, .lost, .closed, .paused:
            return []
        case .notYet:
            planNurture(&plan, ledger: &ledger, afterCloseTheLoop: nil)
        case .engaged:
            planEngaged(&plan, ledger: &ledger)
        case .new, .active:
            if plan.context.hasReplied {
                planEngaged(&plan, ledger: &ledger)
            } else {
                planCadence(&plan, ledger: &ledger)
            }
        }
        return plan.touchpoints
    }

    private func horizonEnd(_ context: LeadContext) -> LocalDate {
        context.today.adding(days: horizonDays)
    }

    /// Adds a placed touch to the plan and to its owner's day.
    private func append(_ touch: Touchpoint, to plan: inout LeadPlan, ledger: inout CapacityLedger) {
        ledger.add(plan.context.ownerKey, touch.date)
        plan.lastTouch = touch.date
        plan.touchpoints.append(touch)
    }

    // MARK: - The cadence

    private func planCadence(_ plan: inout LeadPlan, ledger: inout CapacityLedger) {
        let context = plan.context, lead = context.lead, today = context.today, calendar = playbook.calendar
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
                    why.append("\(step.label) after the first contact on \(anchor)\(shift > 0 ? ", moved \(shift) days by an earlier slip" : ""): the window runs \(windowStart) to \(windowEnd).")
                }
            }
            let request = Request(windowStart: windowStart, windowEnd: windowEnd, fixed: false)
            let placement = place(request, &plan, ledger: &ledger)
            why += placement.notes
            if placement.overdue {
                why.append("Later steps move \(placement.slip) days so they do not bunch up.")
            }
            guard placement.date <= horizonEnd else { closedLoopOn = nil; break }
            // An unplanned Day 0 moves the anchor itself; other steps move the later windows.
            if unplannedDayZero { anchor = placement.date } else { shift += placement.slip }
            var values = TemplateValues(lead: lead, placement: placement)
            values.step = step.label
            append(makeTouchpoint(
                context, kind: .cadence, key: step.id, label: step.label, texts: [("step:" + step.id, values)],
                stepNumber: index + 1, placement: placement, movedDays: shift, explanation: why,
                followsToday: unplannedDayZero || placement.followsToday), to: &plan, ledger: &ledger)
            if index == steps.count - 1 { closedLoopOn = placement.date }
        }
        if let closedLoopOn, playbook.afterCloseTheLoop == .nurture {
            planNurture(&plan, ledger: &ledger, afterCloseTheLoop: closedLoopOn)
        }
    }

    // MARK: - Engaged: the next step governs

    private func planEngaged(_ plan: inout LeadPlan, ledger: inout CapacityLedger) {
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
            append(makeTouchpoint(
                context, kind: kind, key: kind.rawValue, label: nil,
                texts: [(kind.rawValue, TemplateValues(lead: lead, placement: placement))],
                stepNumber: nil, placement: placement, movedDays: planned.days(to: placement.date),
                explanation: why, followsToday: placement.followsToday), to: &plan, ledger: &ledger)
            return
        }
        let planned = calendar.nextBusinessDay(after: context.today)
        var why = [replied, lead.nextStep.map { "The next step \"\($0)\" has no date: agree on one, with a date and an owner." }
            ?? "No next step is agreed: agree on one, with a date and an owner, from the next business day."]
        let placement = place(Request(windowStart: planned, windowEnd: planned.adding(days: 2), fixed: false), &plan, ledger: &ledger)
        why += placement.notes
        let kind = Touchpoint.Kind.agreeNextStep
        append(makeTouchpoint(
            context, kind: kind, key: kind.rawValue, label: nil,
            texts: [(kind.rawValue, TemplateValues(lead: lead, placement: placement))],
            stepNumber: nil, placement: placement, movedDays: 0, explanation: why, followsToday: true),
            to: &plan, ledger: &ledger)
    }

    // MARK: - Nurture: "not yet" is not "no"

    /// Plans the nurture of a "not yet" lead, or of a lead whose
    /// close-the-loop message went (or will go) unanswered on `afterCloseTheLoop`.
    private func planNurture(_ plan: inout LeadPlan, ledger: inout CapacityLedger, afterCloseTheLoop closedOn: LocalDate?) {
        let context = plan.context, lead = context.lead, today = context.today, calendar = playbook.calendar
        let rules = playbook.nurture
        let horizonEnd = horizonEnd(context)
        // A contact on or after a milestone did it.
        let doneThrough = closedOn ?? lead.lastContact
        // Nothing before the snooze ends; with no history, nothing in the past.
        let notBefore = lead.snoozeUntil ?? (doneThrough == nil ? today : nil)
        var milestones: [Milestone] = []
        func consider(_ milestone: Milestone) {
            guard milestone.date <= horizonEnd || milestone.kind == .checkBack else { return }
            if let doneThrough, milestone.date <= doneThrough { return }
            if let notBefore, milestone.date < notBefore { return }
            milestones.append(milestone)
        }
        let base = TemplateValues(lead: lead)

        if closedOn == nil, let snooze = lead.snoozeUntil {
            consider(Milestone(kind: .checkBack, date: snooze, key: Touchpoint.Kind.checkBack.rawValue,
                               windowDays: rules.checkBack.windowDays, values: base,
                               why: "They said \"not now\" until \(snooze): check back then."))
        }
        // The quarterly rhythm runs from the snooze, the close of the loop
        // or the last contact.
        let rhythmStart: LocalDate, rhythmFrom: String
        if let closedOn {
            (rhythmStart, rhythmFrom) = (closedOn, "the close-the-loop message on \(closedOn)")
        } else if let snooze = lead.snoozeUntil {
            (rhythmStart, rhythmFrom) = (snooze, "the end of the snooze on \(snooze)")
        } else if let contact = lead.lastContact {
            (rhythmStart, rhythmFrom) = (contact, "the last contact on \(contact)")
        } else {
            (rhythmStart, rhythmFrom) = (today, "today")
        }
        if rules.quarterly.offset > 0 {
            // Occurrences more than two years past are long covered by the
            // one overdue touch that gathers every missed milestone.
            let monthsPast = (rhythmStart.year * 12 + rhythmStart.month).distance(to: today.year * 12 + today.month)
            var count = max(1, monthsPast / rules.quarterly.offset - 24 / rules.quarterly.offset)
            while true {
                let date = rhythmStart.adding(months: count * rules.quarterly.offset)
                guard date <= horizonEnd, count < 10_000 else { break }
                consider(Milestone(kind: .quarterly, date: date, key: "quarterly-\(date)",
                                   windowDays: rules.quarterly.windowDays, values: base,
                                   why: "Nurture: a light update every \(rules.quarterly.offset) month\(rules.quarterly.offset == 1 ? "" : "s") from \(rhythmFrom); this one falls on \(date)."))
                count += 1
            }
        }
        if let fiscal = lead.fiscalYearStart {
            let firstYear = max(min(doneThrough ?? today, notBefore ?? today, today).year, today.year - 2)
            for year in firstYear...(horizonEnd.year + 1) {
                let start = fiscal.date(in: year)
                var values = base
                values.fiscalYear = String(year)
                values.fiscalYearStart = start.description
                let before = start.adding(days: -rules.fiscalYearBefore.offset)
                let clamped = fiscal.day == 29 && fiscal.month == 2 && start.day == 28 ? " (29 February does not exist in \(year))" : ""
                consider(Milestone(kind: .fiscalYearBefore, date: before, key: "fiscal-year-before-\(year)",
                                   windowDays: rules.fiscalYearBefore.windowDays, values: values,
                                   why: "Their fiscal year \(year) starts on \(start)\(clamped), when budgets are set: a note \(rules.fiscalYearBefore.offset) days before, from \(before)."))
                consider(Milestone(kind: .fiscalYearStart, date: start, key: "fiscal-year-\(year)",
                                   windowDays: rules.fiscalYearStart.windowDays, values: values,
                                   why: "Their fiscal year \(year) starts on \(start)\(clamped): a touch on it."))
            }
        }
        if let launch = lead.launchDate {
            var values = base
            values.launchDate = launch.description
            let date = launch.adding(days: rules.launch.offset)
            consider(Milestone(kind: .launch, date: date, key: "launch-\(launch)", windowDays: rules.launch.windowDays,
                               values: values,
                               why: "Their product launch is on \(launch): a check-in \(rules.launch.offset) days after, from \(date)."))
        }
        for event in lead.events {
            var values = base
            values.event = event.name
            values.eventDate = event.date.description
            let date = rules.event.offset > 0 ? calendar.adding(businessDays: rules.event.offset, to: event.date) : event.date
            consider(Milestone(kind: .event, date: date, key: "event-\(event.date)-\(Self.slug(event.name))",
                               windowDays: rules.event.windowDays, values: values,
                               why: "They attend \(event.name) on \(event.date): a touch \(rules.event.offset) business day\(rules.event.offset == 1 ? "" : "s") after, from \(date)."))
        }
        guard !milestones.isEmpty else { return }

        // Milestones within the minimum gap of each other are one touch;
        // every milestone already past is one touch too (no catch-up burst).
        milestones.sort { ($0.date, $0.kind.rank, $0.key) < ($1.date, $1.kind.rank, $1.key) }
        var groups: [[Milestone]] = []
        for milestone in milestones {
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
        if closedOn != nil {
            plan.lastTouch = max(plan.lastTouch ?? closedOn!, closedOn!)
        } else if let contact = lead.lastContact {
            plan.lastTouch = max(plan.lastTouch ?? contact, contact)
        }

        for group in groups {
            let first = group[0]
            let isCheckBack = group.contains { $0.kind == .checkBack }
            // A past group starts where its latest milestone fell.
            let start = first.date < today ? group.map(\.date).max()! : first.date
            let request = Request(windowStart: start, windowEnd: start.adding(days: group.map(\.windowDays).min()!),
                                  fixed: isCheckBack)
            let placement = place(request, &plan, ledger: &ledger)
            var why = group.map(\.why)
            if group.count > 1 {
                why.append(first.date < today
                           ? "These milestones passed with no contact since: one touch for all of them."
                           : "They fall within \(playbook.minimumGapBusinessDays) business days of each other: one touch for all of them.")
            }
            why += placement.notes
            guard placement.date <= horizonEnd || isCheckBack else { break }
            let kind: Touchpoint.Kind = isCheckBack ? .checkBack : .nurture
            let texts = group.map { milestone -> (String, TemplateValues) in
                var values = milestone.values
                values.windowStart = placement.windowStart
                values.windowEnd = placement.windowEnd
                values.date = placement.date
                return (milestone.kind.rawValue, values)
            }
            append(makeTouchpoint(
                context, kind: kind, key: group.map(\.key).joined(separator: "+"), label: nil, texts: texts,
                stepNumber: nil, placement: placement, movedDays: placement.slip,
                explanation: why, followsToday: placement.followsToday), to: &plan, ledger: &ledger)
        }
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

    // MARK: - Placing a touch

    /// Puts a touch on a day of its window: not before today, the end of a
    /// snooze or the minimum gap after the lead's last touch; on a business
    /// day; on the first one where the owner has room, else the least-loaded.
    /// A window that closed before today slides to start today.
    private func place(_ request: Request, _ plan: inout LeadPlan, ledger: inout CapacityLedger) -> Placement {
        let context = plan.context, today = context.today, calendar = playbook.calendar
        let capacity = request.fixed ? nil : playbook.capacity(of: context.lead.owner)
        // The ledger is charged when the touch is appended, not here: a
        // touch placed beyond the horizon takes no room.
        let length = request.windowStart.days(to: max(request.windowEnd, request.windowStart))
        var notes: [String] = []
        var skipped: [SkippedDay] = []
        var start = request.windowStart, end = max(request.windowEnd, request.windowStart)

        // Never closer than the minimum gap to the lead's last touch: the
        // window moves, keeping its length, and is not overdue for it.
        var gapFloor: LocalDate?
        if !request.fixed, let last = plan.lastTouch {
            let earliest = calendar.adding(businessDays: playbook.minimumGapBusinessDays, to: last)
            if earliest > calendar.firstBusinessDay(onOrAfter: start) {
                gapFloor = earliest
                if end < earliest { end = earliest.adding(days: length) }
                start = earliest
            }
        }
        let dueBy = end
        let overdue = dueBy < today
        // Not before today, nor before a snooze ends.
        var floor = today
        if let resume = context.resume { floor = max(floor, resume) }
        if start < floor {
            if end < floor { end = floor.adding(days: request.fixed ? 0 : length) }
            start = floor
        }
        // Days of the window that the snooze or the gap rule out.
        var day = max(request.windowStart, today)
        while day < start, day <= request.windowEnd {
            if let off = calendar.dayOff(day) {
                skipped.append(SkippedDay(date: day, reason: off))
            } else if let resume = context.resume, day < resume {
                skipped.append(SkippedDay(date: day, reason: .snooze(until: context.lead.snoozeUntil!)))
            } else if gapFloor != nil, let last = plan.lastTouch {
                skipped.append(SkippedDay(date: day, reason: .minimumGap(after: last)))
            }
            day = day.adding(days: 1)
        }

        var chosen: LocalDate?
        var leastLoaded: (date: LocalDate, load: Int)?
        var searched = 0
        while chosen == nil {
            day = start
            while day <= end {
                if let off = calendar.dayOff(day) {
                    skipped.append(SkippedDay(date: day, reason: off))
                } else {
                    let load = ledger.load(context.ownerKey, day)
                    if let capacity, load >= capacity {
                        skipped.append(SkippedDay(date: day, reason: .capacity(load: load)))
                        if leastLoaded == nil || load < leastLoaded!.load { leastLoaded = (day, load) }
                    } else {
                        chosen = day
                        break
                    }
                }
                day = day.adding(days: 1)
            }
            if chosen != nil || leastLoaded != nil { break }
            // No business day in the window: it slides to the next ones. The
            // slid window starts on a business day, so a second pass ends the loop.
            searched += 1
            start = calendar.firstBusinessDay(onOrAfter: end.adding(days: 1))
            end = start.adding(days: length)
        }
        var overCapacity = false
        if chosen == nil, let leastLoaded {
            chosen = leastLoaded.date
            overCapacity = true
            skipped.removeAll { $0.date == leastLoaded.date }
            notes.append("Every business day from \(start) to \(end) is full for \(context.lead.owner) (capacity \(capacity ?? 0) a day): it takes the least-loaded one, \(leastLoaded.date), which already has \(leastLoaded.load).")
        }
        let date = chosen!
        skipped.removeAll { $0.date >= date }

        // Where the method put it, before the snooze or today moved it.
        let methodStart = max(request.windowStart, gapFloor ?? request.windowStart)
        let planned = calendar.firstBusinessDay(onOrAfter: methodStart)
        // A slip counts from the window's start, so the next window (which
        // starts as many days later in the method) starts on or after this touch.
        var slip = 0
        var followsToday = false
        if let resume = context.resume, planned < resume {
            slip = methodStart.days(to: date)
            notes.append("Snoozed until \(context.lead.snoozeUntil!): nothing before \(resume).")
        } else if overdue {
            slip = methodStart.days(to: date)
            followsToday = true
            notes.append("Overdue: due \(dueBy == planned ? "on \(dueBy)" : "by \(dueBy)") with no contact since\(context.lead.lastContact.map { " (last contact \($0))" } ?? ""). It shows \(date == today ? "today, \(date)" : "on \(date)").")
        } else if gapFloor != nil, let last = plan.lastTouch {
            notes.append("Placed on \(date), \(playbook.minimumGapBusinessDays) business days or more after the touch on \(last).")
        } else if planned < today {
            followsToday = true
            notes.append("The window is still open: do it \(date == today ? "today" : "on \(date)").")
        }
        let holidays = skipped.compactMap { skip -> String? in
            if case .holiday(let name) = skip.reason { return "\(skip.date)\(name.isEmpty ? "" : " (\(name))")" }
            return nil
        }
        if !holidays.isEmpty { notes.append("Not on \(holidays.joined(separator: ", ")): a holiday.") }
        let full = skipped.filter { if case .capacity = $0.reason { true } else { false } }
        if !full.isEmpty, !overCapacity {
            notes.append("\(context.lead.owner) is at capacity (\(capacity ?? 0) a day) on \(full.map(\.date.description).joined(separator: ", ")): it takes \(date).")
        }
        if searched > 0, !overdue, slip == 0 {
            notes.append("The window has no business day, so it takes the first one after it, \(date).")
        }

        // A task falls due on the window's last business day.
        var placement = Placement(date: date, windowStart: date, windowEnd: max(calendar.lastBusinessDay(onOrBefore: end), date), overdue: overdue,
                                  followsToday: followsToday, slip: slip, notes: notes, skipped: skipped,
                                  overCapacity: overCapacity, methodWindowStart: request.windowStart,
                                  methodWindowEnd: max(request.windowEnd, request.windowStart))
        if overdue {
            // The task keeps the window it had: it shows as overdue.
            placement.windowStart = min(planned, date)
            placement.windowEnd = min(max(dueBy, placement.windowStart), date)
        }
        return placement
    }

    // MARK: - Building the value

    private func makeTouchpoint(_ context: LeadContext, kind: Touchpoint.Kind, key: String, label: String?,
                                texts parts: [(String, TemplateValues)], stepNumber: Int?, placement: Placement,
                                movedDays: Int, explanation: [String], followsToday: Bool) -> Touchpoint {
        let lead = context.lead
        var changed = context.lastDataChange
        if movedDays > 0 || placement.overdue || followsToday { changed = context.today }
        var titles: [String] = [], prompts: [String] = [], draft = "", channel = "email"
        for (index, (textKey, values)) in parts.enumerated() {
            guard let text = texts[textKey] else { continue }
            let scope = TemplateScope(values)
            titles.append(text.title.render(scope))
            prompts.append(text.prompt.render(scope))
            if index == 0 {
                draft = text.draft.render(scope)
                channel = text.channel
            }
        }
        let title = titles.joined(separator: " + ")
        return Touchpoint(
            lead: lead, timeZone: context.zone, kind: kind, key: key, label: label ?? title, title: title, channel: channel,
            stepNumber: stepNumber, stepCount: stepNumber == nil ? nil : playbook.steps.count,
            date: placement.date, time: playbook.touchTime, durationMinutes: playbook.touchMinutes,
            windowStart: placement.windowStart, windowEnd: placement.windowEnd,
            dueTime: playbook.workdayEnd, overdue: placement.overdue, movedDays: movedDays,
            explanation: explanation, methodWindowStart: placement.methodWindowStart,
            methodWindowEnd: placement.methodWindowEnd, skipped: placement.skipped, overCapacity: placement.overCapacity,
            prompt: prompts.joined(separator: " "), draft: draft,
            lastChanged: changed ?? context.today, alarmMinutesBefore: playbook.alarmMinutesBefore)
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

/// One nurture milestone of a lead, before milestones close together merge.
private struct Milestone {
    var kind: MilestoneKind
    var date: LocalDate
    var key: String
    var windowDays: Int
    var values: TemplateValues
    var why: String
}

/// A touch to place: its window as the method puts it.
private struct Request {
    var windowStart: LocalDate
    var windowEnd: LocalDate
    /// An agreed date (a promise, a check-back): capacity does not move it
    /// and the minimum gap does not apply.
    var fixed: Bool
}

/// Where a touch lands: the day it shows on and the window a task keeps.
private struct Placement {
    var date: LocalDate
    var windowStart: LocalDate
    var windowEnd: LocalDate
    var overdue = false
    /// The date follows today rather than the lead's data.
    var followsToday = false
    /// How far an overdue or snoozed touch moved: later windows move as far.
    var slip = 0
    /// Why it sits where it does, beyond its window.
    var notes: [String] = []
    var skipped: [SkippedDay] = []
    var overCapacity = false
    var methodWindowStart: LocalDate
    var methodWindowEnd: LocalDate
}

/// Touches each owner has on each day, as the plan fills up.
/// Each owner's touches per day, as planned so far.
public struct CapacityLedger: Sendable {
    private var loads: [String: [Int: Int]] = [:]

    public init() {}

    func load(_ owner: String, _ day: LocalDate) -> Int {
        loads[owner]?[day.daysSinceEpoch] ?? 0
    }

    mutating func add(_ owner: String, _ day: LocalDate) {
        loads[owner, default: [:]][day.daysSinceEpoch, default: 0] += 1
    }
}

/// One lead's plan while it is made.
private struct LeadPlan {
    let context: LeadContext
    var touchpoints: [Touchpoint] = []
    /// The last touch, done or planned: the minimum gap counts from it.
    var lastTouch: LocalDate?
}

/// What the planner knows about one lead while planning it.
private struct LeadContext {
    let lead: Lead
    let zone: String
    let today: LocalDate
    /// The owner as capacity counts it: without regard to case.
    let ownerKey: String
    /// The first business day a snoozed lead may be touched again, when
    /// the snooze has not ended yet.
    let resume: LocalDate?
    /// A reply later than our last touch stops the cadence.
    let hasReplied: Bool
    /// The latest date in the lead's history.
    let lastDataChange: LocalDate?

    init(lead: Lead, zone: String, today: LocalDate, playbook: Playbook) {
        self.lead = lead
        self.zone = zone
        self.today = today
        ownerKey = lead.owner.lowercased()
        resume = lead.snoozeUntil.flatMap { $0 > today ? playbook.calendar.firstBusinessDay(onOrAfter: $0) : nil }
        hasReplied = lead.hasReplied
        lastDataChange = [lead.firstContact, lead.lastContact, lead.lastReply].compactMap { $0 }.filter { $0 <= today }.max()
    }
}

/// The values a text's template sees.
private struct TemplateValues {
    let lead: Lead
    var step: String?
    // Dates are written out only when a template asks for them.
    var windowStart: LocalDate?
    var windowEnd: LocalDate?
    var date: LocalDate?
    var fiscalYear: String?
    var fiscalYearStart: String?
    var launchDate: String?
    var event: String?
    var eventDate: String?

    init(lead: Lead) {
        self.lead = lead
    }

    init(lead: Lead, placement: Placement) {
        self.lead = lead
        windowStart = placement.windowStart
        windowEnd = placement.windowEnd
        date = placement.date
    }

}

/// Templates look fields up by name as they render: no dictionary of every
/// field is built for each text (that showed in profiles). An empty
/// optional value is no value, so `{{#company}}…{{/company}}` skips an
/// empty company.
extension TemplateValues {
    func child(named name: String) -> Any? {
        let value: String?
        switch name {
        // Always there, even empty, as they always were.
        case "first_name": return TemplateText(lead.firstName)
        case "name": return TemplateText(lead.name)
        case "owner": return TemplateText(lead.owner)
        case "company": value = lead.company
        case "email": value = lead.email
        case "phone": value = lead.phone
        case "notes": value = lead.notes
        case "next_step": value = lead.nextStep
        case "next_step_due": value = lead.nextStepDue?.description
        case "step": value = step
        case "window_start": value = windowStart?.description
        case "window_end": value = windowEnd?.description
        case "date": value = date?.description
        case "fiscal_year": value = fiscalYear
        case "fiscal_year_start": value = fiscalYearStart ?? lead.fiscalYearStart?.description
        case "launch_date": value = launchDate ?? lead.launchDate?.description
        case "event": value = event
        case "event_date": value = eventDate
        default: value = nil
        }
        guard let value, !value.isEmpty else { return nil }
        return TemplateText(value)
    }
}

/// The values of one text's templates, as Mustache holds them: a class, so
/// that passing it around as `Any` copies a reference, not every field of
/// the lead.
private final class TemplateScope: MustacheParent {
    let values: TemplateValues

    init(_ values: TemplateValues) { self.values = values }

    func child(named name: String) -> Any? { values.child(named: name) }
}

/// A field's value as templates see it. A String would render the same,
/// but inside a section (`{{#company}}…{{/company}}`) Mustache puts the
/// value on its context and looks every name up on it first, by reflection
/// (`Mirror`) for a String, which showed in profiles. As a parent with no
/// children of its own, the lookup passes straight on to the touch's fields.
private struct TemplateText: MustacheParent, MustacheCustomRenderable, MustacheTransformable, CustomStringConvertible {
    let text: String

    init(_ text: String) { self.text = text }

    func child(named name: String) -> Any? { nil }
    var renderText: String { text }
    /// Present, so a section over it renders (an empty name included, as a String would).
    var isNull: Bool { false }
    var description: String { text }
    func transform(_ name: String) -> Any? { text.transform(name) }
}

/// A touch's texts, compiled once per run.
private struct CompiledText {
    let title: TextTemplate
    let prompt: TextTemplate
    let draft: TextTemplate
    let channel: String

    init(_ text: TouchText) throws {
        title = try Self.compile(text.title)
        prompt = try Self.compile(text.prompt)
        draft = try Self.compile(text.draft)
        channel = text.channel
    }

    static let pragma = "{{% CONTENT_TYPE: TEXT}}"

    static func compile(_ text: String) throws -> TextTemplate {
        // Most titles and prompts have no tag: they need no rendering.
        guard text.contains("{{") else { return .literal(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
        // Checked before the parser, which would overflow the stack on it.
        if let problem = Planner.nestingError(text) { throw TemplateNestingError(description: problem) }
        // Texts are plain text, not HTML: nothing is escaped.
        return .mustache(try MustacheTemplate(string: pragma + text))
    }
}

/// A template nested too deep to parse safely.
struct TemplateNestingError: Error, CustomStringConvertible {
    let description: String
}

private enum TextTemplate {
    case literal(String)
    case mustache(MustacheTemplate)

    func render(_ scope: TemplateScope) -> String {
        switch self {
        case .literal(let text): text
        case .mustache(let template): template.render(scope).trimmed
        }
    }
}

extension PlanningNow {
    /// Reads `--now`: an ISO 8601 date (`2026-12-01`), or a date-time
    /// (`2026-12-01T08:30`, with seconds, `Z` or an offset such as `+01:00`).
    /// A date-time without a zone is read in `zone`.
    public static func parse(_ text: String, zone: String) -> PlanningNow? {
        if let date = LocalDate(iso: text) { return .date(date) }
        let formatter = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]] {
            formatter.formatOptions = options
            if let instant = formatter.date(from: text) { return .instant(instant) }
        }
        // No zone: a wall time in the default zone.
        guard let local = LocalDateTime(iso: text), let timeZone = TimeZone(identifier: zone) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = DateComponents(year: local.date.year, month: local.date.month, day: local.date.day,
                                        hour: local.time.hour, minute: local.time.minute, second: local.second)
        return calendar.date(from: components).map { .instant($0) }
    }
}
