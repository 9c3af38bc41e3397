internal import CLibical

/// A property as libical parsed it.
public struct ICalParsedProperty: Hashable, Sendable {
    public var name: String
    /// The value; TEXT values are unescaped.
    public var value: String
    public var parameters: [String: String]
}

/// A component as libical parsed it, converted to Swift values at once.
public struct ICalParsedComponent: Hashable, Sendable {
    public var kind: String
    public var properties: [ICalParsedProperty]
    public var components: [ICalParsedComponent]

    /// The properties of that name, in order.
    public func properties(named name: String) -> [ICalParsedProperty] {
        properties.filter { $0.name == name }
    }

    /// The first property of that name.
    public func property(_ name: String) -> ICalParsedProperty? {
        properties.first { $0.name == name }
    }

    /// Child components of that kind.
    public func components(of kind: String) -> [ICalParsedComponent] {
        components.filter { $0.kind == kind }
    }

    /// Parse errors libical recorded in this component or its children
    /// (its X-LIC-ERROR properties).
    public var parseErrors: [String] {
        properties(named: "X-LIC-ERROR").map(\.value) + components.flatMap(\.parseErrors)
    }
}

/// Reads iCalendar text with libical's parser.
public enum ICalParser {
    /// Parses a whole calendar stream; returns its top-level components
    /// (normally one VCALENDAR).
    public static func parse(_ text: String) throws(ICalError) -> [ICalParsedComponent] {
        // libical: icalparser_parse_string returns a new component the caller
        // owns, an XROOT when the text holds several top-level components.
        guard let raw = icalparser_parse_string(LineFolder.forParsing(text)) else {
            throw ICalError.current("parsing iCalendar text")
        }
        let root = ComponentHandle(owning: raw)
        let value = root.withBorrowed(convert)
        return value.kind == "XROOT" ? value.components : [value]
    }

    private static func convert(_ raw: OpaquePointer) -> ICalParsedComponent {
        let kind = icalcomponent_kind_to_string(icalcomponent_isa(raw)).map { String(cString: $0) } ?? "UNKNOWN"
        return ICalParsedComponent(
            kind: kind, properties: properties(of: raw).map(convertProperty), components: children(of: raw).map(convert))
    }

    private static func convertProperty(_ raw: OpaquePointer) -> ICalParsedProperty {
        let name = takeString(icalproperty_get_property_name_r(raw))
        var value: String
        if let icalValue = icalproperty_get_value(raw), icalvalue_isa(icalValue) == ICAL_TEXT_VALUE,
            let text = icalvalue_get_text(icalValue)
        {
            // libical owns the text of a value; it is copied here.
            value = String(cString: text)
        } else {
            value = takeString(icalproperty_get_value_as_string_r(raw))
        }
        if icalproperty_isa(raw) == ICAL_XLICERROR_PROPERTY, value.isEmpty {
            value = takeString(icalproperty_get_value_as_string_r(raw))
        }
        var parameters: [String: String] = [:]
        var parameter = icalproperty_get_first_parameter(raw, ICAL_ANY_PARAMETER)
        while let current = parameter {
            let text = takeString(icalparameter_as_ical_string_r(current))
            if let equals = text.firstIndex(of: "=") {
                parameters[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            parameter = icalproperty_get_next_parameter(raw, ICAL_ANY_PARAMETER)
        }
        return ICalParsedProperty(name: name, value: value, parameters: parameters)
    }

    /// Copies a caller-owned string from a `_r` function and frees it.
    private static func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        defer { icalmemory_free_buffer(pointer) }
        return String(cString: pointer)
    }
}

/// When a component starts, ends or falls due, as libical resolves it.
public struct ICalResolvedTimes: Hashable, Sendable {
    public var uid: String
    public var kind: String
    /// Seconds since 1970-01-01T00:00:00Z; nil when the component has none.
    public var start: Int?
    public var end: Int?
    public var due: Int?
}

extension ICalParser {
    /// Resolves DTSTART, DTEND and DUE of every VEVENT and VTODO to instants,
    /// with the VTIMEZONEs of the calendar itself (libical looks each TZID
    /// up in the calendar that holds the component). A check that a feed
    /// means the instants its writer meant.
    public static func resolvedTimes(_ text: String) throws(ICalError) -> [ICalResolvedTimes] {
        guard let raw = icalparser_parse_string(LineFolder.forParsing(text)) else {
            throw ICalError.current("parsing iCalendar text")
        }
        let root = ComponentHandle(owning: raw)
        var result: [ICalResolvedTimes] = []
        for calendar in root.calendars() {
            for kind in [ICAL_VEVENT_COMPONENT, ICAL_VTODO_COMPONENT] {
                for current in children(of: calendar, kind) {
                    func seconds(_ time: icaltimetype) -> Int? {
                        icaltime_is_null_time(time) != 0 ? nil : Int(icaltime_as_timet_with_zone(time, time.zone))
                    }
                    let uid = icalcomponent_get_uid(current).map { String(cString: $0) } ?? ""
                    let hasEnd = icalcomponent_get_first_property(current, ICAL_DTEND_PROPERTY) != nil
                    let hasDue = icalcomponent_get_first_property(current, ICAL_DUE_PROPERTY) != nil
                    result.append(
                        ICalResolvedTimes(
                            uid: uid, kind: kind == ICAL_VEVENT_COMPONENT ? "VEVENT" : "VTODO",
                            start: seconds(icalcomponent_get_dtstart(current)),
                            end: hasEnd ? seconds(icalcomponent_get_dtend(current)) : nil,
                            due: hasDue ? seconds(icalcomponent_get_due(current)) : nil))
                }
            }
        }
        return result
    }
}

/// A day an event of a calendar covers: what a holiday calendar lists.
public struct ICalDay: Hashable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    /// The event's SUMMARY ("Christmas Day"); empty when it has none.
    public var summary: String
}

