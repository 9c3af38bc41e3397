/// A calendar date with no time and no zone: a day as a person names it.
///
/// Why our own type: Foundation's `Date` is an instant, and turning a day into
/// an instant needs a zone; the planner reasons in whole days in the lead's
/// zone, and does it for every lead, so a date is stored as a day count and
/// its arithmetic is integer arithmetic (the civil-from-days algorithms of
/// Howard Hinnant's "chrono-compatible low-level date algorithms").
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let daysSinceEpoch: Int

    public init(daysSinceEpoch: Int) { self.daysSinceEpoch = daysSinceEpoch }

    /// A date from its parts; nil when the day does not exist (30 February).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), (1...31).contains(day),
            day <= LocalDate.daysIn(month: month, year: year)
        else { return nil }
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        daysSinceEpoch = era * 146_097 + dayOfEra - 719_468
    }

    /// Parses an ISO 8601 calendar date, `YYYY-MM-DD`, and nothing else.
    public init?(iso text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = Self.number(bytes[0..<4]), let month = Self.number(bytes[5..<7]),
            let day = Self.number(bytes[8..<10])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public var year: Int { parts.year }
    public var month: Int { parts.month }
    public var day: Int { parts.day }

    public var parts: (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// ISO weekday: 1 is Monday, 7 is Sunday.
    public var weekday: Int {
        // 1970-01-01 was a Thursday (4).
        let value = (daysSinceEpoch + 3) % 7
        return (value < 0 ? value + 7 : value) + 1
    }

    public func adding(days: Int) -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// The same day `months` months later (or earlier), on the month's last
    /// day when it is shorter (31 January + 1 month is 28 or 29 February).
    public func adding(months: Int) -> LocalDate {
        let (year, month, day) = parts
        let index = year * 12 + (month - 1) + months
        let newYear = index >= 0 ? index / 12 : (index - 11) / 12
        let newMonth = index - newYear * 12 + 1
        return LocalDate(year: newYear, month: newMonth, day: min(day, Self.daysIn(month: newMonth, year: newYear)))!
    }

    /// ISO weekday's short English name: "Mon" … "Sun".
    public var weekdayName: String { Self.weekdayNames[weekday - 1] }

    /// "Mon" … "Sun", by ISO weekday less one.
    public static let weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(to other: LocalDate) -> Int { other.daysSinceEpoch - daysSinceEpoch }

    public static func < (a: LocalDate, b: LocalDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (year, month, day) = parts
        // Written byte by byte: every touch names several dates.
        guard (0...9999).contains(year) else { return "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))" }
        return String(unsafeUninitializedCapacity: 10) { buffer in
            func digit(_ value: Int) -> UInt8 { UInt8(ascii: "0") + UInt8(value) }
            buffer[0] = digit(year / 1000); buffer[1] = digit(year / 100 % 10)
            buffer[2] = digit(year / 10 % 10); buffer[3] = digit(year % 10)
            buffer[4] = UInt8(ascii: "-"); buffer[5] = digit(month / 10); buffer[6] = digit(month % 10)
            buffer[7] = UInt8(ascii: "-"); buffer[8] = digit(day / 10); buffer[9] = digit(day % 10)
            return 10
        }
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Two digits, zero-padded: `09`.
    public static func pad2(_ value: Int) -> String { pad(value, 2) }

    public static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

/// A wall-clock date and time with no zone, to the second.
public struct LocalDateTime: Hashable, Sendable {
    public let date: LocalDate
    public let time: TimeOfDay
    public let second: Int

    public init(date: LocalDate, time: TimeOfDay, second: Int = 0) {
        self.date = date
        self.time = time
        self.second = second
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS]` (a space may stand for the `T`);
    /// nil for anything else, a zone or an offset included.
    public init?(iso text: some StringProtocol) {
        guard text.count == 16 || text.count == 19, let date = LocalDate(iso: text.prefix(10)),
            let separator = text.dropFirst(10).first, separator == "T" || separator == " "
        else { return nil }
        let clock = text.dropFirst(11)
        guard let time = TimeOfDay(clock.prefix(5)) else { return nil }
        var second = 0
        if clock.count == 8 {
            guard clock.dropFirst(5).first == ":", let value = LocalDate.number(Array(clock.suffix(2).utf8)[...]),
                (0...59).contains(value)
            else { return nil }
            second = value
        }
        self.date = date
        self.time = time
        self.second = second
    }
}

/// A month and day without a year, such as a fiscal year start (`MM-DD`).
public struct MonthDay: Hashable, Sendable, CustomStringConvertible {
    public let month: Int
    public let day: Int

    /// Parses `MM-DD`; 02-29 is allowed (it exists in leap years).
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: "-"),
            let month = LocalDate.number(bytes[0..<2]), let day = LocalDate.number(bytes[3..<5]),
            (1...12).contains(month), day >= 1, day <= LocalDate.daysIn(month: month, year: 2000)
        else { return nil }
        self.month = month
        self.day = day
    }

    public var description: String { "\(LocalDate.pad(month, 2))-\(LocalDate.pad(day, 2))" }

    /// This day in `year`; 29 February falls on 28 February in a year
    /// that has no 29th.
    public func date(in year: Int) -> LocalDate {
        LocalDate(year: year, month: month, day: min(day, LocalDate.daysIn(month: month, year: year)))!
    }
}

/// A time of day, to the minute.
public struct TimeOfDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let hour: Int
    public let minute: Int

    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        self.hour = hour
        self.minute = minute
    }

    /// Parses `HH:MM`.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":"),
            let hour = LocalDate.number(bytes[0..<2]), let minute = LocalDate.number(bytes[3..<5])
        else { return nil }
        self.init(hour: hour, minute: minute)
    }

    public var minutesSinceMidnight: Int { hour * 60 + minute }

    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { a.minutesSinceMidnight < b.minutesSinceMidnight }

    public var description: String { "\(LocalDate.pad(hour, 2)):\(LocalDate.pad(minute, 2))" }
}

extension StringProtocol {
    /// Without leading and trailing white space and line breaks. Native
    /// Swift, so it skips the Foundation bridge `trimmingCharacters(in:)`
    /// takes for every field of every row.
    public var trimmed: String {
        let text = String(self)
        // Most values have nothing to trim: they are kept as they are,
        // uncopied, and an ASCII end byte is checked without Character's
        // Unicode lookups.
        if let first = text.utf8.first, let last = text.utf8.last, first < 0x80, last < 0x80,
            !Self.isASCIIWhitespace(first), !Self.isASCIIWhitespace(last)
        {
            return text
        }
        if let first = text.first, let last = text.last, !first.isWhitespace, !last.isWhitespace { return text }
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }

    /// Tab, line feed, vertical tab, form feed, carriage return, space: the
    /// ASCII characters `Character.isWhitespace` is true for.
    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}
