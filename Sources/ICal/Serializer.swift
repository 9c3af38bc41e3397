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
    /// - Parameter cache: texts of recurring property values (one per thread).
    public static func serialize(_ event: ICalEvent, cache: PropertyCache? = nil) throws(ICalError) -> [UInt8] {
        var texts = PropertyTexts(cache: cache)
        return try texts.text(of: component(event))
    }

    /// One VTODO.
    public static func serialize(_ todo: ICalTodo, cache: PropertyCache? = nil) throws(ICalError) -> [UInt8] {
        var texts = PropertyTexts(cache: cache)
        return try texts.text(of: component(todo))
    }

    /// A touch's VEVENT and VTODO, which share most of their properties
    /// (the description above all): a property both carry is built and
    /// serialised by libical once, and its text is written into both.
    public static func serialize(_ event: ICalEvent, _ todo: ICalTodo, cache: PropertyCache? = nil) throws(ICalError)
        -> (event: [UInt8], todo: [UInt8])
    {
        var texts = PropertyTexts(cache: cache)
        let eventText = try texts.text(of: component(event))
        return (eventText, try texts.text(of: component(todo)))
    }

    // MARK: - Components as values

    static func component(_ event: ICalEvent) -> ComponentValue {
        var properties = head(event.common)
        properties.append(.time(.dtstart, event.start))
        properties.append(.time(.dtend, event.end))
        properties += tail(event.common)
        properties.append(.status(.confirmed))
        properties.append(.transparency(event.transparent))
        return ComponentValue(
            kind: .event, properties: properties,
            children: event.alarms.map { alarm in
                ComponentValue(
                    kind: .alarm,
                    properties: [
                        .action, .text(.description, clean(alarm.description)), .trigger(seconds: -60 * alarm.minutesBefore),
                    ])
            })
    }

    static func component(_ todo: ICalTodo) -> ComponentValue {
        var properties = head(todo.common)
        properties.append(.time(.dtstart, todo.start))
        properties.append(.time(.due, todo.due))
        properties += tail(todo.common)
        let status: PropertyValue.Status =
            switch todo.status {
            case .needsAction: .needsAction
            case .inProcess: .inProcess
            case .completed: .completed
            case .cancelled: .cancelled
            }
        properties.append(.status(status))
        return ComponentValue(kind: .todo, properties: properties)
    }

    private static func head(_ common: ICalCommon) -> [PropertyValue] {
        [.uid(common.uid), .time(.dtstamp, .utc(common.stamp))]
    }

    private static func tail(_ common: ICalCommon) -> [PropertyValue] {
        var properties: [PropertyValue] = []
        if let lastModified = common.lastModified { properties.append(.time(.lastModified, .utc(lastModified))) }
        properties.append(.sequence(common.sequence))
        properties.append(.text(.summary, clean(common.summary)))
        properties.append(.text(.description, clean(common.description)))
        let categories = common.categories.map(categoryName).filter { !$0.isEmpty }
        if !categories.isEmpty { properties.append(.categories(categories.joined(separator: ","))) }
        if let priority = common.priority { properties.append(.priority(min(max(priority, 0), 9))) }
        if let url = common.url { properties.append(.url(url)) }
        if let organizer = common.organizer {
            properties.append(.organizer(address: organizer.address, name: parameterText(organizer.name)))
        }
        return properties
    }

    private static func xProperty(_ name: String, _ value: String) throws(ICalError) -> PropertyHandle {
        let property = try PropertyHandle(icalproperty_new_x(value), name)
        property.setXName(name)
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
            // Eight bytes at a time: a word with no byte below 0x20 and no
            // 0x7F (Bit Twiddling Hacks' `hasless`) is passed over whole;
            // only a word that has one (most often a LF) is looked at byte by byte.
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            var index = 0
            if let base = bytes.baseAddress {
                while index + 8 <= bytes.count {
                    let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                    let below20 = (word &- ones &* 0x20) & ~word & highs
                    let deletes = word ^ (ones &* 0x7F)
                    let has7F = (deletes &- ones) & ~deletes & highs
                    if below20 | has7F != 0 {
                        for byte in bytes[index..<(index + 8)] where (byte < 0x20 && byte != 0x0A) || byte == 0x7F { return true }
                    }
                    index += 8
                }
            }
            for byte in bytes[index...] where (byte < 0x20 && byte != 0x0A) || byte == 0x7F { return true }
            return false
        }
    }

    /// A parameter value holds no line break and no DQUOTE (RFC 5545 §3.2);
    /// libical would write them in RFC 6868's caret form (`^n`, `^'`), which
    /// few readers decode, so they become a space and an apostrophe.
    static func parameterText(_ text: String) -> String {
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 < 0x20 || $0 == 0x7F }) { return text }
        return String(String.UnicodeScalarView(clean(text).unicodeScalars.map { $0 == "\n" ? " " : $0 == "\"" ? "'" : $0 }))
    }

    static func categoryName(_ name: String) -> String {
        // Most names have nothing to take out.
        if let first = name.utf8.first, let last = name.utf8.last, first != 0x20, last != 0x20,
            !name.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "\\") || $0 < 0x20 || $0 == 0x7F })
        {
            return name
        }
        return clean(name).unicodeScalars
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
