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
        guard let raw = icalparser_parse_string(text) else {
            throw ICalError.current("parsing iCalendar text")
        }
        let root = ComponentHandle(owning: raw)
        let value = convert(root.raw)
        return value.kind == "XROOT" ? value.components : [value]
    }

    private static func convert(_ raw: OpaquePointer) -> ICalParsedComponent {
        let kind = icalcomponent_kind_to_string(icalcomponent_isa(raw)).map { String(cString: $0) } ?? "UNKNOWN"
        var properties: [ICalParsedProperty] = []
        var property = icalcomponent_get_first_property(raw, ICAL_ANY_PROPERTY)
        while let current = property {
            properties.append(convertProperty(current))
            property = icalcomponent_get_next_property(raw, ICAL_ANY_PROPERTY)
        }
        var children: [ICalParsedComponent] = []
        var child = icalcomponent_get_first_component(raw, ICAL_ANY_COMPONENT)
        while let current = child {
            children.append(convert(current))
            child = icalcomponent_get_next_component(raw, ICAL_ANY_COMPONENT)
        }
        return ICalParsedComponent(kind: kind, properties: properties, components: children)
    }

    private static func convertProperty(_ raw: OpaquePointer) -> ICalParsedProperty {
        let name = takeString(icalproperty_get_property_name_r(raw))
        var value: String
        if let icalValue = icalproperty_get_value(raw), icalvalue_isa(icalValue) == ICAL_TEXT_VALUE,
           let text = icalvalue_get_text(icalValue) {
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
        guard let raw = icalparser_parse_string(text) else {
            throw ICalError.current("parsing iCalendar text")
        }
        let root = ComponentHandle(owning: raw)
        var result: [ICalResolvedTimes] = []
        for calendar in root.calendars() {
            for kind in [ICAL_VEVENT_COMPONENT, ICAL_VTODO_COMPONENT] {
                var component = icalcomponent_get_first_component(calendar, kind)
                while let current = component {
                    func seconds(_ time: icaltimetype) -> Int? {
                        icaltime_is_null_time(time) != 0 ? nil : Int(icaltime_as_timet_with_zone(time, time.zone))
                    }
                    let uid = icalcomponent_get_uid(current).map { String(cString: $0) } ?? ""
                    let hasEnd = icalcomponent_get_first_property(current, ICAL_DTEND_PROPERTY) != nil
                    let hasDue = icalcomponent_get_first_property(current, ICAL_DUE_PROPERTY) != nil
                    result.append(ICalResolvedTimes(
                        uid: uid, kind: kind == ICAL_VEVENT_COMPONENT ? "VEVENT" : "VTODO",
                        start: seconds(icalcomponent_get_dtstart(current)),
                        end: hasEnd ? seconds(icalcomponent_get_dtend(current)) : nil,
                        due: hasDue ? seconds(icalcomponent_get_due(current)) : nil))
                    component = icalcomponent_get_next_component(calendar, kind)
                }
            }
        }
        return result
    }
}
