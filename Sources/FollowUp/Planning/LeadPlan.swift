import Foundation

/// What one planning call keeps as it goes: each owner's touches per day
/// and the minutes their touches took, as planned so far; and what is
/// worked out once per zone or owner, not once per lead (today, the
/// business calendar of an owner and a country, zone offsets).
struct CapacityLedger {
    private var loads: [String: [Int: Int]] = [:]
    /// Each owner's taken slots, as minutes since the epoch (UTC): no two
    /// touches of one owner start at the same minute, whatever zones they are in.
    private var taken: [String: Set<Int>] = [:]
    private var nowByZone: [String: ZoneNow] = [:]
    private var calendars: [String: BusinessCalendar] = [:]
    private var offsets: [String: [Int: Int]] = [:]

    mutating func now(in zone: String, planner: Planner) -> ZoneNow {
        if let known = nowByZone[zone] { return known }
        let now = planner.zoneNow(zone)
        nowByZone[zone] = now
        return now
    }

    func load(_ owner: String, _ day: LocalDate) -> Int {
        loads[owner]?[day.daysSinceEpoch] ?? 0
    }

    mutating func add(_ owner: String, _ day: LocalDate) {
        loads[owner, default: [:]][day.daysSinceEpoch, default: 0] += 1
    }

    func isTaken(_ owner: String, minute: Int) -> Bool {
        taken[owner]?.contains(minute) ?? false
    }

    mutating func take(_ owner: String, minute: Int) {
        taken[owner, default: []].insert(minute)
    }

    /// The calendar of an owner with leads of a region, made once.
    mutating func calendar(_ key: String, make: () -> BusinessCalendar) -> BusinessCalendar {
        if let known = calendars[key] { return known }
        let calendar = make()
        calendars[key] = calendar
        return calendar
    }

    /// Minutes `zone` is ahead of UTC at noon on `day`: working hours never
    /// sit in the night hour a change of offset happens in.
    mutating func offsetMinutes(_ zone: String, _ day: LocalDate) -> Int {
        if let known = offsets[zone]?[day.daysSinceEpoch] { return known }
        let noon = Date(timeIntervalSince1970: Double(day.daysSinceEpoch * 86_400 + 43_200))
        let offset = (TimeZone(identifier: zone)?.secondsFromGMT(for: noon) ?? 0) / 60
        offsets[zone, default: [:]][day.daysSinceEpoch] = offset
        return offset
    }
}

/// The day and the time it is in a zone for a run; the time is nil when
/// `--now` gave a day only.
struct ZoneNow {
    let today: LocalDate
    let minuteOfDay: Int?
}

/// One lead's plan while it is made.
struct LeadPlan {
    let context: LeadContext
    var touchpoints: [Touchpoint] = []
    /// The last touch, done or planned: the minimum gap counts from it.
    var lastTouch: LocalDate?
}

/// The hours a touch may take on a day: a start and an end, in a zone.
struct WorkingHours {
    let zone: String
    let start: TimeOfDay
    let end: TimeOfDay

    var description: String { "\(start)–\(end) \(zone)" }
}

/// What the planner knows about one lead while planning it.
struct LeadContext {
    let lead: Lead
    /// The lead's zone, resolved.
    let zone: String
    /// The day it is in the zone that times the lead's touches.
    let today: LocalDate
    /// The first day a touch may take: today, or the next business day
    /// when the owner's working day had ended when the plan was made.
    let floor: LocalDate
    /// The owner as capacity counts it: without regard to case.
    let ownerKey: String
    /// The owner's working hours, in the zone their touches are timed in
    /// (the owner's, or else the lead's).
    let ownerHours: WorkingHours
    /// The lead's working hours, in the lead's zone.
    let leadHours: WorkingHours
    /// The business days of both the owner and the lead: the playbook's,
    /// the owner's days, the holidays of both countries, the owner's away days.
    let calendar: BusinessCalendar
    /// The countries whose holidays apply, for `explain`.
    let regions: [String]
    /// The first business day a snoozed lead may be touched again: the
    /// snooze moves every step planned before it to that day.
    let resume: LocalDate?
    /// A reply later than our last touch stops the cadence.
    let hasReplied: Bool
    /// The latest date in the lead's history.
    let lastDataChange: LocalDate?

