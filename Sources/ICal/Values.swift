/// A wall-clock date and time, with no zone of its own.
public struct CivilDateTime: Hashable, Sendable, Comparable {
    public var year: Int, month: Int, day: Int
    public var hour: Int, minute: Int, second: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year; self.month = month; self.day = day
        self.hour = hour; self.minute = minute; self.second = second
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.year, a.month, a.day, a.hour, a.minute, a.second) < (b.year, b.month, b.day, b.hour, b.minute, b.second)
    }
}

/// A DATE or DATE-TIME value as it is written in a feed.
public enum ICalTime: Hashable, Sendable {
    /// `VALUE=DATE`, an all-day value.
    case date(year: Int, month: Int, day: Int)
    /// Local time in a zone, written with `TZID=<IANA name>`; the calendar
    /// must carry a VTIMEZONE of that name.
    case zoned(CivilDateTime, tzid: String)
    /// UTC, written with a trailing `Z`.
    case utc(CivilDateTime)

    /// The zone this value names, if any.
    public var tzid: String? {
        if case .zoned(_, let tzid) = self { return tzid }
        return nil
    }

    /// The calendar year of the value as written.
    public var year: Int {
        switch self {
        case .date(let year, _, _): year
        case .zoned(let time, _), .utc(let time): time.year
        }
    }
}

/// A display reminder. Its trigger is relative to the start of the
/// component it belongs to.
public struct ICalAlarm: Hashable, Sendable {
    public var minutesBefore: Int
    public var description: String

    public init(minutesBefore: Int, description: String) {
        self.minutesBefore = minutesBefore
        self.description = description
    }
}

/// The properties every feed component has in common.
public struct ICalCommon: Hashable, Sendable {
    public var uid: String
    /// DTSTAMP, in UTC. Derived from the data by the caller, never the clock.
    public var stamp: CivilDateTime
    /// LAST-MODIFIED, in UTC.
    public var lastModified: CivilDateTime?
    public var sequence: Int
    public var summary: String
    public var description: String
    /// Written as one list-valued CATEGORIES property. libical does not escape
    /// a comma inside one value, so commas and semicolons are taken out of
    /// each name.
    public var categories: [String]
    /// 1 (highest) to 9 (lowest); nil writes no PRIORITY.
    public var priority: Int?
    public var url: String?
    /// ORGANIZER, written as `ORGANIZER;CN=<name>:<address>`.
    public var organizer: ICalOrganizer?

    public init(
        uid: String, stamp: CivilDateTime, lastModified: CivilDateTime? = nil, sequence: Int = 0,
        summary: String, description: String, categories: [String] = [], priority: Int? = nil, url: String? = nil,
        organizer: ICalOrganizer? = nil
    ) {
        self.uid = uid; self.stamp = stamp; self.lastModified = lastModified; self.sequence = sequence
        self.summary = summary; self.description = description; self.categories = categories
        self.priority = priority; self.url = url; self.organizer = organizer
    }
}

/// Who organises a component: a display name and a `mailto:` address.
public struct ICalOrganizer: Hashable, Sendable {
    public var name: String
    /// A cal-address URI, such as `mailto:alice@example.com`.
    public var address: String

    public init(name: String, address: String) {
        self.name = name
        self.address = address
    }
}

/// A VEVENT.
public struct ICalEvent: Hashable, Sendable {
    public var common: ICalCommon
    public var start: ICalTime
    public var end: ICalTime
    /// TRANSP:TRANSPARENT, so reminders never block free/busy time.
    public var transparent: Bool
    public var alarms: [ICalAlarm]

    public init(common: ICalCommon, start: ICalTime, end: ICalTime, transparent: Bool = true, alarms: [ICalAlarm] = []) {
        self.common = common; self.start = start; self.end = end
        self.transparent = transparent; self.alarms = alarms
    }
}

/// A VTODO.
public struct ICalTodo: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable {
        case needsAction = "NEEDS-ACTION"
        case inProcess = "IN-PROCESS"
        case completed = "COMPLETED"
        case cancelled = "CANCELLED"
    }
    public var common: ICalCommon
    public var start: ICalTime
    public var due: ICalTime
    public var status: Status

    public init(common: ICalCommon, start: ICalTime, due: ICalTime, status: Status = .needsAction) {
        self.common = common; self.start = start; self.due = due; self.status = status
    }
}

/// The VCALENDAR's own properties.
public struct ICalCalendarInfo: Hashable, Sendable {
    public var productID: String
    /// NAME (RFC 7986) and X-WR-CALNAME.
    public var name: String
    /// REFRESH-INTERVAL (RFC 7986) and X-PUBLISHED-TTL, in seconds.
    public var refreshInterval: Int
    /// METHOD:PUBLISH when true.
    public var publish: Bool

    public init(productID: String, name: String, refreshInterval: Int, publish: Bool = true) {
        self.productID = productID; self.name = name
        self.refreshInterval = refreshInterval; self.publish = publish
    }
}