extension ICalParser {
    /// Every day the VEVENTs of a calendar cover between two dates (by
    /// year, month, day, inclusive): each event's own days (DTEND is
    /// exclusive, as RFC 5545 says of all-day events), repeated by its
    /// RRULE and RDATEs and less its EXDATEs, expanded by libical's
    /// recurrence iterator. Public-holiday calendars are written this way,
    /// many with one yearly RRULE per holiday.
    public static func days(
        _ text: String, from first: (year: Int, month: Int, day: Int),
        through last: (year: Int, month: Int, day: Int)
    ) throws(ICalError) -> [ICalDay] {
        try days(text, from: first, through: last, problems: { _ in })
    }

    /// `days`, telling `problems` of each event that is read only in part
    /// or not at all, at the line its `BEGIN:VEVENT` is on: a DTSTART that
    /// is missing or not a date, a value libical could not read (its
    /// X-LIC-ERROR), an RRULE that cannot be expanded, a TZID the file
    /// does not define. A holiday calendar that silently lost an event
    /// would put a touch on that holiday.
    public static func days(
        _ text: String, from first: (year: Int, month: Int, day: Int),
        through last: (year: Int, month: Int, day: Int),
        problems: (ICalLintProblem) -> Void
    ) throws(ICalError) -> [ICalDay] {
        guard let raw = icalparser_parse_string(LineFolder.forParsing(text)) else {
            throw ICalError.current("parsing iCalendar text")
        }
        let root = ComponentHandle(owning: raw)
        let lowest = first.year * 10_000 + first.month * 100 + first.day
        let highest = last.year * 10_000 + last.month * 100 + last.day
        func key(_ time: icaltimetype) -> Int { Int(time.year) * 10_000 + Int(time.month) * 100 + Int(time.day) }
        var result: [ICalDay] = []
        var calendars = 0
        // The k-th event libical gives is the k-th BEGIN:VEVENT of the text.
        let eventLines = beginLines(of: "VEVENT", in: text)
        var eventNumber = 0
        for calendar in root.calendars() {
            calendars += 1
            for event in children(of: calendar, ICAL_VEVENT_COMPONENT) {
                let line = eventNumber < eventLines.count ? eventLines[eventNumber] : 1
                eventNumber += 1
                let summary = icalcomponent_get_summary(event).map { String(cString: $0) } ?? ""
                let shown = summary.isEmpty ? "an event" : "the event \"\(summary.prefix(60))\""
                for error in properties(of: event, ICAL_XLICERROR_PROPERTY) {
                    let message = icalproperty_get_xlicerror(error).map { String(cString: $0) } ?? "a value libical cannot read"
                    problems(ICalLintProblem(line: line, message: "\(shown): \(message.prefix(200)); that part is ignored"))
                }
                let start = icalcomponent_get_dtstart(event)
                // libical reads some malformed dates ("2026-13-45") as fields out of range.
                guard icaltime_is_null_time(start) == 0, (1...9999).contains(start.year), (1...12).contains(start.month),
                    start.day >= 1, start.day <= icaltime_days_in_month(start.month, start.year)
                else {
                    problems(ICalLintProblem(line: line, message: "\(shown) has no DTSTART that is a date; it is skipped"))
                    continue
                }
                if let property = icalcomponent_get_first_property(event, ICAL_DTSTART_PROPERTY),
                    let parameter = icalproperty_get_first_parameter(property, ICAL_TZID_PARAMETER),
                    let tzid = icalparameter_get_tzid(parameter).map({ String(cString: $0) }),
                    icalcomponent_get_timezone(calendar, tzid) == nil, icaltimezone_get_builtin_timezone(tzid) == nil
                {
                    problems(
                        ICalLintProblem(
                            line: line,
                            message:
                                "\(shown): DTSTART names the time zone \"\(tzid.prefix(60))\", which the file does not define (no VTIMEZONE); its day is read as written"
                        ))
                }
                // How many days one occurrence covers.
                var length = 1
                let end = icalcomponent_get_dtend(event)
                if icaltime_is_null_time(end) == 0, start.is_date == 1 {
                    length = max(1, Int(icaltime_as_timet(end) - icaltime_as_timet(start)) / 86_400)
                }
                let excluded = Set(properties(of: event, ICAL_EXDATE_PROPERTY).map { key(icalproperty_get_exdate($0)) })
                var starts: [icaltimetype] = []
                if let rule = icalcomponent_get_first_property(event, ICAL_RRULE_PROPERTY) {
                    // libical: the iterator is the caller's to free.
                    let recurrence = icalproperty_get_rrule(rule)
                    if recurrence.freq == ICAL_NO_RECURRENCE {
                        problems(ICalLintProblem(line: line, message: "\(shown): its RRULE has no FREQ libical can read; only its first day counts"))
                        starts.append(start)
                    } else if let iterator = icalrecur_iterator_new(recurrence, start) {
                        defer { icalrecur_iterator_free(iterator) }
                        // Bounded: a daily rule with no end stops at `last`.
                        for _ in 0..<100_000 {
                            let next = icalrecur_iterator_next(iterator)
                            if icaltime_is_null_time(next) != 0 || key(next) > highest { break }
                            starts.append(next)
                        }
                    } else {
                        problems(ICalLintProblem(line: line, message: "\(shown): its RRULE cannot be expanded; only its first day counts"))
                        starts.append(start)
                    }
                } else {
                    starts.append(start)
                }
                for property in properties(of: event, ICAL_RDATE_PROPERTY) {
                    let value = icalproperty_get_rdate(property)
                    if icaltime_is_null_time(value.time) == 0 { starts.append(value.time) }
                }
                for occurrence in starts where !excluded.contains(key(occurrence)) {
                    var day = occurrence
                    for _ in 0..<length {
                        let value = key(day)
                        if value >= lowest && value <= highest {
                            result.append(ICalDay(year: Int(day.year), month: Int(day.month), day: Int(day.day), summary: summary))
                        }
                        icaltime_adjust(&day, 1, 0, 0, 0)
                    }
                }
            }
        }
        if calendars == 0 { throw ICalError(context: "reading a calendar: it holds no VCALENDAR") }
        return result
    }

    /// The lines (from 1) that begin a component of `kind`, in order.
    static func beginLines(of kind: String, in text: String) -> [Int] {
        var lines: [Int] = []
        var number = 0
        for line in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            guard line.count >= 6 + kind.utf8.count, line.count <= 8 + kind.utf8.count + 2 else { continue }
            var value = String(decoding: line, as: UTF8.self).uppercased()
            while value.last == "\r" || value.last == " " || value.last == "\t" { value.removeLast() }
            if value == "BEGIN:" + kind { lines.append(number) }
        }
        return lines
    }
}
