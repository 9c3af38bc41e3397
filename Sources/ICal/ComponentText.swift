internal import CLibical

/// A component as values: its kind, its properties in order, its
/// subcomponents. Nothing of libical is made until it is serialised.
struct ComponentValue: Hashable {
    enum Kind: String, Hashable {
        case event = "VEVENT"
        case todo = "VTODO"
        case alarm = "VALARM"

        var libical: icalcomponent_kind {
            switch self {
            case .event: ICAL_VEVENT_COMPONENT
            case .todo: ICAL_VTODO_COMPONENT
            case .alarm: ICAL_VALARM_COMPONENT
            }
        }
    }

    var kind: Kind
    var properties: [PropertyValue]
    var children: [ComponentValue] = []
}

/// One property as a value, made into a libical property by its own
/// constructor (so escaping and folding are libical's) when it is serialised.
enum PropertyValue: Hashable {
    /// Hashes what tells values apart cheaply (the cache looks values up
    /// for every component): a time as one number and its zone's length,
    /// an organizer by its address. Equal values hash equal; `==` decides.
    func hash(into hasher: inout Hasher) {
        switch self {
        case .time(let name, let value):
            hasher.combine(name)
            switch value {
            case .date(let year, let month, let day):
                hasher.combine((year * 13 + month) * 32 + day)
            case .zoned(let civil, let tzid):
                hasher.combine(Self.packed(civil))
                hasher.combine(tzid.utf8.count)
            case .utc(let civil):
                hasher.combine(Self.packed(civil) &+ 1)
            }
        case .organizer(let address, _):
            hasher.combine(address)
        case .uid(let text), .text(_, let text), .url(let text), .categories(let text):
            hasher.combine(text)
        case .sequence(let number), .priority(let number), .trigger(let number):
            hasher.combine(number)
        case .status(let status):
            hasher.combine(status)
        case .transparency(let transparent):
            hasher.combine(transparent)
        case .action:
            hasher.combine(0)
        }
    }

    private static func packed(_ time: CivilDateTime) -> Int {
        ((((time.year * 13 + time.month) * 32 + time.day) * 24 + time.hour) * 60 + time.minute) * 61 + time.second
    }

    enum TimeName: Hashable { case dtstamp, dtstart, dtend, due, lastModified }
    enum TextName: Hashable { case summary, description }
    enum Status: Hashable { case confirmed, needsAction, inProcess, completed, cancelled }

    case uid(String)
    case time(TimeName, ICalTime)
    case sequence(Int)
    /// Text already cleaned of control characters (`ICalSerializer.clean`).
    case text(TextName, String)
    /// The names, already joined with commas.
    case categories(String)
    case priority(Int)
    case url(String)
    /// `name` is already fit for a parameter (`ICalSerializer.parameterText`).
    case organizer(address: String, name: String)
    case status(Status)
    case transparency(Bool)
    /// ACTION:DISPLAY.
    case action
    case trigger(seconds: Int)

    func make() throws(ICalError) -> PropertyHandle {
        switch self {
        case .uid(let uid):
            return try PropertyHandle(icalproperty_new_uid(uid), "UID")
        case .time(let name, let value):
            return try Self.time(name, value)
        case .sequence(let sequence):
            return try PropertyHandle(icalproperty_new_sequence(Int32(clamping: sequence)), "SEQUENCE")
        case .text(.summary, let text):
            return try PropertyHandle(icalproperty_new_summary(text), "SUMMARY")
        case .text(.description, let text):
            return try PropertyHandle(icalproperty_new_description(text), "DESCRIPTION")
        case .categories(let names):
            return try PropertyHandle(icalproperty_new_categories(names), "CATEGORIES")
        case .priority(let priority):
            return try PropertyHandle(icalproperty_new_priority(Int32(priority)), "PRIORITY")
        case .url(let url):
            return try PropertyHandle(icalproperty_new_url(url), "URL")
        case .organizer(let address, let name):
            let property = try PropertyHandle(icalproperty_new_organizer(address), "ORGANIZER")
            property.add(parameter: icalparameter_new_cn(name))
            return property
        case .status(let status):
            let value: icalproperty_status =
                switch status {
                case .confirmed: ICAL_STATUS_CONFIRMED
                case .needsAction: ICAL_STATUS_NEEDSACTION
                case .inProcess: ICAL_STATUS_INPROCESS
                case .completed: ICAL_STATUS_COMPLETED
                case .cancelled: ICAL_STATUS_CANCELLED
                }
            return try PropertyHandle(icalproperty_new_status(value), "STATUS")
        case .transparency(let transparent):
            return try PropertyHandle(icalproperty_new_transp(transparent ? ICAL_TRANSP_TRANSPARENT : ICAL_TRANSP_OPAQUE), "TRANSP")
        case .action:
            return try PropertyHandle(icalproperty_new_action(ICAL_ACTION_DISPLAY), "ACTION")
        case .trigger(let seconds):
            var trigger = icaltriggertype()
            trigger.time = icaltime_null_time()
            trigger.duration = PropertyHandle.duration(seconds: seconds)
            return try PropertyHandle(icalproperty_new_trigger(trigger), "TRIGGER")
        }
    }

