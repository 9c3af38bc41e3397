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
    }

    public var lead: Lead
    /// The lead's zone, resolved (the lead's own or the default).
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
    /// When, in the lead's zone.
    public var time: TimeOfDay
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
    /// Why this touch, why on this date.
    public var reason: String
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
}
