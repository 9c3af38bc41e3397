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
        /// `hasYearlyRule`'s answers: asked for every event time of an Outlook feed.
        var yearlyRules: [Key: Bool] = [:]
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

    /// Whether `tzid`'s VTIMEZONE over the years around `year` is one yearly
    /// rule (one STANDARD and one DAYLIGHT, each with its RRULE) or one
    /// observance: the form Outlook keeps (see `useYearlyRules`).
    public func hasYearlyRule(_ tzid: String, around year: Int) -> Bool {
        let key = Key(tzid: tzid, years: (year - 1)...(year + 1))
        if let known = caches.withLock({ $0.yearlyRules[key] }) { return known }
        // Read from the text this catalog writes, so the answer is the form the feed's VTIMEZONE has.
        let text = (try? vtimezone(for: tzid, years: key.years)).map { String(decoding: $0, as: UTF8.self) }
        let answer =
            text.map { text in
                let observances = text.components(separatedBy: "BEGIN:STANDARD").count - 1 + text.components(separatedBy: "BEGIN:DAYLIGHT").count - 1
                return observances == 1 || (observances == 2 && text.components(separatedBy: "RRULE:").count - 1 == 2)
            } ?? false
        caches.withLock { $0.yearlyRules[key] = answer }
        return answer
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
            Self.expandRules(vtimezone, through: years.upperBound + 1)
            Self.useYearlyRules(vtimezone, years: years)
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

    /// Truncation keeps some of the zone's rules (with an UNTIL) as they
    /// are: each becomes one observance per onset through `lastYear`, so
    /// `useYearlyRules` sees every transition the same way.
    private static func expandRules(_ vtimezone: OpaquePointer, through lastYear: Int) {
        for observance in Array(children(of: vtimezone)) {
            guard let rrule = icalcomponent_get_first_property(observance, ICAL_RRULE_PROPERTY),
                let dtstart = icalcomponent_get_first_property(observance, ICAL_DTSTART_PROPERTY)
            else { continue }
            var onsets: [icaltimetype] = []
            // The rule's UNTIL is in UTC and its onsets in local time, which
            // libical's iterator compares as they are (and so loses the last
            // onset): the rule is iterated without it, and each onset, in
            // UTC by the offset it starts from, compared with it here.
            var rule = icalproperty_get_rrule(rrule)
            var until = rule.until
            rule.until = icaltime_null_time()
            until.zone = nil
            let offset = icalcomponent_get_first_property(observance, ICAL_TZOFFSETFROM_PROPERTY).map { icalproperty_get_tzoffsetfrom($0) } ?? 0
            // libical: the iterator is the caller's to free.
            if let iterator = icalrecur_iterator_new(rule, icalproperty_get_dtstart(dtstart)) {
                defer { icalrecur_iterator_free(iterator) }
                while onsets.count < 1_000 {
                    let onset = icalrecur_iterator_next(iterator)
                    if icaltime_is_null_time(onset) != 0 || Int(onset.year) > lastYear { break }
                    var utc = onset
                    utc.zone = nil
                    icaltime_adjust(&utc, 0, 0, 0, -offset)
                    if icaltime_is_null_time(until) == 0, icaltime_compare(utc, until) > 0 { break }
                    onsets.append(onset)
                }
            }
            icalcomponent_remove_property(observance, rrule)
            icalproperty_free(rrule)
            guard let first = onsets.first else { continue }
            icalproperty_set_dtstart(dtstart, first)
            for onset in onsets.dropFirst() {
                // libical: the clone is the caller's until it is added to the VTIMEZONE.
                guard let copy = icalcomponent_new_clone(observance) else { continue }
                if let start = icalcomponent_get_first_property(copy, ICAL_DTSTART_PROPERTY) { icalproperty_set_dtstart(start, onset) }
                icalcomponent_add_component(vtimezone, copy)
            }
        }
    }

    /// One observance of a VTIMEZONE, as `useYearlyRules` compares them.
    private struct Onset {
        let component: OpaquePointer
        let daylight: Bool
        let start: icaltimetype
        let from: Int32, to: Int32
        let name: String
    }

    /// Writes a zone's transitions as one STANDARD and one DAYLIGHT
    /// observance with a yearly rule (`RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU`),
    /// the form Outlook, Thunderbird and libical's own zones write: Outlook
    /// keeps one yearly rule per zone (MS-OXCICAL 2.1.3.1.1.19), so a zone
    /// written as one observance per transition is a known cause of times an
    /// hour off after a change, and some readers (ruby-icalendar 2.8) fail on
    /// observances that start after an event's time.
    ///
    /// The rule is used only when it describes every transition of the
    /// truncated span exactly: each kind once a year, every year through the
    /// span's last, in one month, on one weekday (the nth, or the last, of
    /// the month), at one local time, between the same offsets and with the
    /// same name. Otherwise (a zone whose rules change inside the span, such
    /// as one that drops daylight saving time, or whose dates follow no
    /// weekday rule, such as Morocco's around Ramadan) the observances stay
    /// one per transition. A zone with no transitions keeps its one
    /// observance. libical has no call that does this: its truncation writes
    /// onsets as RDATEs (or keeps a rule with an UTC UNTIL), and its zoneinfo
    /// reader writes every rule since 1883, cut at 2037.
    private static func useYearlyRules(_ vtimezone: OpaquePointer, years: ClosedRange<Int>) {
        var onsets: [Onset] = []
        for kind in [ICAL_XSTANDARD_COMPONENT, ICAL_XDAYLIGHT_COMPONENT] {
            for component in Array(children(of: vtimezone, kind)) {
                guard let dtstart = icalcomponent_get_first_property(component, ICAL_DTSTART_PROPERTY) else { return }
                let from = icalcomponent_get_first_property(component, ICAL_TZOFFSETFROM_PROPERTY).map { icalproperty_get_tzoffsetfrom($0) }
                let to = icalcomponent_get_first_property(component, ICAL_TZOFFSETTO_PROPERTY).map { icalproperty_get_tzoffsetto($0) }
                guard let from, let to else { return }
                let name = icalcomponent_get_first_property(component, ICAL_TZNAME_PROPERTY).flatMap { icalproperty_get_tzname($0) }
                onsets.append(
                    Onset(
                        component: component, daylight: kind == ICAL_XDAYLIGHT_COMPONENT, start: icalproperty_get_dtstart(dtstart),
                        from: from, to: to, name: name.map { String(cString: $0) } ?? ""))
            }
        }
        // Truncation starts the zone with the offset in force then (from and
        // to the same): not a transition, and not needed once each rule
        // starts a year before the span (below).
        let transitions = onsets.filter { $0.from != $0.to }
        let standard = transitions.filter { !$0.daylight }, daylight = transitions.filter { $0.daylight }
        guard !standard.isEmpty, !daylight.isEmpty,
            let standardRule = yearlyRule(standard, lastYear: years.upperBound),
            let daylightRule = yearlyRule(daylight, lastYear: years.upperBound)
        else { return }
        for (first, rule) in [(standard[0], standardRule), (daylight[0], daylightRule)] {
            // Each rule starts with its onset in the year before its first,
            // so every time from the span's first day on (truncation starts
            // the day before it) follows one of the two.
            if let dtstart = icalcomponent_get_first_property(first.component, ICAL_DTSTART_PROPERTY) {
                icalproperty_set_dtstart(dtstart, onset(of: rule, in: Int(first.start.year) - 1, at: first.start))
            }
            // libical: the new property is the component's once added.
            icalcomponent_add_property(first.component, icalproperty_new_rrule(icalrecurrencetype_from_string(rule.text)))
        }
        let kept = Set([standard[0].component, daylight[0].component].map { UInt(bitPattern: $0) })
        for onset in onsets where !kept.contains(UInt(bitPattern: onset.component)) {
            // libical: removing a child unlinks it; the caller frees it.
            icalcomponent_remove_component(vtimezone, onset.component)
            icalcomponent_free(onset.component)
        }
    }

    /// A yearly rule: the `ordinal`th (-1: the last) `weekday` (1 is
    /// Sunday, as libical counts) of `month`.
    private struct YearlyRule {
        let month: Int32, ordinal: Int, weekday: Int32
        var text: String {
            let days = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]
            return "FREQ=YEARLY;BYMONTH=\(month);BYDAY=\(ordinal)\(days[Int(weekday) - 1])"
        }
    }

    /// The rule's onset in `year`, at `time`'s time of day.
    private static func onset(of rule: YearlyRule, in year: Int, at time: icaltimetype) -> icaltimetype {
        var day = time
        day.year = Int32(year); day.month = rule.month
        let length = icaltime_days_in_month(rule.month, Int32(year))
        day.day = 1
        let firstWeekday = icaltime_day_of_week(day)
        let first = 1 + (rule.weekday - firstWeekday + 7) % 7
        if rule.ordinal > 0 {
            day.day = first + 7 * Int32(rule.ordinal - 1)
        } else {
            day.day = first + 7 * ((length - first) / 7)
        }
        return day
    }

    /// The rule that gives exactly these onsets, one a year through
    /// `lastYear`, or nil when none does.
    private static func yearlyRule(_ onsets: [Onset], lastYear: Int) -> YearlyRule? {
        let sorted = onsets.sorted { $0.start.year < $1.start.year }
        guard let first = sorted.first, let last = sorted.last, Int(last.start.year) >= lastYear else { return nil }
        var ordinals: Set<Int> = [], lasts = true
        let weekday = icaltime_day_of_week(first.start)
        for (index, onset) in sorted.enumerated() {
            let time = onset.start, base = first.start
            guard time.year == base.year + Int32(index), time.month == base.month, time.hour == base.hour, time.minute == base.minute,
                time.second == base.second, icaltime_day_of_week(time) == weekday, onset.from == first.from, onset.to == first.to,
                onset.name == first.name
            else { return nil }
            ordinals.insert(Int(time.day - 1) / 7 + 1)
            if time.day + 7 <= icaltime_days_in_month(time.month, time.year) { lasts = false }
        }
        guard (1...7).contains(weekday) else { return nil }
        // "The last Sunday" falls on the 4th or the 5th: -1 says it for every year.
        let ordinal: Int
        if lasts && !(ordinals.count == 1 && ordinals.first! < 4) {
            ordinal = -1
        } else if ordinals.count == 1 {
            ordinal = ordinals.first!
        } else {
            return nil
        }
        let rule = YearlyRule(month: first.start.month, ordinal: ordinal, weekday: weekday)
        // The rule must give back every onset (a 5th weekday exists only in some months).
        for onset in sorted where icaltime_compare(Self.onset(of: rule, in: Int(onset.start.year), at: onset.start), onset.start) != 0 { return nil }
        return rule
    }
}
