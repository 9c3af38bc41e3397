internal import CLibical

/// Turns feed values into iCalendar text through libical.
///
/// Every property is made by libical's own constructor, so escaping and
/// folding are libical's (see `LineFolder` for the one repair). Components are
/// serialised one at a time, so a caller can stream a calendar of any size:
/// `header`, then any number of VTIMEZONEs and components, then `footer`.
public enum ICalSerializer {
    /// The closing line of a calendar opened with `header(_:)`.
    public static let footer: [UInt8] = Array("END:VCALENDAR\r\n".utf8)

    /// Builds libical's lazily made globals (the UTC zone) once, so that
    /// threads can then serialise components at the same time: libical 3
    /// keeps its error number and scratch buffers per thread.
    public static func prepareForThreads() {
        _ = icaltimezone_get_utc_timezone()
    }

    /// `BEGIN:VCALENDAR` and the calendar's properties, without the END line.
    public static func header(_ info: ICalCalendarInfo) throws(ICalError) -> [UInt8] {
        var calendar = try ComponentHandle(kind: ICAL_VCALENDAR_COMPONENT)
        calendar.add(try PropertyHandle(icalproperty_new_version("2.0"), "VERSION"))
        calendar.add(try PropertyHandle(icalproperty_new_prodid(info.productID), "PRODID"))
        calendar.add(try PropertyHandle(icalproperty_new_calscale("GREGORIAN"), "CALSCALE"))
        if info.publish {
            calendar.add(try PropertyHandle(icalproperty_new_method(ICAL_METHOD_PUBLISH), "METHOD"))
        }
        calendar.add(try PropertyHandle(icalproperty_new_name(clean(info.name)), "NAME"))
        calendar.add(try xProperty("X-WR-CALNAME", clean(info.name)))
        let refresh = PropertyHandle.duration(seconds: info.refreshInterval)
        let interval = try PropertyHandle(icalproperty_new_refreshinterval(refresh), "REFRESH-INTERVAL")
        // RFC 7986 §5.7: the VALUE=DURATION parameter is required here.
        interval.add(parameter: icalparameter_new_value(ICAL_VALUE_DURATION))
        calendar.add(interval)
        let ttl = icaldurationtype_as_ical_string_r(refresh)
        defer { icalmemory_free_buffer(ttl) }
        calendar.add(try xProperty("X-PUBLISHED-TTL", ttl.map { String(cString: $0) } ?? "PT1H"))

        var bytes = try calendar.serialized()
        guard bytes.count >= footer.count, Array(bytes.suffix(footer.count)) == footer else {
            throw ICalError(context: "serialising the calendar header: no END:VCALENDAR line")
        }
        bytes.removeLast(footer.count)
        return bytes
    }

    /// One VEVENT, with its alarms.
    public static func serialize(_ event: ICalEvent) throws(ICalError) -> [UInt8] {
        var component = try ComponentHandle(kind: ICAL_VEVENT_COMPONENT)
        try addCommonHead(event.common, to: &component)
        component.add(try time(event.start, icalproperty_new_dtstart, "DTSTART"))
        component.add(try time(event.end, icalproperty_new_dtend, "DTEND"))
        try addCommonTail(event.common, to: &component)
        component.add(try PropertyHandle(icalproperty_new_status(ICAL_STATUS_CONFIRMED), "STATUS"))
        component.add(try PropertyHandle(
            icalproperty_new_transp(event.transparent ? ICAL_TRANSP_TRANSPARENT : ICAL_TRANSP_OPAQUE), "TRANSP"))
        for alarm in event.alarms {
            component.add(try valarm(alarm))
        }
        return try component.serialized()
    }

    /// One VTODO.
    public static func serialize(_ todo: ICalTodo) throws(ICalError) -> [UInt8] {
        var component = try ComponentHandle(kind: ICAL_VTODO_COMPONENT)
        try addCommonHead(todo.common, to: &component)
        component.add(try time(todo.start, icalproperty_new_dtstart, "DTSTART"))
        component.add(try time(todo.due, icalproperty_new_due, "DUE"))
        try addCommonTail(todo.common, to: &component)
        let status: icalproperty_status = switch todo.status {
        case .needsAction: ICAL_STATUS_NEEDSACTION
        case .inProcess: ICAL_STATUS_INPROCESS
        case .completed: ICAL_STATUS_COMPLETED
        case .cancelled: ICAL_STATUS_CANCELLED
        }
        component.add(try PropertyHandle(icalproperty_new_status(status), "STATUS"))
        return try component.serialized()
    }

    // MARK: - Pieces

    private static func addCommonHead(_ common: ICalCommon, to component: inout ComponentHandle) throws(ICalError) {
        component.add(try PropertyHandle(icalproperty_new_uid(common.uid), "UID"))
        component.add(try time(.utc(common.stamp), icalproperty_new_dtstamp, "DTSTAMP"))
    }

