/// One planned touch: a pure value, everything a feed needs to show it.
public struct Touchpoint: Hashable, Sendable {
    /// What kind of touch this is in the plan.
    public enum Kind: String, Hashable, Sendable {
        /// A step of the cadence.
        case cadence
        /// An engaged lead's next step that is mine, on its due date.
        case nextStepMine = "next-step"
        /// A check-in after a step they promised.
        case nextStepTheirs = "check-in"
        /// An engaged lead with no next step.
        case agreeNextStep = "agree-next-step"
        /// A "not now" lead at the end of its snooze.
        case checkBack = "check-back"
        /// A nurture milestone: a quarterly update, a fiscal year, a launch, an event.
        case nurture
    }

    public var lead: Lead
    /// The zone the touch is timed in: its owner's (the playbook's
    /// `owners:` section), else the lead's own or the default.
    public var timeZone: String
    public var kind: Kind
    /// The touch's identity in the lead's plan (a step id, or the kind);
    /// with the lead id it makes the UID.
    public var key: String
    /// "Day 2–3" for a cadence step; the title otherwise.
    public var label: String
    public var title: String
    public var channel: String
    /// 1-based place in the cadence, and the cadence's length.
    public var stepNumber: Int?
    public var stepCount: Int?
    /// The day it shows on (today when overdue).
    public var date: LocalDate
    /// When, in `timeZone`: the owner's slot of the day.
    public var time: TimeOfDay
    /// Which slot of the owner's day, within which hours (`explain` says
    /// it); nil only before the planner has put the touch in a day.
    public var slot: TouchSlot? = nil
    public var durationMinutes: Int
    /// The window as a task shows it: it opens on `windowStart` (the day the
    /// touch was planned for, before it became overdue) and is due at the
    /// end of the working day on `windowEnd`.
    public var windowStart: LocalDate
    public var windowEnd: LocalDate
    public var dueTime: TimeOfDay
    public var overdue: Bool
    /// How many days the touch moved from where the method first put it
    /// (slips and snoozes); grows when it moves again.
    public var movedDays: Int
    /// Why this touch, why on this date: one sentence a line.
    public var explanation: [String]
    /// The window as the method put it (after slips), before weekends,
    /// holidays, the gap, a snooze or capacity moved the touch inside it.
    public var methodWindowStart: LocalDate
    public var methodWindowEnd: LocalDate
    /// Each day from the window's start (or today) to the chosen day, and
    /// why it was not taken.
    public var skipped: [SkippedDay]
    /// Every day it could take was full: it sits on the least-loaded one,
    /// over the owner's daily capacity.
    public var overCapacity: Bool
    /// What to bring.
    public var prompt: String
    /// A draft message built from the lead's context.
    public var draft: String
    /// The last day the lead's data or this touch changed: the basis of
    /// DTSTAMP and LAST-MODIFIED, so they come from the data, not the clock.
    public var lastChanged: LocalDate
    public var alarmMinutesBefore: Int

    /// The lead's owner, as feeds are split.
    public var owner: String { lead.owner }

    /// Why this touch, why on this date, as one paragraph.
    public var reason: String { explanation.joined(separator: " ") }
}

/// Why the planner did not put a touch on a day.
public enum SkipReason: Hashable, Sendable, CustomStringConvertible {
    case weekend
    /// A holiday of the playbook, with its name (empty when unnamed).
    case holiday(String)
    /// The owner already has `load` touches that day, their capacity.
    case capacity(load: Int)
    /// Too close to the touch on that day.
    case minimumGap(after: LocalDate)
    /// Before the end of a "not now" snooze.
    case snooze(until: LocalDate)
    /// The owner is away (the playbook's `owners:` section).
    case away
    /// The owner's working day was over when the plan was made.
    case dayOver

    public var description: String {
        switch self {
        case .weekend: "weekend"
        case .holiday(let name): name.isEmpty ? "holiday" : "holiday (\(name))"
        case .capacity(let load): "capacity: the owner already has \(load) touch\(load == 1 ? "" : "es") that day"
        case .minimumGap(let after): "minimum gap after the touch on \(after)"
        case .snooze(let until): "snoozed until \(until)"
        case .away: "owner away"
        case .dayOver: "the working day was over when the plan was made"
        }
    }

    /// One word for scripts: weekend, holiday, capacity, minimum-gap, snooze, away, day-over.
    public var code: String {
        switch self {
        case .weekend: "weekend"
        case .holiday: "holiday"
        case .capacity: "capacity"
        case .minimumGap: "minimum-gap"
        case .snooze: "snooze"
        case .away: "away"
        case .dayOver: "day-over"
        }
    }
}

/// A day a touch could have taken, and why it did not.
public struct SkippedDay: Hashable, Sendable, CustomStringConvertible {
    public var date: LocalDate
    public var reason: SkipReason

    public init(date: LocalDate, reason: SkipReason) {
        self.date = date
        self.reason = reason
    }

    public var description: String { "\(date) \(date.weekdayName): \(reason)" }
}
