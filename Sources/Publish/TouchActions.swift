import FollowUp
import Foundation
import LeadStore

/// What a button on a touch's action page does.
public enum TouchAction: String, Sendable, CaseIterable {
    /// The touch was made: logged for its step, as `followup log --step` would.
    case done
    /// They replied: an incoming touch, so the cadence stops.
    case replied
    /// Not now: snoozed until a date the page picks.
    case snooze
    /// Snoozed for seven days.
    case snoozeWeek = "snooze-week"
    /// No: closed.
    case no
}

/// What an action did, for the page that answers it.
public struct ActionOutcome: Sendable {
    public var summary: String
    /// The request id its Undo names; nil when nothing was changed now.
    public var undoRequest: String?
    /// The form had been sent before: nothing was changed again.
    public var repeated = false
    /// Why the feeds could not be written again after the change, if so.
    public var regenerationError: String?
}

/// Captures from `serve`'s pages, written to a SQLite store the way the
/// capture commands write (one transaction each, journalled, so `followup
/// undo` reverses them too), then the feeds regenerated.
public struct TouchActions: Sendable {
    /// The SQLite store; nil when `serve` reads a lead sheet (or no store),
    /// and `unavailable` says why actions are refused.
    public var store: String?
    public var unavailable: String
    /// The playbook's cadence: step id → its channel.
    public var steps: [String: String]
    /// Today, and this moment as the store records it (an ISO 8601 stamp,
    /// and the local date-time a touch is logged at).
    public var today: @Sendable () -> LocalDate
    public var now: @Sendable () -> (stamp: String, at: LocalDateTime?)
    /// Writes the feeds again after a change (`generate`'s job, in-process).
    public var regenerate: @Sendable () throws -> Void
    /// How long after an action its Undo is offered.
    public var undoSeconds = 600

    public init(
        store: String?, unavailable: String = "", steps: [String: String], today: @escaping @Sendable () -> LocalDate,
        now: @escaping @Sendable () -> (stamp: String, at: LocalDateTime?), regenerate: @escaping @Sendable () throws -> Void
    ) {
        self.store = store
        self.unavailable = unavailable
        self.steps = steps
        self.today = today
        self.now = now
        self.regenerate = regenerate
    }

    /// Actions refused, with the reason a page shows.
    public static func refused(_ reason: String) -> TouchActions {
        TouchActions(store: nil, unavailable: reason, steps: [:], today: { LocalDate(daysSinceEpoch: 0) }, now: { ("", nil) }, regenerate: {})
    }

    /// Does `action` to the touch, once per `request` id (a form sent
    /// again changes nothing and says what the first one did).
    /// - Parameter until: the day a snooze ends (`.snooze` only).
    public func perform(_ action: TouchAction, on touch: FeedTouch, until: LocalDate?, request: String) throws -> ActionOutcome {
        guard let path = store else { throw PublishError(unavailable) }
        let store = try SQLiteStore.open(at: path)
        let (stamp, at) = now()
        let today = today()
        let lead = touch.leadID
        let outcome: ActionOutcome
        do {
            switch action {
            case .done:
                if touch.key == Touchpoint.Kind.nextStepMine.rawValue {
                    try store.markNextStepDone(lead, on: today, now: stamp, request: request)
                } else {
                    let step = steps[touch.key] != nil ? touch.key : nil
                    let channel = step.flatMap { steps[$0] } ?? touch.channel ?? "email"
                    try store.log(
                        lead, at: at, on: today, channel: channel.lowercased(), inbound: false, step: step, note: nil, again: true, now: stamp, request: request
                    )
                }
            case .replied:
                try store.log(
                    lead, at: at, on: today, channel: (touch.channel ?? "email").lowercased(), inbound: true, step: nil, note: nil, again: true,
                    now: stamp, request: request)
            case .snooze, .snoozeWeek:
                let day = action == .snoozeWeek ? today.adding(days: 7) : until
                guard let day, day > today else { throw PublishError("pick a day after today (\(today)) to snooze until; nothing was changed") }
                try store.snooze(lead, until: day, now: stamp, request: request)
            case .no:
                try store.close(lead, outcome: .closed, on: today, now: stamp, request: request)
            }
            outcome = ActionOutcome(summary: try store.actionRequest(request)?.summary ?? action.rawValue, undoRequest: request)
        } catch let repeated as RepeatedRequest {
            return ActionOutcome(summary: repeated.summary + (repeated.undone ? " (undone since)" : ""), undoRequest: nil, repeated: true)
        }
        // The change is in the store: a failure to write the feeds now is
        // reported with it, never as "nothing was changed".
        var written = outcome
        do { try regenerate() } catch { written.regenerationError = "\(error)" }
        return written
    }

    /// What an action's request did, when the store has it.
    public func previous(_ request: String) throws -> SQLiteStore.ActionRequest? {
        guard let path = store else { return nil }
        return try SQLiteStore.open(at: path).actionRequest(request)
    }

    /// Undoes what an action's request did, within `undoSeconds` of it.
    public func undo(request: String, lead: String) throws -> String {
        guard let path = store else { throw PublishError(unavailable) }
        let store = try SQLiteStore.open(at: path)
        guard let found = try store.actionRequest(request), found.leadID == lead else {
            throw PublishError("no such action on this touch; nothing was undone")
        }
        if found.undone { return "\(found.summary): undone already" }
        guard Int(Date().timeIntervalSince1970) - found.created <= undoSeconds else {
            throw PublishError(
                "\(found.summary): Undo is offered for \(undoSeconds / 60) minutes after an action; `followup undo --list` shows what the store can still undo")
        }
        let undone = try store.undo(request: request)
        do { try regenerate() } catch { return "Undone: \(undone.summary); the feeds could not be written again (\(error))" }
        return "Undone: \(undone.summary)"
    }
}
