/// What each thing that happens to a lead does to it: pure functions of the
/// lead, which every store applies the same way (it records the event in
/// its own history, then keeps the lead these give).
extension Lead {
    /// A touch we made on `date` (for a step of the cadence, when known):
    /// the first one is Day 0, and a new lead becomes active.
    public func touched(on date: LocalDate, step: String?) -> Lead {
        var lead = self
        if let step, date >= (lead.lastContact ?? date) { lead.lastStep = step }
        lead.lastContact = max(lead.lastContact ?? date, date)
        if lead.firstContact == nil || lead.effectiveStatus == .new {
            lead.firstContact = min(lead.firstContact ?? date, date)
        }
        if lead.effectiveStatus == .new { lead.status = .active }
        return lead
    }

    /// Their reply on `date`: it stops the cadence; a lead not yet engaged is now.
    public func replied(on date: LocalDate) -> Lead {
        var lead = self
        lead.lastReply = max(lead.lastReply ?? date, date)
        lead.engage()
        return lead
    }

    /// A next step agreed (replacing an open one): what, by when, whose.
    public func agreeing(_ what: String, due: LocalDate, owner: StepOwner) -> Lead {
        var lead = self
        lead.nextStep = what
        lead.nextStepDue = due
        lead.nextStepOwner = owner
        lead.engage()
        return lead
    }

    /// The open next step done on `date`: one of ours is a contact from us.
    /// nil when the lead has no open next step.
    public func nextStepDone(on date: LocalDate) -> Lead? {
        guard nextStep != nil || nextStepDue != nil else { return nil }
        var lead = self
        if (lead.nextStepOwner ?? .me) == .me { lead.lastContact = max(lead.lastContact ?? date, date) }
        lead.nextStep = nil
        lead.nextStepDue = nil
        lead.nextStepOwner = nil
        return lead
    }

    /// "Not now": nothing before `until`, then a check-back and nurture. A
    /// finished lead stays finished. An open next step stays (a promise of
    /// mine is still planned on its date) unless `droppingNextStep`.
    public func snoozed(until: LocalDate, droppingNextStep: Bool = false) -> Lead {
        var lead = self
        lead.snoozeUntil = until
        if !lead.isFinished { lead.status = .notYet }
        if droppingNextStep {
            lead.nextStep = nil
            lead.nextStepDue = nil
            lead.nextStepOwner = nil
        }
        return lead
    }

    /// Won, lost, or closed ("no"): nothing more is planned. nil for an
    /// outcome that does not finish a lead.
    public func closed(as outcome: LeadStatus) -> Lead? {
        guard [.won, .lost, .closed].contains(outcome) else { return nil }
        var lead = self
        lead.status = outcome
        return lead
    }

    /// Won, lost or closed.
    public var isFinished: Bool { [.won, .lost, .closed].contains(effectiveStatus) }

    private mutating func engage() {
        if [.new, .active, .notYet].contains(effectiveStatus) { status = .engaged }
    }
}
