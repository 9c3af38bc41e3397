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
    private var days: [DayKey: LeadDay] = [:]
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

    /// Runs `body` on the owner's taken minutes, in place (one lookup).
    mutating func withTaken<Result>(_ owner: String, _ body: (inout Set<Int>) -> Result) -> Result {
        body(&taken[owner, default: []])
    }

    /// The working day of an owner's leads in a zone and a country, made once.
    mutating func day(_ key: DayKey, make: () -> LeadDay) -> LeadDay {
        if let known = days[key] { return known }
        let day = make()
        days[key] = day
        return day
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

/// What a lead's working day depends on: its owner, its zone, its country.
struct DayKey: Hashable {
    let owner: String
    let zone: String
    let country: String?
}

/// The working day of an owner's leads in one zone and country: worked
/// out once per planning call, not once per lead.
struct LeadDay {
    let ownerHours: WorkingHours
    let leadHours: WorkingHours
    let calendar: BusinessCalendar
    let regions: [String]
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
public struct WorkingHours: Hashable, Sendable, CustomStringConvertible {
    public let zone: String
    public let start: TimeOfDay
    public let end: TimeOfDay

    public var description: String { "\(start)–\(end) \(zone)" }
}

/// What the planner knows about one lead while planning it.
struct LeadContext {
    let lead: Lead
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
        let day = ledger.day(DayKey(owner: ownerKey, zone: zone, country: lead.country)) {
            let owner = playbook.ownerDay(lead.owner)
            let clockZone = clockZone(for: lead)
            let leadRegion = playbook.countryHolidays ? lead.country ?? HolidayData.country(ofZone: zone) : nil
            let ownerRegion = playbook.countryHolidays ? owner?.country ?? owner?.timeZone.flatMap(HolidayData.country(ofZone:)) : nil
            let regions = [ownerRegion, leadRegion].compactMap { $0 }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            return LeadDay(
                ownerHours: WorkingHours(zone: clockZone, start: owner?.dayStart ?? playbook.touchTime, end: owner?.dayEnd ?? playbook.workdayEnd),
                leadHours: WorkingHours(zone: zone, start: playbook.touchTime, end: playbook.workdayEnd),
                calendar: businessCalendar(owner: owner, regions: regions), regions: regions)
        }
        let now = ledger.now(in: day.ownerHours.zone, planner: self)
        var floor = now.today
        if let minute = now.minuteOfDay, minute >= day.ownerHours.end.minutesSinceMidnight {
            floor = day.calendar.nextBusinessDay(after: now.today)
        }
        return LeadContext(
            lead: lead, today: now.today, floor: floor, ownerKey: ownerKey, ownerHours: day.ownerHours,
            leadHours: day.leadHours, calendar: day.calendar, regions: day.regions,
            resume: lead.snoozeUntil.map { day.calendar.firstBusinessDay(onOrAfter: $0) },
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

    /// The owner's slot for a touch on `date`: the first free one inside
    /// their working hours and, where those overlap the lead's, inside the
    /// lead's too; when the day is full, the first free one after it.
    /// Takes the slot in the ledger.
    func slot(for date: LocalDate, _ context: LeadContext, ledger: inout CapacityLedger) -> TouchSlot {
        let hours = context.ownerHours
        let length = max(1, playbook.slotMinutes)
        let clockOffset = ledger.offsetMinutes(hours.zone, date)
        let base = date.daysSinceEpoch * 1440 - clockOffset
        let start = hours.start.minutesSinceMidnight
        let count = max(1, (hours.end.minutesSinceMidnight - start) / length)
        // The lead's hours as minutes of the owner's clock that day.
        let shift = hours.zone == context.leadHours.zone ? 0 : clockOffset - ledger.offsetMinutes(context.leadHours.zone, date)
        let leadHours = (context.leadHours.start.minutesSinceMidnight + shift)..<(context.leadHours.end.minutesSinceMidnight + shift)
        let overlaps = leadHours.overlaps(start..<(start + count * length))
        let last = max(count, (1440 - start - 1) / length)
        let (index, fit) = ledger.withTaken(context.ownerKey) { taken -> (Int, TouchSlot.Fit) in
            func free(_ index: Int) -> Bool { !taken.contains(base + start + index * length) }
            let found: (Int, TouchSlot.Fit)
            if overlaps, let index = (0..<count).first(where: { leadHours.contains(start + $0 * length) && free($0) }) {
                found = (index, shift == 0 ? .sameZone : .insideLeadHours)
            } else if let index = (0..<count).first(where: free) {
                found = (index, shift == 0 && overlaps ? .sameZone : overlaps ? .leadHoursTaken : .noOverlap)
            } else {
                found = ((count...last).first(where: free) ?? 0, .afterTheDay)
            }
            taken.insert(base + start + found.0 * length)
            return found
        }
        let minute = start + index * length
        return TouchSlot(
            time: TimeOfDay(hour: minute / 60 % 24, minute: minute % 60)!, index: index, minutes: length, fit: fit,
            ownerHours: hours, leadHours: context.leadHours)
    }
}

/// Where a touch sits in its owner's day, and why there: `explain` says it.
public struct TouchSlot: Hashable, Sendable, CustomStringConvertible {
    /// How the slot relates to the lead's hours.
    public enum Fit: Hashable, Sendable {
        /// The owner works in the lead's zone.
        case sameZone
        /// Inside the lead's hours, in another zone.
        case insideLeadHours
        /// The slots inside the lead's hours were taken.
        case leadHoursTaken
        /// The owner's and the lead's hours do not overlap.
        case noOverlap
        /// Every slot of the day was taken: one after its end.
        case afterTheDay
    }

    public let time: TimeOfDay
    /// 0 for the first slot of the day.
    public let index: Int
    public let minutes: Int
    public let fit: Fit
    public let ownerHours: WorkingHours
    public let leadHours: WorkingHours

    public var description: String {
        let ordinal = index == 0 ? "the first slot" : "slot \(index + 1)"
        let day = "At \(time) \(ownerHours.zone): \(ordinal) of \(minutes) minutes of the owner's working day (\(ownerHours))"
        switch fit {
        case .sameZone: return day + "."
        case .insideLeadHours: return day + ", inside the lead's hours (\(leadHours))."
        case .leadHoursTaken: return day + "; the slots inside the lead's hours (\(leadHours)) were taken."
        case .noOverlap: return day + "; their hours do not overlap the lead's (\(leadHours))."
        case .afterTheDay: return day + ", after its end: every slot of the day was taken."
        }
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
    /// ISO weekdays both the playbook and the owner work.
    public let workingWeekdays: Set<Int>
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
            leadHours: context.leadHours.description, regions: context.regions,
            workingWeekdays: context.calendar.workingWeekdays, afterHours: context.afterHours,
            capacity: playbook.capacity(of: lead.owner))
    }
}