    /// Builds a DATE or DATE-TIME property. A zoned time is written as a
    /// floating value plus an explicit `TZID` parameter holding the plain
    /// IANA name: giving libical an `icaltimezone` instead would make it write
    /// the zone's own TZID, with libical's `/freeassociation.sourceforge.net/`
    /// prefix.
    private static func time(_ name: TimeName, _ value: ICalTime) throws(ICalError) -> PropertyHandle {
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
        let property =
            switch name {
            case .dtstamp: try PropertyHandle(icalproperty_new_dtstamp(raw), "DTSTAMP")
            case .dtstart: try PropertyHandle(icalproperty_new_dtstart(raw), "DTSTART")
            case .dtend: try PropertyHandle(icalproperty_new_dtend(raw), "DTEND")
            case .due: try PropertyHandle(icalproperty_new_due(raw), "DUE")
            case .lastModified: try PropertyHandle(icalproperty_new_lastmodified(raw), "LAST-MODIFIED")
            }
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
}

/// Serialises components a property at a time, and keeps each property's
/// text, so that a component written after another (a touch's VTODO after
/// its VEVENT) reuses the text of every property the two share, and any
/// component reuses the text of a property value that recurs from touch to
/// touch (a status, a category list, an owner, a day and time) from `cache`.
///
/// Why not `icalcomponent_as_ical_string_r` on a whole component: a touch's
/// event and task carry the same description, summary, organizer and
/// categories, and most properties of one touch equal those of others;
/// building and escaping them again was most of a run. libical's component
/// serialiser writes nothing of its own but `BEGIN:<kind>` CRLF, each
/// property's `icalproperty_as_ical_string_r` text in order, each
/// subcomponent, and `END:<kind>` CRLF; this writes the same, and a test
/// holds the two byte for byte (`libicalText`). A property's text is a pure
/// function of its value, so a text made once stands for every equal value.
struct PropertyTexts {
    /// Where the text of a value already written is: in a component this
    /// made before (`done`) or in the one being made (`component` nil).
    private var known: [(value: PropertyValue, component: Int?, range: Range<Int>)] = []
    private var done: [[UInt8]] = []
    private let cache: PropertyCache?

    init(cache: PropertyCache? = nil) { self.cache = cache }

    mutating func text(of component: ComponentValue) throws(ICalError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4096)
        try append(component, to: &bytes)
        // The component's texts stay where they are, for the next one to reuse.
        for index in known.indices where known[index].component == nil { known[index].component = done.count }
        done.append(bytes)
        return bytes
    }

    private mutating func append(_ component: ComponentValue, to bytes: inout [UInt8]) throws(ICalError) {
        bytes += "BEGIN:\(component.kind.rawValue)\r\n".utf8
        for property in component.properties {
            let start = bytes.count
            if let index = known.firstIndex(where: { $0.value == property }) {
                // Equal texts are the same string here (both components are
                // made from one touch's texts), so the comparison is cheap.
                let entry = known[index]
                if let source = entry.component {
                    bytes += done[source][entry.range]
                } else {
                    bytes += Array(bytes[entry.range])
                }
                continue
            }
            if let cache, cache.holds(property) {
                bytes += try cache.text(of: property)
            } else {
                // libical's text goes straight into the component.
                try Self.serialize(property.make(), appendingTo: &bytes)
            }
            known.append((property, nil, start..<bytes.count))
        }
        for child in component.children { try append(child, to: &bytes) }
        bytes += "END:\(component.kind.rawValue)\r\n".utf8
    }

    /// One property's text through the `_r` serialiser (the buffer is the
    /// caller's, freed with `icalmemory_free_buffer`), with long lines re-folded.
    fileprivate static func serialize(_ property: borrowing PropertyHandle, appendingTo output: inout [UInt8]) throws(ICalError) {
        guard let text = property.serialized() else { throw ICalError.current("serialising a property") }
        defer { icalmemory_free_buffer(text) }
        LineFolder.refold(text, appendingTo: &output)
    }
}

/// The texts of property values that recur across components: statuses,
/// category lists, priorities, organizers, alarm triggers, times. One per
/// thread (it is not locked); bounded, so a long run does not grow it
/// without end. Per-touch texts (UID, SUMMARY, DESCRIPTION, URL) never
/// enter it.
public final class PropertyCache {
    private var texts: [PropertyValue: [UInt8]] = [:]
    static let limit = 20_000

    public init() {}

    func holds(_ value: PropertyValue) -> Bool {
        switch value {
        case .uid, .text, .url: false
        case .time, .sequence, .categories, .priority, .organizer, .status, .transparency, .action, .trigger: true
        }
    }

    func text(of value: PropertyValue) throws(ICalError) -> [UInt8] {
        if let known = texts[value] { return known }
        var text: [UInt8] = []
        try PropertyTexts.serialize(value.make(), appendingTo: &text)
        if texts.count >= Self.limit { texts.removeAll(keepingCapacity: true) }
        texts[value] = text
        return text
    }
}

extension ComponentValue {
    /// The component built whole in libical and serialised by
    /// `icalcomponent_as_ical_string_r`: what `PropertyTexts` must equal.
    func libicalText() throws(ICalError) -> [UInt8] {
        try handle().serialized()
    }

    private func handle() throws(ICalError) -> ComponentHandle {
        var component = try ComponentHandle(kind: kind.libical)
        for property in properties { component.add(try property.make()) }
        for child in children { component.add(try child.handle()) }
        return component
    }
}
