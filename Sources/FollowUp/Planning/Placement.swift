/// Placing a touch: the day of its window it shows on, after the rules
/// that move it (the minimum gap, today, a snooze, days off, capacity).
extension Planner {
    /// Puts a touch on a day of its window: not before today, the end of a
    /// snooze or the minimum gap after the lead's last touch; on a business
    /// day; on the first one where the owner has room, else the least-loaded.
    /// A window that closed before today slides to start today.
    ///
    /// The ledger is read, not charged: the touch is charged when it is
    /// appended, so a touch placed beyond the horizon takes no room.
    func place(_ request: Request, _ plan: inout LeadPlan, ledger: inout CapacityLedger) -> Placement {
        let context = plan.context, today = context.today, calendar = context.calendar
        var window = Window(start: request.windowStart, end: max(request.windowEnd, request.windowStart))
        let length = window.start.days(to: window.end)
        let gapFloor = keepMinimumGap(&window, length: length, request: request, lastTouch: plan.lastTouch, calendar: calendar)
        // Where the method put it, before the snooze or today moved it.
        let methodStart = max(request.windowStart, gapFloor ?? request.windowStart)
        let methodPlanned = calendar.firstBusinessDay(onOrAfter: methodStart)
        // A snooze moves the step: its window opens when the snooze ends,
        // and it is due from there, not overdue for the days it waited.
        var snoozedTo: LocalDate?
        if request.keepsSnooze, let resume = context.resume, methodPlanned < resume {
            snoozedTo = resume
            if window.end < resume { window.end = resume.adding(days: request.fixed ? 0 : length) }
            window.start = resume
        }
        let planned = snoozedTo ?? methodPlanned
        let dueBy = window.end
        let overdue = dueBy < today
        keepFloor(&window, length: length, request: request, context: context)
        var skipped = ruledOut(request: request, before: window.start, gapFloor: gapFloor, lastTouch: plan.lastTouch, context: context)
        let capacity = request.fixed ? nil : playbook.capacity(of: context.lead.owner)
        let choice = firstDayWithRoom(
            &window, length: length, capacity: capacity, ledger: ledger, ownerKey: context.ownerKey, calendar: calendar, skipped: &skipped)
        var notes: [String] = []
        if choice.overCapacity {
            skipped.removeAll { $0.date == choice.date }
            notes.append(
                "Every business day from \(window.start) to \(window.end) is full for \(context.lead.owner) (capacity \(capacity ?? 0) a day): it takes the least-loaded one, \(choice.date), which already has \(choice.load)."
            )
        }
        let date = choice.date
        skipped.removeAll { $0.date >= date }

        // A slip counts from the window's start, so the next window (which
        // starts as many days later in the method) starts on or after this touch.
        var slip = 0
        var followsToday = false
        if let snoozedTo {
            slip = methodStart.days(to: date)
            notes.append(
                "Snoozed until \(context.lead.snoozeUntil!): the step waits until \(snoozedTo)\(overdue ? "" : ", when it is due, not overdue")."
            )
        }
        if overdue {
            slip = methodStart.days(to: date)
            followsToday = true
            notes.append(
                "Overdue: due \(dueBy == planned ? "on \(dueBy)" : "by \(dueBy)") with no contact since\(context.lead.lastContact.map { " (last contact \($0))" } ?? ""). It shows \(date == today ? "today, \(date)" : "on \(date)")."
            )
        } else if snoozedTo == nil, gapFloor != nil, let last = plan.lastTouch {
            notes.append("Placed on \(date), \(playbook.minimumGapBusinessDays) business days or more after the touch on \(last).")
        } else if snoozedTo == nil, planned < today {
            followsToday = true
            notes.append("The window is still open: do it \(date == today ? "today" : "on \(date)").")
        }
        if context.afterHours, planned <= today, date >= context.floor {
            followsToday = true
            notes.append(
                "The plan was made after \(context.ownerHours.end) in \(context.ownerHours.zone), when \(context.lead.owner)'s working day on \(today) was over: it goes to \(date)."
            )
        }
        notes += skipNotes(skipped, date: date, capacity: capacity, overCapacity: choice.overCapacity, owner: context.lead.owner)
        if choice.slid, !overdue, slip == 0 {
            notes.append("The window has no business day, so it takes the first one after it, \(date).")
        }

        // A task falls due on the window's last business day.
        var placement = Placement(
            date: date, windowStart: date, windowEnd: max(calendar.lastBusinessDay(onOrBefore: window.end), date),
            overdue: overdue, followsToday: followsToday, slip: slip, notes: notes, skipped: skipped,
            overCapacity: choice.overCapacity, methodWindowStart: request.windowStart,
            methodWindowEnd: max(request.windowEnd, request.windowStart))
        if overdue {
            // The task keeps the window it had: it shows as overdue.
            placement.windowStart = min(planned, date)
            placement.windowEnd = min(max(dueBy, placement.windowStart), date)
        }
        return placement
    }

