import FollowUp
import Foundation

/// How a value of a sheet (or an option of `edit`) was read.
public enum Reading<Value: Sendable & Equatable>: Sendable, Equatable {
    /// As written, in the project's own form.
    case exact(Value)
    /// Read, but in a form that needed a guess or a mapping the user should
    /// know about: `how` says it ("read day-first", "read as America/Chicago").
    case read(Value, how: String)
    /// Not a value: `expected` says what would be, with a fix when one is known.
    case invalid(expected: String)

    public var value: Value? {
        switch self {
        case .exact(let value), .read(let value, _): value
        case .invalid: nil
        }
    }
}

/// The values of a lead's fields as people type and export them: dates in
/// their many forms, status words, time zones by name or city. One reading
/// for the sheet and for `edit`, so both accept and refuse the same.
///
/// Dates are read here rather than with `DateFormatter`: a formatter takes
/// one pattern and silently accepts what half-matches it (11/04 read as
/// April or November by the locale), where a sheet needs every form at
/// once and an ambiguous one refused.
public enum LeadValues {
    static let isoExpected = "a date, YYYY-MM-DD, such as 2026-12-01"

    /// A date: ISO 8601 (a date, or a date-time whose written day counts:
    /// `2026-11-25T10:00:00Z`, `2026-11-25 10:00`); a numeric date with `/`,
    /// `.` or `-` (`24/11/2026`, `11/24/2026`, `24.11.26`), day or month
    /// first as `order` says, else when only one reading is a date; a date
    /// with a month name (`Nov 25, 2026`, `25 November 2026`). A time after
    /// any of them is ignored: the plan works in days.
    public static func date(_ text: String, order: DateOrder?) -> Reading<LocalDate> {
        let text = text.trimmed
        if let date = LocalDate(iso: text) { return .exact(date) }
        if let dateTime = LocalDateTime(iso: text) { return .exact(dateTime.date) }
        // ISO date, then a time with a zone or an offset: the day as written.
        if text.utf8.count > 10, let date = LocalDate(iso: text.prefix(10)), let separator = text.dropFirst(10).first,
            separator == "T" || separator == " ",
            TimeOfDay(text.dropFirst(11).prefix(5)) != nil, text.dropFirst(16).allSatisfy({ $0.isNumber || ":.+-Z ".contains($0) })
        {
            return .exact(date)
        }
        var tokens: [Substring] = []
        for token in text.split(whereSeparator: { " ,/.-".contains($0) }) {
            // A time, AM/PM, a weekday's name or a zone after the date.
            if token.contains(":") {
                guard isTime(token) else { return .invalid(expected: isoExpected) }
                continue
            }
            if ["am", "pm", "utc", "gmt", "z"].contains(token.lowercased()) { continue }
            if weekdays.contains(where: { token.lowercased().hasPrefix($0) }) && month(token) == nil { continue }
            tokens.append(token)
        }
        guard tokens.count == 3 else { return .invalid(expected: isoExpected) }
        if let index = tokens.firstIndex(where: { month($0) != nil }) {
            let month = month(tokens[index])!
            let others = tokens.indices.filter { $0 != index }.map { tokens[$0] }
            guard let yearIndex = others.firstIndex(where: { $0.count == 4 && Int($0) != nil }),
                let dayText = others.indices.first(where: { $0 != yearIndex }).map({ others[$0] }),
                let day = Int(dayText.filter(\.isNumber)), dayText.prefix(while: \.isNumber).count == dayText.filter(\.isNumber).count,
                let date = LocalDate(year: Int(others[yearIndex])!, month: month, day: day)
            else { return .invalid(expected: isoExpected) }
            return order == nil ? .read(date, how: "a date with a month name") : .exact(date)
        }
        let numbers = tokens.compactMap { token in token.allSatisfy(\.isNumber) ? Int(token) : nil }
        guard numbers.count == 3 else { return .invalid(expected: isoExpected) }
        if tokens[0].count == 4 {
            // Year first (2026/11/25, 2026.11.25): always year, month, day.
            guard let date = LocalDate(year: numbers[0], month: numbers[1], day: numbers[2]) else { return .invalid(expected: isoExpected) }
            return .exact(date)
        }
        guard tokens[2].count == 4 || tokens[2].count == 2 else { return .invalid(expected: isoExpected) }
        let year = tokens[2].count == 2 ? 2000 + numbers[2] : numbers[2]
        let dayFirst = LocalDate(year: year, month: numbers[1], day: numbers[0])
        let monthFirst = LocalDate(year: year, month: numbers[0], day: numbers[1])
        switch order {
        case .dmy:
            return dayFirst.map { .exact($0) } ?? .invalid(expected: "a day-first date, DD/MM/YYYY (as --date-order dmy says), or YYYY-MM-DD")
        case .mdy:
            return monthFirst.map { .exact($0) } ?? .invalid(expected: "a month-first date, MM/DD/YYYY (as --date-order mdy says), or YYYY-MM-DD")
        case nil:
            switch (dayFirst, monthFirst) {
            case (let day?, let month?) where day == month: return .read(day, how: "a numeric date")
            case (let day?, let month?):
                return .invalid(
                    expected: "a date whose order is known: it reads as \(day) day-first or \(month) month-first; "
                        + "did you mean \(month)? give --date-order mdy (or dmy for \(day)), or write YYYY-MM-DD")
            case (let day?, nil): return .read(day, how: "day-first, as only that reading is a date")
            case (nil, let month?): return .read(month, how: "month-first, as only that reading is a date")
            case (nil, nil): return .invalid(expected: isoExpected)
            }
        }
    }

