internal import CLibical

/// One problem found in an iCalendar file, at the line where it starts.
public struct ICalLintProblem: Hashable, Sendable, CustomStringConvertible {
    /// 1-based physical line.
    public var line: Int
    public var message: String

    public var description: String { "\(line): \(message)" }
}

/// Checks any iCalendar text, ours or another tool's: libical's parser and
/// its restriction checker, plus the feed-hygiene rules clients trip over.
///
/// The raw-text rules are written here rather than taken from libical
/// because libical repairs or accepts what they catch (bare LF, long lines,
/// floating times) and keeps no line numbers.
public enum ICalLint {
    public static func check(_ bytes: [UInt8]) -> [ICalLintProblem] {
        var problems = checkOctets(bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = logicalLines(bytes)
        problems += checkContentLines(lines)
        problems += checkWithLibical(text, componentLines: componentStartLines(lines))
        return problems.sorted { ($0.line, $0.message) < ($1.line, $1.message) }
    }

    // MARK: - Octets: CRLF, 75-octet lines, UTF-8, control characters

    private static func checkOctets(_ bytes: [UInt8]) -> [ICalLintProblem] {
        var problems: [ICalLintProblem] = []
        var line = 1, start = 0
        var bareLF: [Int] = []
        func checkLine(_ range: Range<Int>, endsWithCRLF: Bool, isLast: Bool) {
            var content = range
            if endsWithCRLF { content = range.lowerBound..<(range.upperBound - 1) }
            if !isLast && !endsWithCRLF { bareLF.append(line) }
            if content.count > 75 {
                problems.append(ICalLintProblem(line: line, message: "the line is \(content.count) octets long; fold lines at 75 octets"))
            }
            let slice = Array(bytes[content])
            if String(validating: slice, as: UTF8.self) == nil {
                problems.append(ICalLintProblem(line: line, message: "the line is not valid UTF-8 (or a fold splits a character)"))
            } else if let control = slice.first(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
                problems.append(ICalLintProblem(line: line, message: "control character 0x\(String(control, radix: 16, uppercase: true)) in the line"))
            }
        }
        for index in bytes.indices where bytes[index] == 0x0A {
            checkLine(start..<index, endsWithCRLF: index > start && bytes[index - 1] == 0x0D, isLast: false)
            start = index + 1
            line += 1
        }
        if start < bytes.count {
            checkLine(start..<bytes.count, endsWithCRLF: false, isLast: true)
            problems.append(ICalLintProblem(line: line, message: "the file does not end with CRLF"))
        }
        if let first = bareLF.first {
            problems.append(
                ICalLintProblem(
                    line: first,
                    message: bareLF.count == 1
                        ? "the line ends with a bare LF; iCalendar lines end with CRLF"
                        : "\(bareLF.count) lines end with a bare LF, this one first; iCalendar lines end with CRLF"))
        }
        return problems
    }

    // MARK: - Content lines

    /// A content line after unfolding, with the physical line it starts on.
    struct ContentLine {
        var line: Int
        var name: String
        var parameters: [(String, String)]
        var value: String
    }

    static func logicalLines(_ bytes: [UInt8]) -> [ContentLine] {
        var result: [ContentLine] = []
        var current: (line: Int, text: [UInt8])?
        var line = 0
        for physical in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            line += 1
            var content = Array(physical)
            if content.last == 0x0D { content.removeLast() }
            if let first = content.first, first == 0x20 || first == 0x09, current != nil {
                current!.text += content.dropFirst()
                continue
            }
            if let current { result.append(parse(current.line, current.text)) }
            current = content.isEmpty ? nil : (line, content)
        }
        if let current { result.append(parse(current.line, current.text)) }
        return result
    }