    /// Never closer than the minimum gap to the lead's last touch: the
    /// window moves, keeping its length, and is not overdue for it.
    /// - Returns: the first day the gap allows, when it moved the window.
    func keepMinimumGap(_ window: inout Window, length: Int, request: Request, lastTouch: LocalDate?, calendar: BusinessCalendar) -> LocalDate? {
        guard !request.fixed, let last = lastTouch else { return nil }
        let earliest = calendar.adding(businessDays: playbook.minimumGapBusinessDays, to: last)
        guard earliest > calendar.firstBusinessDay(onOrAfter: window.start) else { return nil }
        if window.end < earliest { window.end = earliest.adding(days: length) }
        window.start = earliest
        return earliest
    }

    /// Not before today (the next business day once the working day is
    /// over), nor before a snooze ends.
    func keepFloor(_ window: inout Window, length: Int, request: Request, context: LeadContext) {
        var floor = context.floor
        if request.keepsSnooze, let resume = context.resume { floor = max(floor, resume) }
        guard window.start < floor else { return }
        if window.end < floor { window.end = floor.adding(days: request.fixed ? 0 : length) }
        window.start = floor
    }

    /// Days of the method's window that the snooze or the gap rule out.
    func ruledOut(
        request: Request, before start: LocalDate, gapFloor: LocalDate?, lastTouch: LocalDate?,
        context: LeadContext
    ) -> [SkippedDay] {
        let calendar = context.calendar
        var skipped: [SkippedDay] = []
        var day = max(request.windowStart, context.today)
        while day < start, day <= request.windowEnd {
            if let off = calendar.dayOff(day) {
                skipped.append(SkippedDay(date: day, reason: off))
            } else if day < context.floor {
                skipped.append(SkippedDay(date: day, reason: .dayOver))
            } else if request.keepsSnooze, let resume = context.resume, day < resume {
                skipped.append(SkippedDay(date: day, reason: .snooze(until: context.lead.snoozeUntil!)))
            } else if gapFloor != nil, let last = lastTouch {
                skipped.append(SkippedDay(date: day, reason: .minimumGap(after: last)))
            }
            day = day.adding(days: 1)
        }
        return skipped
    }

    /// The first business day of the window where the owner has room, else
    /// the least-loaded one; a window with no business day slides to the
    /// next ones. Days passed over are added to `skipped`.
    /// A window that slides keeps `length`, the method's.
    func firstDayWithRoom(
        _ window: inout Window, length: Int, capacity: Int?, ledger: CapacityLedger, ownerKey: String,
        calendar: BusinessCalendar, skipped: inout [SkippedDay]
    ) -> DayChoice {
        var leastLoaded: (date: LocalDate, load: Int)?
        var slid = false
        while true {
            var day = window.start
            while day <= window.end {
                if let off = calendar.dayOff(day) {
                    skipped.append(SkippedDay(date: day, reason: off))
                } else {
                    let load = ledger.load(ownerKey, day)
                    guard let capacity, load >= capacity else {
                        return DayChoice(date: day, load: load, overCapacity: false, slid: slid)
                    }
                    skipped.append(SkippedDay(date: day, reason: .capacity(load: load)))
                    if leastLoaded == nil || load < leastLoaded!.load { leastLoaded = (day, load) }
                }
                day = day.adding(days: 1)
            }
            if let leastLoaded { return DayChoice(date: leastLoaded.date, load: leastLoaded.load, overCapacity: true, slid: slid) }
            // No business day in the window: it slides to the next ones. The
            // slid window starts on a business day, so a second pass ends the loop.
            slid = true
            window.start = calendar.firstBusinessDay(onOrAfter: window.end.adding(days: 1))
            window.end = window.start.adding(days: length)
        }
    }

    /// What the days passed over say: holidays, and days the owner was full.
    func skipNotes(_ skipped: [SkippedDay], date: LocalDate, capacity: Int?, overCapacity: Bool, owner: String) -> [String] {
        var notes: [String] = []
        let holidays = skipped.compactMap { skip -> String? in
            if case .holiday(let name) = skip.reason { return "\(skip.date)\(name.isEmpty ? "" : " (\(name))")" }
            return nil
        }
        if !holidays.isEmpty { notes.append("Not on \(holidays.joined(separator: ", ")): a holiday.") }
        let away = skipped.filter { $0.reason == .away }
        if !away.isEmpty { notes.append("Not on \(away.map(\.date.description).joined(separator: ", ")): \(owner) is away.") }
        let full = skipped.filter { if case .capacity = $0.reason { true } else { false } }
        if !full.isEmpty, !overCapacity {
            notes.append("\(owner) is at capacity (\(capacity ?? 0) a day) on \(full.map(\.date.description).joined(separator: ", ")): it takes \(date).")
        }
        return notes
    }
}

/// The days a touch may take, as the rules move them.
struct Window {
    var start: LocalDate
    var end: LocalDate
}

/// The day `firstDayWithRoom` chose.
struct DayChoice {
    var date: LocalDate
    /// Touches the owner already had that day.
    var load: Int
    /// Every business day was full: the least-loaded one was taken.
    var overCapacity: Bool
    /// The window had no business day and slid past its end.
    var slid: Bool
}

/// A touch to place: its window as the method puts it.
struct Request {
    var windowStart: LocalDate
    var windowEnd: LocalDate
    /// An agreed date (a promise, a check-back): capacity does not move it
    /// and the minimum gap does not apply.
    var fixed: Bool
    /// A snooze holds it back (everything but a promise of mine).
    var keepsSnooze = true
}

/// Where a touch lands: the day it shows on and the window a task keeps.
struct Placement {
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