    var afterHours: Bool { floor > today }
}

extension Planner {
    /// The zone and the working day a lead's touches are planned in, with
    /// its owner's calendar.
    func context(for lead: Lead, ledger: inout CapacityLedger) -> LeadContext {
        let zone = lead.timeZone ?? defaultTimeZone
        let ownerKey = lead.owner.lowercased()
        let owner = playbook.ownerDay(lead.owner)
        let clockZone = owner?.timeZone ?? zone
        let ownerHours = WorkingHours(
            zone: clockZone, start: owner?.dayStart ?? playbook.touchTime, end: owner?.dayEnd ?? playbook.workdayEnd)
        let leadHours = WorkingHours(zone: zone, start: playbook.touchTime, end: playbook.workdayEnd)
        let now = ledger.now(in: clockZone, planner: self)
        let leadRegion = playbook.countryHolidays ? lead.country ?? HolidayData.country(ofZone: zone) : nil
        let ownerRegion = playbook.countryHolidays ? owner?.country ?? owner?.timeZone.flatMap(HolidayData.country(ofZone:)) : nil
        let regions = [ownerRegion, leadRegion].compactMap { $0 }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let calendar = ledger.calendar(ownerKey + "\u{0}" + regions.joined(separator: "\u{0}")) {
            businessCalendar(owner: owner, regions: regions)
        }
        var floor = now.today
        if let minute = now.minuteOfDay, minute >= ownerHours.end.minutesSinceMidnight {
            floor = calendar.nextBusinessDay(after: now.today)
        }
        return LeadContext(
            lead: lead, zone: zone, today: now.today, floor: floor, ownerKey: ownerKey, ownerHours: ownerHours,
            leadHours: leadHours, calendar: calendar, regions: regions,
            resume: lead.snoozeUntil.map { calendar.firstBusinessDay(onOrAfter: $0) },
            hasReplied: lead.hasReplied,
            lastDataChange: [lead.firstContact, lead.lastContact, lead.lastReply].compactMap { $0 }.filter { $0 <= now.today }.max())
    }

    /// The playbook's calendar, with the owner's working days, the public
    /// holidays of `regions` and the owner's away days.
    func businessCalendar(owner: OwnerDay?, regions: [String]) -> BusinessCalendar {
        var calendar = playbook.calendar
        if let days = owner?.workingWeekdays {
            let both = days.intersection(calendar.workingWeekdays)
            calendar.workingWeekdays = both.isEmpty ? days : both
        }
        if !regions.isEmpty {
            var holidays = calendar.holidays
            var names: [LocalDate: [(name: String, regions: [String])]] = [:]
            for region in regions {
                for (date, name) in HolidayData.holidays(of: region) ?? [:] where holidays[date] == nil {
                    if let index = names[date, default: []].firstIndex(where: { $0.name == name }) {
                        names[date]![index].regions.append(region)
                    } else {
                        names[date, default: []].append((name, [region]))
                    }
                }
            }
            for (date, entries) in names {
                holidays[date] = entries.map { "\($0.name), \($0.regions.joined(separator: " and "))" }.joined(separator: "; ")
            }
            calendar.holidays = holidays
        }
        if let away = owner?.away, !away.isEmpty {
            var days = Set<LocalDate>()
            for period in away {
                var day = period.from
                while day <= period.to, days.count < 10_000 {
                    days.insert(day)
                    day = day.adding(days: 1)
                }
            }
            calendar.away = days
        }
        return calendar
    }

    /// The day and time it is in `zone` for this run.
    func zoneNow(_ zone: String) -> ZoneNow {
        switch now {
        case .date(let date):
            return ZoneNow(today: date, minuteOfDay: nil)
        case .instant(let instant):
            let offset = TimeZone(identifier: zone)?.secondsFromGMT(for: instant) ?? 0
            let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + offset
            let days = Int((Double(seconds) / 86_400).rounded(.down))
            return ZoneNow(today: LocalDate(daysSinceEpoch: days), minuteOfDay: (seconds - days * 86_400) / 60)
        }
    }

