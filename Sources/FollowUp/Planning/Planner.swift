import Foundation

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
///
/// A `Sendable` value: threads share one planner. What one planning call
/// keeps as it goes (capacity taken, today in each zone) is that call's.
public struct Planner: Sendable {
    public let playbook: Playbook
    public let defaultTimeZone: String
    public let now: PlanningNow
    public let horizonDays: Int
    let texts: [String: CompiledText]

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

    /// The day it is in `zone` for this run.
    public func today(in zone: String) -> LocalDate {
        zoneNow(zone).today
    }

    /// The zone `lead`'s touches are timed in, whose day is their today:
    /// the owner's (the playbook's `owners:` section), else the lead's,
    /// else the default.
    public func clockZone(for lead: Lead) -> String {
        playbook.ownerDay(lead.owner)?.timeZone ?? lead.timeZone ?? defaultTimeZone
    }

    /// Every upcoming touchpoint of each lead, in date order, at the lead's
    /// index. Owners' capacity is shared by their leads.
    public func plan(_ leads: [Lead]) -> [[Touchpoint]] {
        let keys = leads.map(planningKey)
        var result = [[Touchpoint]](repeating: [], count: leads.count)
        plan(leads.indices, key: { keys[$0] }, lead: { leads[$0] }, touches: { result[$0] = $1 })
        return result
    }

    /// Every upcoming touchpoint of one lead, in date order, as if it were
    /// the only lead of its owner.
    public func plan(_ lead: Lead) -> [Touchpoint] {
        var ledger = CapacityLedger()
        return plan(lead, ledger: &ledger)
    }

    /// Plans leads that share their owners' capacity, in the planner's
    /// order, fetching each lead only when its turn comes: so a caller can
    /// keep just the keys in memory and the leads elsewhere.
    ///
    /// Leads of different owners never meet (capacity is per owner), so
    /// each owner's leads can be planned by a call of their own, on a
    /// thread of their own, with the same plan as one call for all.
    /// - Parameters:
    ///   - leads: references to the leads, in any order.
    ///   - key: a reference's `planningKey`.
    ///   - lead: the lead a reference stands for.
    ///   - touches: a lead's touchpoints, in date order; called once per
    ///     lead, in the planner's order.
    public func plan<Refs: Collection, Failure: Error>(
        _ leads: Refs, key: (Refs.Element) -> PlanningKey, lead: (Refs.Element) throws(Failure) -> Lead,
        touches: (Refs.Element, [Touchpoint]) throws(Failure) -> Void
    ) throws(Failure) {
        var ledger = CapacityLedger()
        for reference in leads.sorted(by: { key($0) < key($1) }) {
            try touches(reference, plan(try lead(reference), ledger: &ledger))
        }
    }

    /// Where a lead comes in the order leads are planned: see `PlanningKey`.
    public func planningKey(_ lead: Lead) -> PlanningKey {
        let group: UInt8
        switch lead.effectiveStatus {
        case .engaged, .won, .lost, .closed, .paused: group = 0
        case .notYet: group = lead.hasOpenPromiseOfMine ? 0 : 1
        case .new, .active: group = lead.hasReplied ? 0 : 2
        }
        return PlanningKey(group: group, id: lead.id)
    }

    func plan(_ lead: Lead, ledger: inout CapacityLedger) -> [Touchpoint] {
        // A finished lead needs no working day worked out.
        if lead.isFinished || lead.effectiveStatus == .paused { return [] }
        var plan = LeadPlan(context: context(for: lead, ledger: &ledger))
        switch lead.effectiveStatus {
        case .won, .lost, .closed, .paused:
            return []
        case .notYet:
            planNurture(&plan, ledger: &ledger, afterCloseTheLoop: nil)
            // "Not now" from them does not cancel a promise of mine: it is
            // kept on its date, snooze or not (planned last, so that the
            // nurture does not count its gap from it).
            if lead.hasOpenPromiseOfMine {
                planPromise(&plan, ledger: &ledger)
                plan.touchpoints.sort { $0.date < $1.date }
            }
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

    func horizonEnd(_ context: LeadContext) -> LocalDate {
        context.today.adding(days: horizonDays)
    }

    /// Adds a placed touch to the plan and to its owner's day, in the
    /// owner's next free slot of that day.
    func append(_ touch: Touchpoint, to plan: inout LeadPlan, ledger: inout CapacityLedger) {
        var touch = touch
        let slot = slot(for: touch.date, plan.context, ledger: &ledger)
        touch.time = slot.time
        touch.slot = slot
        ledger.add(plan.context.ownerKey, touch.date)
        plan.lastTouch = touch.date
        plan.touchpoints.append(touch)
    }
}

extension Lead {
    /// A next step of mine with a date, not done yet.
    var hasOpenPromiseOfMine: Bool {
        nextStepDue != nil && (nextStepOwner ?? .me) == .me
    }
}

/// The order leads are planned in: agreed dates first, so that capacity
/// never moves a promise (engaged leads, leads whose reply stops the
/// cadence, and "not yet" leads with a promise of mine: group 0), then "not yet" leads (1), then the cadence (2);
/// within a group by lead id, so the plan does not depend on the order of
/// the rows.
public struct PlanningKey: Comparable, Sendable {
    let group: UInt8
    public let id: String

    public static func < (a: PlanningKey, b: PlanningKey) -> Bool {
        a.group != b.group ? a.group < b.group : a.id < b.id
    }
}
