/// What one planning call keeps as it goes: each owner's touches per day,
/// as planned so far, and the day it is in each zone (worked out once per
/// zone, not once per lead).
struct CapacityLedger {
    private var loads: [String: [Int: Int]] = [:]
    private var todayByZone: [String: LocalDate] = [:]

    mutating func today(in zone: String, planner: Planner) -> LocalDate {
        if let known = todayByZone[zone] { return known }
        let day = planner.today(in: zone)
        todayByZone[zone] = day
        return day
    }

    func load(_ owner: String, _ day: LocalDate) -> Int {
        loads[owner]?[day.daysSinceEpoch] ?? 0
    }

    mutating func add(_ owner: String, _ day: LocalDate) {
        loads[owner, default: [:]][day.daysSinceEpoch, default: 0] += 1
    }
}

/// One lead's plan while it is made.
struct LeadPlan {
    let context: LeadContext
    var touchpoints: [Touchpoint] = []
    /// The last touch, done or planned: the minimum gap counts from it.
    var lastTouch: LocalDate?
}

/// What the planner knows about one lead while planning it.
struct LeadContext {
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
