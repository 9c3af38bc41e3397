/// Which days are working days: weekdays minus holidays.
public struct BusinessCalendar: Hashable, Sendable {
    /// ISO weekdays that are working days (1 = Monday … 7 = Sunday).
    public var workingWeekdays: Set<Int> {
        didSet { weekdayMask = Self.mask(workingWeekdays) }
    }
    /// Days off, with their names ("Christmas Day"; empty when unnamed).
    public var holidays: [LocalDate: String]
    /// Bit `d` is set when ISO weekday `d` is a working day: the planner asks
    /// for every day it considers, and a bit test costs less than hashing.
    private var weekdayMask: UInt8

    public init(workingWeekdays: Set<Int> = [1, 2, 3, 4, 5], holidays: [LocalDate: String] = [:]) {
        precondition(!workingWeekdays.isEmpty && workingWeekdays.isSubset(of: 1...7), "a week needs a working day")
        self.workingWeekdays = workingWeekdays
        self.holidays = holidays
        weekdayMask = Self.mask(workingWeekdays)
    }

    private static func mask(_ weekdays: Set<Int>) -> UInt8 {
        weekdays.reduce(0) { $0 | (1 << UInt8($1)) }
    }

    public func isBusinessDay(_ date: LocalDate) -> Bool {
        weekdayMask & (1 << UInt8(date.weekday)) != 0 && (holidays.isEmpty || holidays[date] == nil)
    }

    /// Why `date` is not a business day, nil when it is one.
    public func dayOff(_ date: LocalDate) -> SkipReason? {
        if let name = holidays[date] { return .holiday(name) }
        return weekdayMask & (1 << UInt8(date.weekday)) == 0 ? .weekend : nil
    }

    /// `date` itself when it is a business day, else the next one.
    public func firstBusinessDay(onOrAfter date: LocalDate) -> LocalDate {
        var day = date
        // Bounded: a year of holidays on every working day is not a calendar.
        for _ in 0..<366 where !isBusinessDay(day) { day = day.adding(days: 1) }
        return day
    }

    /// `date` itself when it is a business day, else the one before it.
    public func lastBusinessDay(onOrBefore date: LocalDate) -> LocalDate {
        var day = date
        for _ in 0..<366 where !isBusinessDay(day) { day = day.adding(days: -1) }
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
