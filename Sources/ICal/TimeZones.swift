internal import CLibical
import Foundation
import Synchronization

/// VTIMEZONE components for IANA zones, from the system's zoneinfo through
/// libical, each trimmed to the span a feed needs and serialised once.
///
/// libical owns its built-in zones for the life of the process; this type
/// only clones their components, and owns and frees each clone.
///
/// Safe to share between threads: its caches are behind a mutex, and the
/// libical calls it makes (built-in zone lookup) take libical's own lock.
public final class TimeZoneCatalog: Sendable {
    private struct Key: Hashable { let tzid: String; let years: ClosedRange<Int> }
    private struct Caches {
        var vtimezones: [Key: [UInt8]] = [:]
        var known: [String: Bool] = [:]
    }
    private let caches = Mutex(Caches())

    public init() {
        Self.configure
    }

    /// Runs once per process: libical 3.0 reads the TZID prefix at load time.
    private static let configure: Void = followup_ical_use_plain_tzids()

    /// True when libical can give a VTIMEZONE for the zone (or it is UTC).
    public func knows(_ tzid: String) -> Bool {
        caches.withLock { caches in
            if let answer = caches.known[tzid] { return answer }
            let answer =
                Self.isUTC(tzid)
                || (Self.isZoneName(tzid) && icaltimezone_get_builtin_timezone(tzid).map { icaltimezone_get_component($0) != nil } == true)
            caches.known[tzid] = answer
            return answer
        }
    }

    /// libical reads `<zoneinfo>/<name>` from disk, so only names shaped like
    /// IANA zone names are passed to it: no `..`, no leading `/`, nothing
    /// but letters, digits and `/_+-`.
    static func isZoneName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix("/") && name.count < 64
            && !name.split(separator: "/", omittingEmptySubsequences: false).contains { $0.isEmpty || $0 == "." || $0 == ".." }
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "/_+-".unicodeScalars.contains($0)) }
    }

    /// Zones that are UTC itself are written with a trailing `Z`, not a TZID.
    public static func isUTC(_ tzid: String) -> Bool {
        utcNames.contains(tzid)
    }

    /// Asked for every time of every component: a set made once, not an array per call.
    private static let utcNames: Set<String> = [
        "UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu", "GMT", "Etc/GMT", "Etc/GMT0",
        "Etc/GMT+0", "Etc/GMT-0", "GMT0", "GMT+0", "GMT-0", "Greenwich", "Etc/Greenwich",
    ]

    /// The VTIMEZONE for `tzid`, covering the given years.
    ///
    /// The TZID is the plain IANA name (`America/New_York`): the clone's TZID
    /// property is set from the name we were given, because libical 3.0 puts
    /// its `/freeassociation.sourceforge.net/` prefix back on zones it loads
    /// from zoneinfo even when the prefix is set empty. Observances are
    /// trimmed with `icaltimezone_truncate_vtimezone` to a day before the
    /// first year through a day after the last, so a local time on the first
    /// or last day in any offset is covered, instead of every transition
    /// since 1883.
    public func vtimezone(for tzid: String, years: ClosedRange<Int>) throws(ICalError) -> [UInt8] {
        let key = Key(tzid: tzid, years: years)
        return try caches.withLock { (caches) throws(ICalError) -> [UInt8] in
            if let cached = caches.vtimezones[key] { return cached }
            let bytes = try Self.makeVTimezone(tzid, years: years)
            caches.vtimezones[key] = bytes
            return bytes
        }
    }

    /// The trimmed VTIMEZONE, serialised (under the caches' lock: one
    /// thread loads a zone, the others wait for it).
    private static func makeVTimezone(_ tzid: String, years: ClosedRange<Int>) throws(ICalError) -> [UInt8] {
        guard Self.isZoneName(tzid), let zone = icaltimezone_get_builtin_timezone(tzid),
            let builtin = icaltimezone_get_component(zone)
        else {
            throw ICalError.current("loading time zone \"\(tzid)\" from the system's zoneinfo")
        }
        // libical: icalcomponent_new_clone returns a deep copy the caller owns.
        guard let clone = icalcomponent_new_clone(builtin) else {
            throw ICalError.current("copying time zone \"\(tzid)\"")
        }
        let component = ComponentHandle(owning: clone)
        var start = icaltime_null_time()
        start.year = Int32(years.lowerBound - 1); start.month = 12; start.day = 31
        start.zone = icaltimezone_get_utc_timezone()
        var end = icaltime_null_time()
        end.year = Int32(years.upperBound + 1); end.month = 1; end.day = 2
        end.zone = icaltimezone_get_utc_timezone()
        component.withBorrowed { vtimezone in
            if let property = icalcomponent_get_first_property(vtimezone, ICAL_TZID_PROPERTY) {
                icalproperty_set_tzid(property, tzid)
            }
            icaltimezone_truncate_vtimezone(vtimezone, start, end, 0)
            Self.makePortable(vtimezone)
        }
        return try component.serialized()
    }

    /// Makes a truncated VTIMEZONE plain RFC 5545 that every reader agrees on.
    ///
    /// Truncation adds TZUNTIL, an RFC 7808 property that strict parsers
    /// (ics-py) reject; it is removed. Truncation also writes later onsets as
    /// RDATEs beside the observance's DTSTART, some of them in UTC, and
    /// Thunderbird's ical.js ignores the DTSTART onset of an observance that
    /// has RDATEs (so a whole summer reads as standard time). Each RDATE
    /// becomes an observance of its own, with that onset as its DTSTART in
    /// local time (RFC 5545 §3.6.5), so no observance carries an RDATE.
    private static func makePortable(_ vtimezone: OpaquePointer) {
        // libical: icalcomponent_remove_property unlinks the property and
        // leaves it to the caller to free.
        while let until = icalcomponent_get_first_property(vtimezone, ICAL_TZUNTIL_PROPERTY) {
            icalcomponent_remove_property(vtimezone, until)
            icalproperty_free(until)
        }
        // Gathered first: new observances are added to the VTIMEZONE below.
        for observance in Array(children(of: vtimezone)) {
            let offset =
                icalcomponent_get_first_property(observance, ICAL_TZOFFSETFROM_PROPERTY)
                .map { icalproperty_get_tzoffsetfrom($0) } ?? 0
            var onsets: [icaltimetype] = []
            while let rdate = icalcomponent_get_first_property(observance, ICAL_RDATE_PROPERTY) {
                var onset = icalproperty_get_rdate(rdate).time
                if icaltime_is_utc(onset) != 0 {
                    onset.zone = nil
                    icaltime_adjust(&onset, 0, 0, 0, offset)
                }
                onsets.append(onset)
                icalcomponent_remove_property(observance, rdate)
                icalproperty_free(rdate)
            }
            for onset in onsets {
                // libical: the clone is the caller's until it is added to
                // the VTIMEZONE, which then owns it.
                guard let copy = icalcomponent_new_clone(observance) else { continue }
                if let dtstart = icalcomponent_get_first_property(copy, ICAL_DTSTART_PROPERTY) {
                    icalproperty_set_dtstart(dtstart, onset)
                }
                icalcomponent_add_component(vtimezone, copy)
            }
        }
    }
}
