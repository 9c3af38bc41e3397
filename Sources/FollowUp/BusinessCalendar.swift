/// Which days are working days: weekdays minus holidays.
public struct BusinessCalendar: Hashable, Sendable {
    /// ISO weekdays that are working days (1 = Monday … 7 = Sunday).
    public var workingWeekdays: Set<Int> {
        didSet { weekdayMask = Self.mask(workingWeekdays) }
    }
    /// Days off, with their names ("Christmas Day"; empty when unnamed).
    public var holidays: [LocalDate: String] {
        didSet { holidayBits = HolidayBits(Array(holidays.keys) + away) }
    }
    /// Days the owner is away: no touch lands on them, as on a holiday.
    public var away: Set<LocalDate> = [] {
        didSet { holidayBits = HolidayBits(Array(holidays.keys) + away) }
    }
    /// Bit `d` is set when ISO weekday `d` is a working day: the planner asks
    /// for every day it considers, and a bit test costs less than hashing.
    private var weekdayMask: UInt8
    /// The holidays and away days as bits, for the same reason.
    private var holidayBits: HolidayBits

    public init(workingWeekdays: Set<Int> = [1, 2, 3, 4, 5], holidays: [LocalDate: String] = [:]) {
        precondition(!workingWeekdays.isEmpty && workingWeekdays.isSubset(of: 1...7), "a week needs a working day")
        self.workingWeekdays = workingWeekdays
        self.holidays = holidays
        weekdayMask = Self.mask(workingWeekdays)
        holidayBits = HolidayBits(holidays.keys)
    }

    private static func mask(_ weekdays: Set<Int>) -> UInt8 {
        weekdays.reduce(0) { $0 | (1 << UInt8($1)) }
    }

    public func isBusinessDay(_ date: LocalDate) -> Bool {
        weekdayMask & (1 << UInt8(date.weekday)) != 0 && !holidayBits.contains(date)
    }

    /// Why `date` is not a business day, nil when it is one.
    public func dayOff(_ date: LocalDate) -> SkipReason? {
        if holidayBits.contains(date) {
            if away.contains(date) { return .away }
            if let name = holidays[date] { return .holiday(name) }
        }
        return weekdayMask & (1 << UInt8(date.weekday)) == 0 ? .weekend : nil
    }

    /// `date` itself when it is a business day, else the next one.
    public func firstBusinessDay(onOrAfter date: LocalDate) -> LocalDate {
        var day = date
        // Bounded: a year of holidays on every working day is not a calendar.
        // (A `for … where` loop would test all 366 days, not stop at the first.)
        var steps = 0
        while steps < 366, !isBusinessDay(day) {
            day = day.adding(days: 1)
            steps += 1
        }
        return day
    }

    /// `date` itself when it is a business day, else the one before it.
    public func lastBusinessDay(onOrBefore date: LocalDate) -> LocalDate {
        var day = date
        var steps = 0
        while steps < 366, !isBusinessDay(day) {
            day = day.adding(days: -1)
            steps += 1
        }
        return day
    }

    /// The first business day strictly after `date`.
    public func nextBusinessDay(after date: LocalDate) -> LocalDate {
        firstBusinessDay(onOrAfter: date.adding(days: 1))
    }

    /// The business day `count` business days after `date` (count ≥ 1).
    public func adding(businessDays count: Int, to date: LocalDate) -> LocalDate {
        var day = date
        for _ in 0..<max(count, 0) { day = nextBusinessDay(after: day) }
        return day
    }
}

/// A set of days as one bit a day from the first to the last.
private struct HolidayBits: Hashable, Sendable {
    private var first = 0
    private var words: [UInt64] = []

    init(_ days: some Collection<LocalDate>) {
        guard let low = days.min()?.daysSinceEpoch, let high = days.max()?.daysSinceEpoch else { return }
        first = low
        words = Array(repeating: 0, count: (high - low) / 64 + 1)
        for day in days {
            let offset = day.daysSinceEpoch - low
            words[offset / 64] |= 1 << UInt64(offset % 64)
        }
    }

    func contains(_ day: LocalDate) -> Bool {
        let offset = day.daysSinceEpoch - first
        guard offset >= 0, offset / 64 < words.count else { return false }
        return words[offset / 64] & (1 << UInt64(offset % 64)) != 0
    }
}