    private static func addCommonTail(_ common: ICalCommon, to component: inout ComponentHandle) throws(ICalError) {
        if let lastModified = common.lastModified {
            component.add(try time(.utc(lastModified), icalproperty_new_lastmodified, "LAST-MODIFIED"))
        }
        component.add(try PropertyHandle(icalproperty_new_sequence(Int32(clamping: common.sequence)), "SEQUENCE"))
        component.add(try PropertyHandle(icalproperty_new_summary(clean(common.summary)), "SUMMARY"))
        component.add(try PropertyHandle(icalproperty_new_description(clean(common.description)), "DESCRIPTION"))
        let categories = common.categories.map(categoryName).filter { !$0.isEmpty }
        if !categories.isEmpty {
            component.add(try PropertyHandle(icalproperty_new_categories(categories.joined(separator: ",")), "CATEGORIES"))
        }
        if let priority = common.priority {
            component.add(try PropertyHandle(icalproperty_new_priority(Int32(min(max(priority, 0), 9))), "PRIORITY"))
        }
        if let url = common.url {
            component.add(try PropertyHandle(icalproperty_new_url(url), "URL"))
        }
        if let organizer = common.organizer {
            let property = try PropertyHandle(icalproperty_new_organizer(organizer.address), "ORGANIZER")
            property.add(parameter: icalparameter_new_cn(parameterText(organizer.name)))
            component.add(property)
        }
    }

    private static func valarm(_ alarm: ICalAlarm) throws(ICalError) -> ComponentHandle {
        var component = try ComponentHandle(kind: ICAL_VALARM_COMPONENT)
        component.add(try PropertyHandle(icalproperty_new_action(ICAL_ACTION_DISPLAY), "ACTION"))
        component.add(try PropertyHandle(icalproperty_new_description(clean(alarm.description)), "alarm DESCRIPTION"))
        var trigger = icaltriggertype()
        trigger.time = icaltime_null_time()
        trigger.duration = PropertyHandle.duration(seconds: -60 * alarm.minutesBefore)
        component.add(try PropertyHandle(icalproperty_new_trigger(trigger), "TRIGGER"))
        return component
    }

    private static func xProperty(_ name: String, _ value: String) throws(ICalError) -> PropertyHandle {
        let property = try PropertyHandle(icalproperty_new_x(value), name)
        property.setXName(name)
        return property
    }

    /// Builds a DATE or DATE-TIME property. A zoned time is written as a
    /// floating value plus an explicit `TZID` parameter holding the plain
    /// IANA name: giving libical an `icaltimezone` instead would make it write
    /// the zone's own TZID, with libical's `/freeassociation.sourceforge.net/`
    /// prefix.
    private static func time(_ value: ICalTime, _ make: (icaltimetype) -> OpaquePointer?, _ name: String) throws(ICalError) -> PropertyHandle {
        var raw = icaltime_null_time()
        switch value {
        case .date(let year, let month, let day):
            raw.year = Int32(year); raw.month = Int32(month); raw.day = Int32(day)
            raw.is_date = 1
        case .zoned(let civil, _), .utc(let civil):
            raw.year = Int32(civil.year); raw.month = Int32(civil.month); raw.day = Int32(civil.day)
            raw.hour = Int32(civil.hour); raw.minute = Int32(civil.minute); raw.second = Int32(civil.second)
            if case .utc = value { raw.zone = icaltimezone_get_utc_timezone() }
        }
        let property = try PropertyHandle(make(raw), name)
        switch value {
        case .date:
            property.add(parameter: icalparameter_new_value(ICAL_VALUE_DATE))
        case .zoned(_, let tzid):
            property.add(parameter: icalparameter_new_tzid(tzid))
        case .utc:
            break
        }
        return property
    }

    /// Text as it may stand in a TEXT value: line breaks normalised to LF
    /// (libical escapes LF as `\n`), tabs as spaces, and other control
    /// characters, which RFC 5545 does not allow in TEXT, left out.
    static func clean(_ text: String) -> String {
        // Most text has no control character but LF: keep it as it is.
        if !hasControlCharacter(text) { return text }
        var scalars = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            switch scalar {
            case "\r": scalars.append("\n")
            case "\n": if !previousWasCR { scalars.append("\n") }
            case "\t": scalars.append(" ")
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { continue }
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// Whether the text holds a control character other than LF, scanning
    /// its UTF-8 bytes in place (a byte loop: the generic `contains(where:)`
    /// over `utf8` showed in profiles, as every text of every component
    /// passes here).
    private static func hasControlCharacter(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            for byte in bytes where (byte < 0x20 && byte != 0x0A) || byte == 0x7F { return true }
            return false
        }
    }

    /// A parameter value holds no line break and no DQUOTE (RFC 5545 §3.2);
    /// libical would write them in RFC 6868's caret form (`^n`, `^'`), which
    /// few readers decode, so they become a space and an apostrophe.
    static func parameterText(_ text: String) -> String {
        String(String.UnicodeScalarView(clean(text).unicodeScalars.map { $0 == "\n" ? " " : $0 == "\"" ? "'" : $0 }))
    }

    static func categoryName(_ name: String) -> String {
        clean(name).unicodeScalars
            .map { ",;\\\n".unicodeScalars.contains($0) ? " " : String($0) }
            .joined()
            .trimmingSpaces()
    }
}

extension PropertyHandle {
    static func duration(seconds: Int) -> icaldurationtype {
        var duration = icaldurationtype()
        duration.is_neg = seconds < 0 ? 1 : 0
        var rest = abs(seconds)
        if rest % 86_400 == 0 && rest > 0 {
            duration.days = UInt32(rest / 86_400)
        } else {
            duration.hours = UInt32(rest / 3600); rest %= 3600
            duration.minutes = UInt32(rest / 60); rest %= 60
            duration.seconds = UInt32(rest)
        }
        return duration
    }
}

extension String {
    func trimmingSpaces() -> String {
        var view = Substring(self)
        while view.first == " " { view = view.dropFirst() }
        while view.last == " " { view = view.dropLast() }
        return String(view)
    }
}