    /// The time of a touch on its day: the owner's first free slot inside
    /// their working hours and, where those overlap the lead's, inside the
    /// lead's too; when the day is full, the first free slot after it.
    /// Takes the slot in the ledger.
    func slot(for date: LocalDate, _ context: LeadContext, ledger: inout CapacityLedger) -> (time: TimeOfDay, note: String) {
        let hours = context.ownerHours
        let length = max(1, playbook.slotMinutes)
        let clockOffset = ledger.offsetMinutes(hours.zone, date)
        let base = date.daysSinceEpoch * 1440 - clockOffset
        let count = max(1, (hours.end.minutesSinceMidnight - hours.start.minutesSinceMidnight) / length)
        // The lead's hours as minutes of the owner's clock that day.
        let shift = hours.zone == context.leadHours.zone ? 0 : clockOffset - ledger.offsetMinutes(context.leadHours.zone, date)
        let leadStart = context.leadHours.start.minutesSinceMidnight + shift
        let leadEnd = context.leadHours.end.minutesSinceMidnight + shift
        func minute(_ index: Int) -> Int { hours.start.minutesSinceMidnight + index * length }
        func inLeadHours(_ index: Int) -> Bool { (leadStart..<leadEnd).contains(minute(index)) }
        let overlaps = (0..<count).contains(where: inLeadHours)
        var chosen: Int?
        if overlaps { chosen = (0..<count).first { inLeadHours($0) && !ledger.isTaken(context.ownerKey, minute: base + minute($0)) } }
        if chosen == nil { chosen = (0..<count).first { !ledger.isTaken(context.ownerKey, minute: base + minute($0)) } }
        var beyond = false
        if chosen == nil {
            let last = (1440 - hours.start.minutesSinceMidnight - 1) / length
            chosen = (count...max(count, last)).first { !ledger.isTaken(context.ownerKey, minute: base + minute($0)) }
            beyond = true
        }
        let index = chosen ?? 0
        ledger.take(context.ownerKey, minute: base + minute(index))
        let time = TimeOfDay(hour: minute(index) / 60 % 24, minute: minute(index) % 60)!
        let ordinal = index == 0 ? "the first slot" : "slot \(index + 1)"
        var note = "At \(time) \(hours.zone): \(ordinal) of \(length) minutes of \(context.lead.owner)'s working day (\(hours.description))"
        if beyond {
            note += ", after its end: every slot of the day was taken."
        } else if hours.zone == context.leadHours.zone {
            note += "."
        } else if overlaps, inLeadHours(index) {
            note += ", inside the lead's hours (\(context.leadHours.description))."
        } else if overlaps {
            note += "; the slots inside the lead's hours (\(context.leadHours.description)) were taken."
        } else {
            note += "; their hours do not overlap the lead's (\(context.leadHours.description))."
        }
        return (time, note)
    }
}

/// The working day a lead's touches are planned in, as `explain` shows it.
public struct WorkingDay: Sendable {
    /// The zone the touches are timed in: the owner's, else the lead's.
    public let zone: String
    public let today: LocalDate
    /// The owner's hours, then the lead's, as "09:30–17:00 Europe/Berlin".
    public let ownerHours: String
    public let leadHours: String
    /// The countries whose public holidays are days off, the owner's first.
    public let regions: [String]
    /// The plan was made after the owner's working day had ended.
    public let afterHours: Bool
    public let capacity: Int?
}

extension Planner {
    /// The working day `lead`'s touches are planned in.
    public func workingDay(of lead: Lead) -> WorkingDay {
        var ledger = CapacityLedger()
        let context = context(for: lead, ledger: &ledger)
        return WorkingDay(
            zone: context.ownerHours.zone, today: context.today, ownerHours: context.ownerHours.description,
            leadHours: context.leadHours.description, regions: context.regions, afterHours: context.afterHours,
            capacity: playbook.capacity(of: lead.owner))
    }
}