    /// `9:05`, `17:45:10`: a time of day (after a date, and ignored).
    static func isTime(_ token: Substring) -> Bool {
        let parts = token.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.count <= 2 && $0.allSatisfy(\.isNumber) }) else { return false }
        let numbers = parts.map { Int($0)! }
        return numbers[0] < 24 && numbers[1] < 60 && (numbers.count < 3 || numbers[2] < 60)
    }

    private static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// 1 to 12 for an English month's name or its abbreviation ("Sept" too).
    static func month(_ token: Substring) -> Int? {
        let word = token.lowercased()
        guard word.count >= 3, word.allSatisfy(\.isLetter) else { return nil }
        let full = [
            "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
        ]
        return full.firstIndex { $0.hasPrefix(word) }.map { $0 + 1 }
    }

    /// The words people and CRMs use for a lead's status, normalised
    /// (lower case, runs of spaces, hyphens, underscores and slashes as
    /// one underscore), and the method's status each one is.
    public static let statusWords: [String: LeadStatus] = [
        // The method's own, as people type them.
        "not_now": .notYet, "notnow": .notYet, "notyet": .notYet, "later": .notYet, "nurture": .notYet, "nurturing": .notYet,
        "cold": .notYet, "snoozed": .notYet, "bad_timing": .notYet, "on_ice": .notYet, "future": .notYet,
        "closed_won": .won, "won": .won, "customer": .won, "closed_converted": .won, "converted": .won, "signed": .won,
        "closed_lost": .lost, "lost": .lost, "dead": .lost,
        "closed": .closed, "no": .closed, "not_interested": .closed, "disqualified": .closed, "unqualified": .closed,
        "closed_not_converted": .closed, "rejected": .closed, "junk": .closed,
        "new": .new, "new_lead": .new, "lead": .new, "prospect": .new, "open": .new, "open_not_contacted": .new,
        "not_contacted": .new, "to_contact": .new, "uncontacted": .new,
        "active": .active, "attempted_to_contact": .active, "attempted": .active, "in_progress": .active, "working": .active,
        "working_contacted": .active, "contacted": .active, "following_up": .active, "follow_up": .active, "reached_out": .active,
        "engaged": .engaged, "connected": .engaged, "open_deal": .engaged, "qualified": .engaged, "replied": .engaged,
        "responded": .engaged, "interested": .engaged, "meeting_booked": .engaged, "meeting_scheduled": .engaged,
        "demo_scheduled": .engaged, "negotiation": .engaged, "proposal_sent": .engaged, "in_conversation": .engaged,
        "paused": .paused, "on_hold": .paused, "hold": .paused,
    ]

    /// A status word: the method's own (`not_yet`) or one of `statusWords`,
    /// without regard to case, spaces, hyphens or slashes.
    public static func status(_ text: String) -> Reading<LeadStatus> {
        let key = normalisedWord(text)
        if let status = LeadStatus(rawValue: key) { return .exact(status) }
        if let status = statusWords[key] { return .exact(status) }
        return .invalid(
            expected:
                "a status: one of \(LeadStatus.allCases.map(\.rawValue).joined(separator: ", ")), or a word such as \"not now\", \"closed won\" (README lists them)"
        )
    }

    static func normalisedWord(_ text: String) -> String {
        var result = ""
        for character in text.lowercased() {
            if " -_/".contains(character) {
                if !result.isEmpty, result.last != "_" { result.append("_") }
            } else {
                result.append(character)
            }
        }
        while result.last == "_" { result.removeLast() }
        return result
    }

    /// A fiscal year's first day: `MM-DD`, or a full date (its month and day count).
    public static func fiscalYearStart(_ text: String, order: DateOrder?) -> Reading<MonthDay> {
        if let day = MonthDay(text.trimmed) { return .exact(day) }
        if let date = date(text, order: order).value, let day = MonthDay(String(date.description.dropFirst(5))) { return .read(day, how: "its month and day") }
        return .invalid(expected: "a month and day, MM-DD, such as 04-01")
    }

    /// A time zone: an IANA name `isKnown` accepts; else the IANA zone of a
    /// common name or abbreviation ("Central Time", "EST", "CET", Windows'
    /// "(UTC-05:00) Eastern Time (US & Canada)") or of a city ("Paris"),
    /// read with a note; else suggestions for a misspelt name.
    public static func timeZone(_ text: String, isKnown: (String) -> Bool) -> Reading<String> {
        let text = text.trimmed
        if isKnown(text) { return .exact(text) }
        let candidates = TimeZone.knownTimeZoneIdentifiers
        if let same = candidates.first(where: { $0.lowercased() == text.lowercased() }), isKnown(same) {
            return .read(same, how: "as \(same)")
        }
        let key = zoneKey(text)
        if let zone = zoneNames[key] ?? cities[key], isKnown(zone) {
            return .read(zone, how: "as \(zone)")
        }
        let close = Suggestions.closest(to: text, in: candidates.filter(isKnown))
        return .invalid(
            expected: "an IANA name such as America/New_York" + (close.isEmpty ? "" : " (did you mean \(close.joined(separator: " or "))?)"))
    }

    /// Lower case letters only, without "(UTC-05:00)", "time", "standard", "(US & Canada)".
    static func zoneKey(_ text: String) -> String {
        var text = text.lowercased().folding(options: .diacriticInsensitive, locale: nil)
        while let open = text.firstIndex(of: "("), let close = text[open...].firstIndex(of: ")") { text.removeSubrange(open...close) }
        let words = text.split(whereSeparator: { !$0.isLetter }).filter { !["time", "standard", "daylight", "zone", "us", "canada"].contains($0) }
        return words.joined()
    }

    /// Names and abbreviations people write for a zone (keys as `zoneKey` makes them).
    static let zoneNames: [String: String] = [
        "eastern": "America/New_York", "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
        "central": "America/Chicago", "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago",
        "mountain": "America/Denver", "mst": "America/Denver", "mdt": "America/Denver", "mt": "America/Denver",
        "pacific": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
        "alaska": "America/Anchorage", "akst": "America/Anchorage", "hawaii": "Pacific/Honolulu", "hst": "Pacific/Honolulu",
        "arizona": "America/Phoenix", "atlantic": "America/Halifax",
        "cet": "Europe/Berlin", "cest": "Europe/Berlin", "centraleuropean": "Europe/Berlin", "romance": "Europe/Paris",
        "westeurope": "Europe/Berlin", "centraleurope": "Europe/Budapest", "weteuropean": "Europe/Lisbon",
        "eet": "Europe/Athens", "eest": "Europe/Athens", "easterneuropean": "Europe/Bucharest", "wet": "Europe/Lisbon",
        "bst": "Europe/London", "greenwichmean": "Europe/London", "gmtbritish": "Europe/London", "britishsummer": "Europe/London",
        "ist": "Asia/Kolkata", "india": "Asia/Kolkata", "jst": "Asia/Tokyo", "tokyo": "Asia/Tokyo", "kst": "Asia/Seoul",
        "sgt": "Asia/Singapore", "hkt": "Asia/Hong_Kong", "china": "Asia/Shanghai",
        "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "auseastern": "Australia/Sydney", "awst": "Australia/Perth",
        "acst": "Australia/Adelaide", "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland", "newzealand": "Pacific/Auckland",
        "brt": "America/Sao_Paulo", "msk": "Europe/Moscow", "russian": "Europe/Moscow", "sast": "Africa/Johannesburg",
        "utc": "UTC", "gmt": "UTC", "coordinateduniversal": "UTC", "z": "UTC",
    ]

    /// Each zone's city (the last part of its name), as `zoneKey` makes it:
    /// "New York" is America/New_York.
    static let cities: [String: String] = {
        var cities: [String: String] = [:]
        for zone in TimeZone.knownTimeZoneIdentifiers where zone.contains("/") && !zone.hasPrefix("Etc/") {
            let city = zoneKey(String(zone.split(separator: "/").last!))
            if cities[city] == nil { cities[city] = zone }
        }
        return cities
    }()
}