    /// Splits `NAME;PARAM=VALUE;...:VALUE`, minding quoted parameter values.
    private static func parse(_ line: Int, _ bytes: [UInt8]) -> ContentLine {
        let text = String(decoding: bytes, as: UTF8.self)
        var parts: [String] = [], current = "", quoted = false
        var value = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\"" { quoted.toggle() }
            if !quoted && (character == ";" || character == ":") {
                parts.append(current)
                current = ""
                if character == ":" {
                    value = String(text[text.index(after: index)...])
                    break
                }
            } else {
                current.append(character)
            }
            index = text.index(after: index)
        }
        if index == text.endIndex { parts.append(current) }
        let parameters = parts.dropFirst().map { part -> (String, String) in
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            var value = pieces.count > 1 ? pieces[1] : ""
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return (pieces.first?.uppercased() ?? "", value)
        }
        return ContentLine(line: line, name: (parts.first ?? "").uppercased(), parameters: parameters, value: value)
    }

    private static let timeProperties: Set<String> = ["DTSTART", "DTEND", "DUE", "RECURRENCE-ID", "EXDATE", "RDATE", "COMPLETED"]
    /// Single-valued TEXT properties, where `,` and `;` must be escaped.
    private static let textProperties: Set<String> = ["SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT", "CONTACT"]

    /// `YYYYMMDD` or `YYYYMMDDTHHMMSS` with an optional `Z`, naming a day
    /// that exists and a time of day (a leap second allowed).
    static func isValidDateOrDateTime(_ value: Substring) -> Bool {
        let bytes = Array(value.utf8)
        func number(_ range: Range<Int>) -> Int? {
            var result = 0
            for byte in bytes[range] {
                guard (0x30...0x39).contains(byte) else { return nil }
                result = result * 10 + Int(byte - 0x30)
            }
            return result
        }
        guard bytes.count == 8 || bytes.count == 15 || (bytes.count == 16 && bytes[15] == UInt8(ascii: "Z")),
            let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            (1...12).contains(month), day >= 1
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard day <= days else { return false }
        if bytes.count == 8 { return true }
        guard bytes[8] == UInt8(ascii: "T"), let hour = number(9..<11), let minute = number(11..<13),
            let second = number(13..<15)
        else { return false }
        return hour <= 23 && minute <= 59 && second <= 60
    }

    /// The first `,` or `;` in TEXT that no backslash escapes.
    static func firstUnescapedSeparator(_ value: String) -> Character? {
        var escaped = false
        for character in value {
            if escaped { escaped = false; continue }
            if character == "\\" { escaped = true; continue }
            if character == "," || character == ";" { return character }
        }
        return nil
    }

    private static func checkContentLines(_ lines: [ContentLine]) -> [ICalLintProblem] {
        var problems: [ICalLintProblem] = []
        let zones = Set(
            lines.enumerated().compactMap { index, line in
                line.name == "TZID" && index > 0 ? line.value : nil
            })
        var stack: [(kind: String, line: Int, properties: Set<String>, uid: String?)] = []
        var masters: [String: Int] = [:]
        for line in lines {
            switch line.name {
            case "BEGIN":
                stack.append((line.value.uppercased(), line.line, [], nil))
                continue
            case "END":
                guard let top = stack.popLast() else {
                    problems.append(ICalLintProblem(line: line.line, message: "END:\(line.value) without a BEGIN"))
                    continue
                }
                if top.kind == "VALARM" {
                    for required in ["ACTION", "TRIGGER"] where !top.properties.contains(required) {
                        problems.append(ICalLintProblem(line: top.line, message: "VALARM has no \(required)"))
                    }
                }
                if top.kind == "VEVENT" || top.kind == "VTODO" {
                    for required in ["UID", "DTSTAMP"] where !top.properties.contains(required) {
                        problems.append(ICalLintProblem(line: top.line, message: "\(top.kind) has no \(required)"))
                    }
                    if top.kind == "VEVENT" && !top.properties.contains("DTSTART") {
                        problems.append(ICalLintProblem(line: top.line, message: "VEVENT has no DTSTART"))
                    }
                    // Overrides (RECURRENCE-ID) share their master's UID; masters may not.
                    if let uid = top.uid, !top.properties.contains("RECURRENCE-ID") {
                        if let first = masters[uid] {
                            problems.append(
                                ICalLintProblem(
                                    line: top.line, message: "UID \(uid) is also the UID of the component on line \(first); a UID names one component"))
                        } else {
                            masters[uid] = top.line
                        }
                    }
                }
                continue
            default:
                break
            }
            guard let kind = stack.last?.kind else { continue }
            stack[stack.count - 1].properties.insert(line.name)
            let inItem = kind == "VEVENT" || kind == "VTODO" || kind == "VJOURNAL"
            if inItem && line.name == "UID" { stack[stack.count - 1].uid = line.value }
            if let tzid = line.parameters.first(where: { $0.0 == "TZID" })?.1, !zones.contains(tzid) {
                problems.append(ICalLintProblem(line: line.line, message: "\(line.name) names TZID \(tzid), which has no VTIMEZONE in the calendar"))
            }
            if inItem, timeProperties.contains(line.name) {
                let isDate = line.parameters.contains { $0.0 == "VALUE" && $0.1.uppercased() == "DATE" }
                let hasZone = line.parameters.contains { $0.0 == "TZID" }
                let floating = line.value.split(separator: ",").contains { $0.contains("T") && !$0.hasSuffix("Z") }
                if !isDate && !hasZone && floating {
                    problems.append(
                        ICalLintProblem(line: line.line, message: "\(line.name) is a floating time (no TZID, no Z): each client reads it in its own zone"))
                }
            }
            if inItem, timeProperties.contains(line.name), !line.parameters.contains(where: { $0.0 == "VALUE" && $0.1.uppercased() == "PERIOD" }) {
                for value in line.value.split(separator: ",", omittingEmptySubsequences: false) where !isValidDateOrDateTime(value) {
                    problems.append(
                        ICalLintProblem(
                            line: line.line, message: "\(line.name) value \"\(value)\" is not a real DATE (YYYYMMDD) or DATE-TIME (YYYYMMDDTHHMMSS[Z])"))
                }
            }
            if textProperties.contains(line.name), let unescaped = firstUnescapedSeparator(line.value) {
                problems.append(
                    ICalLintProblem(
                        line: line.line,
                        message: "\(line.name) has an unescaped \"\(unescaped)\"; TEXT writes it as \\\(unescaped) (some readers cut the text there)"))
            }
            if line.name == "CATEGORIES", line.value.contains("\\,") {
                problems.append(
                    ICalLintProblem(line: line.line, message: "CATEGORIES has a comma inside a category name (\\,); several readers split it there"))
            }
        }
        for open in stack {
            problems.append(ICalLintProblem(line: open.line, message: "BEGIN:\(open.kind) is never closed"))
        }
        return problems
    }

    /// The line each VEVENT/VTODO starts on, by UID.
    private static func componentStartLines(_ lines: [ContentLine]) -> [String: Int] {
        var result: [String: Int] = [:]
        var start = 1
        for line in lines {
            if line.name == "BEGIN", ["VEVENT", "VTODO", "VJOURNAL"].contains(line.value.uppercased()) { start = line.line }
            if line.name == "UID", result[line.value] == nil { result[line.value] = start }
        }
        return result
    }

    // MARK: - libical: parser, restriction tables, resolved times

    private static func checkWithLibical(_ text: String, componentLines: [String: Int]) -> [ICalLintProblem] {
        guard let raw = icalparser_parse_string(LineFolder.forParsing(text)) else {
            return [ICalLintProblem(line: 1, message: "libical cannot parse the file at all")]
        }
        let root = ComponentHandle(owning: raw)
        var problems: [ICalLintProblem] = []
        let calendars = root.calendars()
        if calendars.isEmpty { return [ICalLintProblem(line: 1, message: "no VCALENDAR in the file")] }
        func lineOf(_ component: OpaquePointer) -> Int {
            icalcomponent_get_uid(component).flatMap { componentLines[String(cString: $0)] } ?? 1
        }
        for calendar in calendars {
            problems += errors(in: calendar, children: false).map { ICalLintProblem(line: 1, message: "libical: \($0)") }
            for current in children(of: calendar) {
                let line = lineOf(current)
                problems += errors(in: current).map { ICalLintProblem(line: line, message: "libical: \($0)") }
                problems += restrictionProblems(calendar, current, at: line)
                problems += timeProblems(current, at: line)
            }
        }
        return problems
    }

    /// The texts of the X-LIC-ERROR properties libical's parser or
    /// restriction check added to a component and its children.
    private static func errors(in component: OpaquePointer, children includingChildren: Bool = true) -> [String] {
        var texts = properties(of: component, ICAL_XLICERROR_PROPERTY).map { icalproperty_get_xlicerror($0).map { String(cString: $0) } ?? "error" }
        guard includingChildren else { return texts }
        for child in ICal.children(of: component) { texts += errors(in: child) }
        return texts
    }

    /// libical's restriction tables (RFC 5545, and RFC 5546 for the METHOD
    /// the calendar names) for one component, in a calendar of its own:
    /// `icalrestriction_check` stops at the first component that fails.
    private static func restrictionProblems(_ calendar: OpaquePointer, _ component: OpaquePointer, at line: Int) -> [ICalLintProblem] {
        guard icalcomponent_isa(component) != ICAL_VTIMEZONE_COMPONENT,
            let shellRaw = icalcomponent_new(ICAL_VCALENDAR_COMPONENT)
        else { return [] }
        var shell = ComponentHandle(owning: shellRaw)
        for property in properties(of: calendar) {
            // libical: the clone is the caller's until the shell takes it.
            if icalproperty_isa(property) != ICAL_XLICERROR_PROPERTY, let clone = icalproperty_new_clone(property) {
                shell.withBorrowed { icalcomponent_add_property($0, clone) }
            }
        }
        guard let clone = icalcomponent_new_clone(component) else { return [] }
        shell.add(ComponentHandle(owning: clone))
        // The clone carries the parser's errors too; those are reported already.
        let parserErrors = Set(errors(in: component))
        return shell.withBorrowed { shell in
            guard icalrestriction_check(shell) == 0, let inner = icalcomponent_get_first_component(shell, ICAL_ANY_COMPONENT) else { return [] }
            return errors(in: inner).filter { !parserErrors.contains($0) }
                .map { ICalLintProblem(line: line, message: "libical restriction: \($0)") }
        }
    }

    /// An end before its start: DUE before DTSTART, DTEND before DTSTART.
    private static func timeProblems(_ component: OpaquePointer, at line: Int) -> [ICalLintProblem] {
        let kind = icalcomponent_isa(component)
        guard kind == ICAL_VEVENT_COMPONENT || kind == ICAL_VTODO_COMPONENT,
            icalcomponent_get_first_property(component, ICAL_DTSTART_PROPERTY) != nil
        else { return [] }
        let start = icalcomponent_get_dtstart(component)
        let endProperty = kind == ICAL_VTODO_COMPONENT ? ICAL_DUE_PROPERTY : ICAL_DTEND_PROPERTY
        guard icalcomponent_get_first_property(component, endProperty) != nil else { return [] }
        let end = kind == ICAL_VTODO_COMPONENT ? icalcomponent_get_due(component) : icalcomponent_get_dtend(component)
        guard icaltime_is_null_time(start) == 0, icaltime_is_null_time(end) == 0 else { return [] }
        var problems: [ICalLintProblem] = []
        if (start.is_date != 0) != (end.is_date != 0) {
            problems.append(
                ICalLintProblem(line: line, message: "\(kind == ICAL_VTODO_COMPONENT ? "DUE" : "DTEND") and DTSTART differ in value type (DATE and DATE-TIME)"))
        }
        if icaltime_as_timet_with_zone(end, end.zone) < icaltime_as_timet_with_zone(start, start.zone) {
            problems.append(
                ICalLintProblem(
                    line: line,
                    message: kind == ICAL_VTODO_COMPONENT
                        ? "DUE is before DTSTART" : "DTEND is before DTSTART"))
        }
        return problems
    }
}
