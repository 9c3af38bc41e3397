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

/// Plans every upcoming touchpoint of a lead from the playbook.
///
/// Pure: the same leads, playbook, zone and `now` always give the same
/// touchpoints. It reads no clock and no file; a lead's plan never depends
/// on another lead.
public final class Planner {
    public let playbook: Playbook
    public let defaultTimeZone: String
    public let now: PlanningNow
    public let horizonDays: Int
    private let drafts: [String: MustacheTemplate]
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
        var drafts: [String: MustacheTemplate] = [:]
        let texts = playbook.steps.map { ($0.id, $0.draft) } + [
            (Touchpoint.Kind.nextStepMine.rawValue, playbook.nextStepMine.draft),
            (Touchpoint.Kind.nextStepTheirs.rawValue, playbook.nextStepTheirs.draft),
            (Touchpoint.Kind.agreeNextStep.rawValue, playbook.agreeNextStep.draft),
            (Touchpoint.Kind.checkBack.rawValue, playbook.checkBack.draft),
        ]
        for (key, text) in texts {
            do {
                // Drafts are plain text, not HTML: nothing is escaped.
                drafts[key] = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
            } catch {
                throw PlanError(description: "draft template of \"\(key)\" does not parse: \(error)")
            }
        }
        self.drafts = drafts
    }

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

    /// Every upcoming touchpoint of one lead, in date order.
    public func plan(_ lead: Lead) -> [Touchpoint] {
        let zone = lead.timeZone ?? defaultTimeZone
        let context = LeadContext(lead: lead, zone: zone, today: today(in: zone), playbook: playbook)
        switch lead.effectiveStatus {
        case .won, .lost, .closed, .paused:
            return []
        case .notYet:
            return planCheckBack(context)
        case .engaged:
            return planEngaged(context)
        case .new, .active:
            if context.hasReplied { return planEngaged(context) }
            return planCadence(context)
        }
    }

    // MARK: - The cadence

    private func planCadence(_ context: LeadContext) -> [Touchpoint] {
        let lead = context.lead, today = context.today, calendar = playbook.calendar
        let steps = playbook.steps
        guard !steps.isEmpty else { return [] }
        let isActive = lead.effectiveStatus == .active
        // An active lead has had its first contact: Day 0 is done.
        let dayZeroDone = isActive && (lead.firstContact != nil || lead.lastContact != nil)
        let anchor = lead.firstContact ?? (dayZeroDone ? lead.lastContact! : today)
        let lastContact = isActive ? lead.lastContact : nil

        // Steps whose window had opened by the last contact are done.
        var lastDone = dayZeroDone ? 0 : -1
        if let lastContact {
            for (index, step) in steps.enumerated() where anchor.adding(days: step.startDay) <= lastContact {
                lastDone = max(lastDone, index)
            }
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
        var previousTouch: LocalDate? = isActive ? [lead.firstContact, lead.lastContact].compactMap { $0 }.max() : nil
        let horizonEnd = today.adding(days: horizonDays)
        var touchpoints: [Touchpoint] = []

        for index in steps.indices where index > lastDone {
            let step = steps[index]
            let windowStart = anchor.adding(days: step.startDay + shift)
            let windowEnd = anchor.adding(days: step.endDay + shift)
            var earliest = windowStart
            var gapNote: String?
            if let previousTouch {
                let gapFloor = calendar.adding(businessDays: playbook.minimumGapBusinessDays, to: previousTouch)
                if gapFloor > calendar.firstBusinessDay(onOrAfter: windowStart) {
                    earliest = gapFloor
                    gapNote = "moved to keep \(playbook.minimumGapBusinessDays) business days after the touch on \(previousTouch)"
                }
            }
            let planned = calendar.firstBusinessDay(onOrAfter: earliest)
            var placement = Placement(date: planned, windowStart: planned, windowEnd: max(windowEnd, planned))
            placement.followsToday = lead.firstContact == nil && !dayZeroDone
            var slip = 0
            var why: [String] = []
            let dayZeroText = lead.firstContact == nil && !dayZeroDone ? "today" : "\(anchor)"
            if index == 0 {
                why.append("Day 0 of the cadence: the first contact, planned for \(dayZeroText).")
            } else {
                why.append("\(step.label) after the first contact on \(anchor)\(shift > 0 ? ", moved \(shift) days by an earlier slip" : ""): the window runs \(windowStart) to \(windowEnd).")
            }
            if let gapNote {
                why.append("Placed on \(planned), \(gapNote).")
            } else if planned > windowEnd {
                why.append("The window has no business day, so it takes the first one after it, \(planned).")
            } else if planned != windowStart {
                why.append("\(planned) is its first business day.")
            }

            if let resume = context.resume, planned < resume {
                slip = planned.days(to: resume)
                placement = Placement(date: resume, windowStart: resume, windowEnd: max(windowEnd, resume))
                placement.overdue = windowEnd < today
                why.append("Snoozed until \(lead.snoozeUntil!): nothing before \(resume); later steps move \(slip) days.")
            } else if planned < today {
                if windowEnd < today {
                    slip = planned.days(to: today)
                    placement.date = today
                    placement.overdue = true
                    why.append("Overdue: the window closed on \(windowEnd) with no contact since\(lead.lastContact.map { " (last contact \($0))" } ?? ""). It shows today; later steps move \(slip) days so they do not bunch up.")
                } else {
                    let date = calendar.firstBusinessDay(onOrAfter: today)
                    placement.date = date
                    placement.windowEnd = max(windowEnd, date)
                    placement.followsToday = true
                    why.append("The window is still open: do it \(date == today ? "today" : "on \(date)").")
                }
            }
            shift += slip
            guard placement.date <= horizonEnd else { break }
            previousTouch = placement.date
            touchpoints.append(makeTouchpoint(
                context, kind: .cadence, key: step.id, label: step.label, title: step.title, channel: step.channel,
                stepNumber: index + 1, placement: placement, movedDays: shift, reason: why.joined(separator: " "),
                prompt: step.prompt, draftKey: step.id))
        }
        return touchpoints
    }

    // MARK: - Engaged: the next step governs

    private func planEngaged(_ context: LeadContext) -> [Touchpoint] {
        let lead = context.lead, calendar = playbook.calendar
        let replied = lead.lastReply.map { "They replied on \($0). " } ?? "They are engaged. "
        if let due = lead.nextStepDue {
            let owner = lead.nextStepOwner ?? .me
            let step = lead.nextStep.map { "\"\($0)\"" } ?? "the agreed next step"
            let planned: LocalDate
            let text: TouchText
            let kind: Touchpoint.Kind
            var why: String
            switch owner {
            case .me:
                planned = due
                text = playbook.nextStepMine
                kind = .nextStepMine
                why = replied + "The next step, \(step), is yours, due on \(due)."
            case .them:
                planned = calendar.nextBusinessDay(after: due)
                text = playbook.nextStepTheirs
                kind = .nextStepTheirs
                why = replied + "They promised \(step) by \(due): a gentle check-in the next business day after, \(planned)."
            }
            let placement = place(single: planned, in: context, why: &why)
            return [makeTouchpoint(context, kind: kind, key: kind.rawValue, label: text.title, title: text.title,
                                   channel: "email", stepNumber: nil, placement: placement,
                                   movedDays: planned.days(to: placement.date), reason: why,
                                   prompt: text.prompt, draftKey: kind.rawValue)]
        }
        let planned = calendar.nextBusinessDay(after: context.today)
        var why = replied + (lead.nextStep.map { "The next step \"\($0)\" has no date: agree on one, with a date and an owner." }
            ?? "No next step is agreed: agree on one, with a date and an owner.")
        var placement = place(single: planned, in: context, why: &why)
        placement.followsToday = true
        let text = playbook.agreeNextStep
        return [makeTouchpoint(context, kind: .agreeNextStep, key: Touchpoint.Kind.agreeNextStep.rawValue,
                               label: text.title, title: text.title, channel: "email", stepNumber: nil,
                               placement: placement, movedDays: 0, reason: why, prompt: text.prompt,
                               draftKey: Touchpoint.Kind.agreeNextStep.rawValue)]
    }

    // MARK: - Not yet: check back when the snooze ends

    private func planCheckBack(_ context: LeadContext) -> [Touchpoint] {
        let lead = context.lead
        guard let snooze = lead.snoozeUntil else { return [] }
        if let contact = lead.lastContact, contact >= snooze { return [] }
        let planned = playbook.calendar.firstBusinessDay(onOrAfter: snooze)
        var why = "They said \"not now\" until \(snooze): check back then."
        let placement = place(single: planned, in: context, why: &why)
        let text = playbook.checkBack
        return [makeTouchpoint(context, kind: .checkBack, key: Touchpoint.Kind.checkBack.rawValue,
                               label: text.title, title: text.title, channel: "email", stepNumber: nil,
                               placement: placement, movedDays: planned.days(to: placement.date), reason: why,
                               prompt: text.prompt, draftKey: Touchpoint.Kind.checkBack.rawValue)]
    }

    /// Places a one-day touch: after a snooze, or on today when it is past.
    private func place(single planned: LocalDate, in context: LeadContext, why: inout String) -> Placement {
        var placement = Placement(date: planned, windowStart: planned, windowEnd: planned)
        if let resume = context.resume, planned < resume {
            placement = Placement(date: resume, windowStart: resume, windowEnd: resume)
            why += " Snoozed until \(context.lead.snoozeUntil!): nothing before \(resume)."
        } else if planned < context.today {
            placement.date = context.today
            placement.overdue = true
            why += " Overdue since \(planned): it shows today."
        }
        return placement
    }

    // MARK: - Building the value

    private func makeTouchpoint(_ context: LeadContext, kind: Touchpoint.Kind, key: String, label: String, title: String,
                                channel: String, stepNumber: Int?, placement: Placement, movedDays: Int,
                                reason: String, prompt: String, draftKey: String) -> Touchpoint {
        let lead = context.lead
        var changed = context.lastDataChange
        if movedDays > 0 || placement.overdue || placement.followsToday { changed = context.today }
        return Touchpoint(
            lead: lead, timeZone: context.zone, kind: kind, key: key, label: label, title: title, channel: channel,
            stepNumber: stepNumber, stepCount: stepNumber == nil ? nil : playbook.steps.count,
            date: placement.date, time: playbook.touchTime, durationMinutes: playbook.touchMinutes,
            windowStart: placement.windowStart, windowEnd: placement.windowEnd,
            dueTime: playbook.workdayEnd, overdue: placement.overdue, movedDays: movedDays, reason: reason,
            prompt: prompt, draft: renderDraft(draftKey, lead: lead, placement: placement),
            lastChanged: changed ?? context.today, alarmMinutesBefore: playbook.alarmMinutesBefore)
    }

    private func renderDraft(_ key: String, lead: Lead, placement: Placement) -> String {
        guard let template = drafts[key] else { return "" }
        var values: [String: Any] = [
            "first_name": lead.firstName, "name": lead.name, "owner": lead.owner,
            "window_start": placement.windowStart.description, "window_end": placement.windowEnd.description,
        ]
        func set(_ key: String, _ value: String?) {
            if let value, !value.isEmpty { values[key] = value }
        }
        set("company", lead.company)
        set("notes", lead.notes)
        set("next_step", lead.nextStep)
        set("next_step_due", lead.nextStepDue?.description)
        return template.render(values).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Where a touch lands: the day it shows on and the window a task keeps.
private struct Placement {
    var date: LocalDate
    var windowStart: LocalDate
    var windowEnd: LocalDate
    var overdue = false
    /// The date follows today rather than the lead's data (Day 0 of a lead
    /// with no first contact, a step moved to today inside its window, an
    /// agreement to make): it changes when today does.
    var followsToday = false
}

/// What the planner knows about one lead while planning it.
private struct LeadContext {
    let lead: Lead
    let zone: String
    let today: LocalDate
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
        resume = lead.snoozeUntil.flatMap { $0 > today ? playbook.calendar.firstBusinessDay(onOrAfter: $0) : nil }
        let ourLastTouch = lead.effectiveStatus == .active
            ? [lead.lastContact, lead.firstContact].compactMap { $0 }.max()
            : lead.lastContact
        if let reply = lead.lastReply {
            hasReplied = ourLastTouch.map { reply > $0 } ?? true
        } else {
            hasReplied = false
        }
        lastDataChange = [lead.firstContact, lead.lastContact, lead.lastReply].compactMap { $0 }.filter { $0 <= today }.max()
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
