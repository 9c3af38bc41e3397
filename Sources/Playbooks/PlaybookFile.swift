import FollowUp
import Foundation
import ICal
import Yams

/// A playbook file that cannot be used: where, which key, and why.
public struct PlaybookError: Error, CustomStringConvertible, Sendable {
    public let file: String
    /// 1-based; nil when the problem is not at one place (the file is missing).
    public let line: Int?
    /// The key's path in the file, such as `nurture.quarterly.every_months`.
    public let key: String?
    public let message: String

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let key { text += "\(key): " }
        return text + message
    }
}

/// Reads and writes playbook files: the follow-up method as YAML.
///
/// Every key is optional and falls back on the built-in method
/// (`Playbook.standard`), so a file can hold just what it changes; `cadence`,
/// when given, is the whole cadence. An unknown key, a value of the wrong
/// kind, a window that ends before it starts, an unknown time zone and a
/// text that is not a valid template are errors that name the file, the line
/// and the key. YAML is read with Yams (libyaml); the checks are ours because
/// they are about the method, not the syntax.
public enum PlaybookFile {
    /// Reads the playbook at `path`. Holiday calendars it names are read
    /// relative to the file's folder, for the days in `holidayRange`.
    public static func load(path: String, holidayRange: ClosedRange<LocalDate>) throws(PlaybookError) -> Playbook {
        var warnings: [PlaybookError] = []
        return try load(path: path, holidayRange: holidayRange, warnings: &warnings)
    }

    /// `load`, adding to `warnings` what was read only in part (an event of
    /// a holiday calendar that cannot be read, at its line in that file).
    public static func load(
        path: String, holidayRange: ClosedRange<LocalDate>,
        warnings: inout [PlaybookError]
    ) throws(PlaybookError) -> Playbook {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PlaybookError(file: path, line: nil, key: nil, message: "cannot be read as UTF-8 text: \(Self.reason(error))")
        }
        let folder = (path as NSString).deletingLastPathComponent
        return try parse(text, file: path, folder: folder.isEmpty ? "." : folder, holidayRange: holidayRange, warnings: &warnings)
    }

    /// Reads playbook text; `file` names it in errors.
    public static func parse(
        _ text: String, file: String, folder: String = ".",
        holidayRange: ClosedRange<LocalDate>
    ) throws(PlaybookError) -> Playbook {
        var warnings: [PlaybookError] = []
        return try parse(text, file: file, folder: folder, holidayRange: holidayRange, warnings: &warnings)
    }

    /// `parse`, adding to `warnings` what was read only in part.
    public static func parse(
        _ text: String, file: String, folder: String = ".", holidayRange: ClosedRange<LocalDate>,
        warnings: inout [PlaybookError]
    ) throws(PlaybookError) -> Playbook {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.syntaxError(error, file: file)
        } catch {
            throw PlaybookError(file: file, line: nil, key: nil, message: "is not YAML: \(error)")
        }
        var reader = Reader(file: file, folder: folder, holidayRange: holidayRange)
        guard let root else { return .standard }
        defer { warnings += reader.warnings.items }
        return try reader.playbook(root)
    }

    private static func syntaxError(_ error: YamlError, file: String) -> PlaybookError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return PlaybookError(file: file, line: mark.line, key: nil, message: "is not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return PlaybookError(
                file: file, line: context.mark.line, key: duplicates.first,
                message: "appears more than once in the same mapping")
        default:
            return PlaybookError(file: file, line: nil, key: nil, message: "is not valid YAML: \(error)")
        }
    }

    static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }
}

/// Walks the YAML tree of a playbook, checking every key.
private struct Reader {
    let file: String
    let folder: String
    let holidayRange: ClosedRange<LocalDate>
    /// What was read only in part, in the order found.
    let warnings = Warnings()

    final class Warnings {
        var items: [PlaybookError] = []
    }

    init(file: String, folder: String, holidayRange: ClosedRange<LocalDate>) {
        self.file = file
        self.folder = folder
        self.holidayRange = holidayRange
    }

    func fail(_ node: Node?, _ key: String, _ message: String) -> PlaybookError {
        PlaybookError(file: file, line: node?.mark?.line, key: key, message: message)
    }

    /// The pairs of a mapping, every key checked against `allowed`.
    func mapping(_ node: Node, _ path: String, allowed: [String]) throws(PlaybookError) -> [String: Node] {
        guard let mapping = node.mapping else {
            throw fail(node, path.isEmpty ? "(top level)" : path, "expected a mapping of keys to values")
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let full = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                throw fail(keyNode, full, "unknown key; expected one of \(allowed.joined(separator: ", "))")
            }
            result[key] = value
        }
        return result
    }

    func string(_ node: Node, _ key: String) throws(PlaybookError) -> String {
        guard let scalar = node.scalar else { throw fail(node, key, "expected text") }
        return scalar.string
    }

    func integer(_ node: Node, _ key: String, _ range: ClosedRange<Int>, _ what: String) throws(PlaybookError) -> Int {
        guard let text = node.scalar?.string, let value = Int(text.trimmed), range.contains(value) else {
            let shown = node.scalar.map { "\"\($0.string)\"" } ?? "a \(node.mapping != nil ? "mapping" : "list")"
            throw fail(node, key, "expected \(what) from \(range.lowerBound) to \(range.upperBound), not \(shown)")
        }
        return value
    }

    func template(_ node: Node, _ key: String) throws(PlaybookError) -> String {
        let text = try string(node, key)
        if let problem = Planner.nestingError(text) { throw fail(node, key, problem) }
        if let problem = Planner.templateError(text) {
            throw fail(node, key, "is not a valid template: \(problem)")
        }
        return text
    }

    func time(_ node: Node, _ key: String) throws(PlaybookError) -> TimeOfDay {
        let text = try string(node, key).trimmed
        guard let time = TimeOfDay(text) ?? TimeOfDay("0" + text) else {
            throw fail(node, key, "expected a time of day such as \"09:30\", not \"\(text)\"")
        }
        return time
    }

    mutating func playbook(_ root: Node) throws(PlaybookError) -> Playbook {
        var playbook = Playbook.standard
        let top = try mapping(
            root, "",
            allowed: [
                "timezone", "date_order", "horizon_days", "working_days", "working_hours", "touch_minutes", "alarm_minutes_before",
                "minimum_gap_business_days", "daily_capacity", "capacity_by_owner", "new_lead_window_days",
                "holidays", "holiday_calendars", "country_holidays", "owners", "slot_minutes",
                "cadence", "close_the_loop", "next_steps", "nurture",
            ])
        if let node = top["timezone"] {
            let zone = try string(node, "timezone").trimmed
            guard TimeZone(identifier: zone) != nil, TimeZoneCatalog().knows(zone) else {
                throw fail(node, "timezone", "unknown time zone \"\(zone)\"; expected an IANA name such as America/New_York")
            }
            playbook.timeZone = zone
        }
        if let node = top["date_order"] {
            let name = try string(node, "date_order").trimmed
            guard let order = DateOrder(rawValue: name.lowercased()) else {
                throw fail(node, "date_order", "\"\(name)\" is not dmy or mdy; expected dmy (day first, 24/11/2026) or mdy (month first, 11/24/2026)")
            }
            playbook.dateOrder = order
        }
        if let node = top["horizon_days"] { playbook.horizonDays = try integer(node, "horizon_days", 0...3660, "a number of days") }
        if let node = top["touch_minutes"] { playbook.touchMinutes = try integer(node, "touch_minutes", 1...480, "a number of minutes") }
        if let node = top["alarm_minutes_before"] {
            playbook.alarmMinutesBefore = try integer(node, "alarm_minutes_before", 0...10_080, "a number of minutes")
        }
        if let node = top["minimum_gap_business_days"] {
            playbook.minimumGapBusinessDays = try integer(node, "minimum_gap_business_days", 0...60, "a number of business days")
        }
        if let node = top["new_lead_window_days"] {
            playbook.newLeadWindowDays = try integer(node, "new_lead_window_days", 0...60, "a number of days")
        }
        if let node = top["daily_capacity"] {
            if let text = node.scalar?.string, ["none", "unlimited", "~", "null", ""].contains(text.trimmed.lowercased()) {
                playbook.dailyCapacity = nil
            } else {
                playbook.dailyCapacity = try integer(node, "daily_capacity", 1...100_000, "touches a day (or none)")
            }
        }
        if let node = top["capacity_by_owner"] {
            guard let map = node.mapping else { throw fail(node, "capacity_by_owner", "expected a mapping of owner names to touches a day") }
            var capacities: [String: Int] = [:]
            for (keyNode, value) in map {
                let owner = (keyNode.string ?? "").trimmed
                guard !owner.isEmpty else { throw fail(keyNode, "capacity_by_owner", "an owner's name is empty") }
                capacities[owner] = try integer(value, "capacity_by_owner.\(owner)", 1...100_000, "touches a day")
            }
            playbook.capacityByOwner = capacities
        }
        if let node = top["working_days"] { playbook.calendar.workingWeekdays = try weekdays(node, "working_days") }
        if let node = top["working_hours"] {
            let hours = try mapping(node, "working_hours", allowed: ["start", "end"])
            if let start = hours["start"] { playbook.touchTime = try time(start, "working_hours.start") }
            if let end = hours["end"] { playbook.workdayEnd = try time(end, "working_hours.end") }
            guard playbook.touchTime < playbook.workdayEnd else {
                throw fail(node, "working_hours", "the working day ends (\(playbook.workdayEnd)) before it starts (\(playbook.touchTime))")
            }
        }
        if let node = top["slot_minutes"] { playbook.slotMinutes = try integer(node, "slot_minutes", 1...480, "a number of minutes") }
        if let node = top["owners"] { playbook.owners = try owners(node) }
        if let node = top["country_holidays"] { playbook.countryHolidays = try boolean(node, "country_holidays") }
        var holidays: [LocalDate: String] = [:]
        if let node = top["holidays"], let text = node.scalar?.string, text.trimmed.lowercased() == "none" {
            // `holidays: none`: no public holidays by country either.
            playbook.countryHolidays = false
        } else if let node = top["holidays"] {
            try readHolidays(node, into: &holidays)
        }
        if let node = top["holiday_calendars"] { try readHolidayCalendars(node, into: &holidays) }
        playbook.calendar.holidays = holidays

        var steps = Array(playbook.steps.dropLast())
        var closing = playbook.steps.last!
        if let node = top["cadence"] {
            guard let items = node.sequence, !items.isEmpty else {
                throw fail(node, "cadence", "expected a list of one or more steps")
            }
            steps = []
            for (index, item) in items.enumerated() {
                let defaults = Playbook.standard.steps.first { step in item.mapping?["id"]?.string == step.id }
                steps.append(try step(item, "cadence[\(index + 1)]", defaults: defaults))
            }
        }
        if let node = top["close_the_loop"] {
            let fields = try mapping(node, "close_the_loop", allowed: Self.stepKeys + ["then"])
            closing = try step(node, "close_the_loop", defaults: closing, fields: fields)
            if let then = fields["then"] {
                let text = try string(then, "close_the_loop.then").trimmed
                guard let value = AfterCloseTheLoop(rawValue: text) else {
                    throw fail(then, "close_the_loop.then", "expected nurture or close, not \"\(text)\"")
                }
                playbook.afterCloseTheLoop = value
            }
        }
        var ids = Set<String>()
        for (index, step) in (steps + [closing]).enumerated() {
            guard ids.insert(step.id).inserted else {
                throw fail(
                    index < steps.count ? top["cadence"] : top["close_the_loop"], "cadence",
                    "two steps have the id \"\(step.id)\"; touchpoint ids derive from it, so each must be unique")
            }
        }
        let all = steps + [closing]
        for index in all.indices.dropFirst() where all[index].startDay < all[index - 1].startDay {
            let (earlier, later) = (all[index - 1], all[index])
            let isClosing = index == all.count - 1
            throw fail(
                isClosing
                    ? top["close_the_loop"]?.mapping?["from_day"] ?? top["close_the_loop"] ?? top["cadence"]
                    : top["cadence"]?.sequence?[index].mapping?["from_day"] ?? top["cadence"],
                isClosing ? "close_the_loop.from_day" : "cadence[\(index + 1)].from_day",
                "step \"\(later.id)\" starts on day \(later.startDay), before the step before it (\"\(earlier.id)\", day \(earlier.startDay)); steps run in order"
            )
        }
        playbook.steps = steps + [closing]

        if let node = top["next_steps"] {
            let fields = try mapping(node, "next_steps", allowed: ["mine", "theirs", "agree"])
            if let value = fields["mine"] { playbook.nextStepMine = try text(value, "next_steps.mine", defaults: playbook.nextStepMine) }
            if let value = fields["theirs"] { playbook.nextStepTheirs = try text(value, "next_steps.theirs", defaults: playbook.nextStepTheirs) }
            if let value = fields["agree"] { playbook.agreeNextStep = try text(value, "next_steps.agree", defaults: playbook.agreeNextStep) }
        }
        if let node = top["nurture"] {
            let fields = try mapping(node, "nurture", allowed: ["check_back", "quarterly", "fiscal_year_before", "fiscal_year_start", "launch", "event"])
            var rules = playbook.nurture
            if let value = fields["check_back"] { rules.checkBack = try nurtureStep(value, "nurture.check_back", rules.checkBack, offset: nil) }
            if let value = fields["quarterly"] {
                rules.quarterly = try nurtureStep(
                    value, "nurture.quarterly", rules.quarterly, offset: ("every_months", 0...24, "a number of months (0 turns the updates off)"))
            }
            if let value = fields["fiscal_year_before"] {
                rules.fiscalYearBefore = try nurtureStep(
                    value, "nurture.fiscal_year_before", rules.fiscalYearBefore, offset: ("days_before", 1...365, "a number of days"))
            }
            if let value = fields["fiscal_year_start"] {
                rules.fiscalYearStart = try nurtureStep(value, "nurture.fiscal_year_start", rules.fiscalYearStart, offset: nil)
            }
            if let value = fields["launch"] {
                rules.launch = try nurtureStep(value, "nurture.launch", rules.launch, offset: ("days_after", 0...365, "a number of days"))
            }
            if let value = fields["event"] {
                rules.event = try nurtureStep(value, "nurture.event", rules.event, offset: ("business_days_after", 0...60, "a number of business days"))
            }
            playbook.nurture = rules
        }
        return playbook
    }

    static let stepKeys = ["id", "from_day", "to_day", "channel", "title", "prompt", "draft"]
    static let textKeys = ["channel", "title", "prompt", "draft"]

    func step(_ node: Node, _ path: String, defaults: CadenceStep?, fields given: [String: Node]? = nil) throws(PlaybookError) -> CadenceStep {
        let fields: [String: Node]
        if let given { fields = given } else { fields = try mapping(node, path, allowed: Self.stepKeys) }
        func required(_ key: String) throws(PlaybookError) -> Node {
            guard let value = fields[key] else { throw fail(node, "\(path).\(key)", "is missing; a new step needs it") }
            return value
        }
        let id: String
        if let value = fields["id"] {
            id = try string(value, "\(path).id").trimmed
            guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), !id.contains("+") else {
                throw fail(value, "\(path).id", "expected letters, digits, - and _ only, not \"\(id)\"")
            }
        } else if let defaults {
            id = defaults.id
        } else {
            throw fail(node, "\(path).id", "is missing; each step needs an id")
        }
        let from: Int
        if let value = fields["from_day"] {
            from = try integer(value, "\(path).from_day", 0...3650, "a day number")
        } else if let defaults {
            from = defaults.startDay
        } else {
            from = try integer(try required("from_day"), "\(path).from_day", 0...3650, "a day number")
        }
        var to = fields["from_day"] == nil ? defaults?.endDay ?? from : from
        if let value = fields["to_day"] { to = try integer(value, "\(path).to_day", 0...3650, "a day number") }
        guard to >= from else {
            throw fail(fields["to_day"] ?? node, "\(path).to_day", "the window ends on day \(to), before it starts on day \(from)")
        }
        func text(_ key: String, _ fallback: String?) throws(PlaybookError) -> String {
            if let value = fields[key] { return try template(value, "\(path).\(key)") }
            if let fallback { return fallback }
            return key == "title" ? try template(try required(key), "\(path).\(key)") : ""
        }
        let title = try text("title", defaults?.title)
        let prompt = try text("prompt", defaults?.prompt)
        let draft = try text("draft", defaults?.draft)
        var channel = defaults?.channel ?? "email"
        if let value = fields["channel"] { channel = try string(value, "\(path).channel").trimmed }
        return CadenceStep(id: id, startDay: from, endDay: to, title: title, channel: channel, prompt: prompt, draft: draft)
    }

    func text(_ node: Node, _ path: String, defaults: TouchText, extra: [String] = []) throws(PlaybookError) -> TouchText {
        let fields = try mapping(node, path, allowed: Self.textKeys + extra)
        var text = defaults
        if let value = fields["title"] { text.title = try template(value, "\(path).title") }
        if let value = fields["prompt"] { text.prompt = try template(value, "\(path).prompt") }
        if let value = fields["draft"] { text.draft = try template(value, "\(path).draft") }
        if let value = fields["channel"] { text.channel = try string(value, "\(path).channel").trimmed }
        return text
    }

    func nurtureStep(
        _ node: Node, _ path: String, _ defaults: NurtureStep,
        offset: (key: String, range: ClosedRange<Int>, what: String)?
    ) throws(PlaybookError) -> NurtureStep {
        var extra = ["window_days"]
        if let offset { extra.append(offset.key) }
        var step = defaults
        step.text = try text(node, path, defaults: defaults.text, extra: extra)
        let fields = try mapping(node, path, allowed: Self.textKeys + extra)
        if let value = fields["window_days"] { step.windowDays = try integer(value, "\(path).window_days", 0...90, "a number of days") }
        if let offset, let value = fields[offset.key] { step.offset = try integer(value, "\(path).\(offset.key)", offset.range, offset.what) }
        return step
    }

    static let weekdayNames = ["mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7]

    func weekdays(_ node: Node, _ key: String) throws(PlaybookError) -> Set<Int> {
        guard let items = node.sequence, !items.isEmpty else {
            throw fail(node, key, "expected a list of days such as [mon, tue, wed, thu, fri]")
        }
        var days = Set<Int>()
        for item in items {
            let text = (item.scalar?.string ?? "").trimmed.lowercased()
            guard let day = Self.weekdayNames[String(text.prefix(3))], text.count >= 3 else {
                throw fail(item, key, "expected a day such as mon or monday, not \"\(text)\"")
            }
            days.insert(day)
        }
        return days
    }

    func boolean(_ node: Node, _ key: String) throws(PlaybookError) -> Bool {
        switch (node.scalar?.string ?? "").trimmed.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off", "none": return false
        default: throw fail(node, key, "expected true or false")
        }
    }

    /// The `owners:` section: each owner's zone, working days and hours,
    /// country, capacity and away periods.
    func owners(_ node: Node) throws(PlaybookError) -> [String: OwnerDay] {
        guard let map = node.mapping else {
            throw fail(
                node, "owners", "expected a mapping of owner names to their working day (timezone, working_days, working_hours, country, daily_capacity, away)")
        }
        var owners: [String: OwnerDay] = [:]
        for (keyNode, value) in map {
            let name = (keyNode.string ?? "").trimmed
            guard !name.isEmpty else { throw fail(keyNode, "owners", "an owner's name is empty") }
            let path = "owners.\(name)"
            guard owners[name.lowercased()] == nil else { throw fail(keyNode, path, "this owner is listed twice (names match without regard to case)") }
            let fields = try mapping(value, path, allowed: ["timezone", "working_days", "working_hours", "country", "daily_capacity", "away"])
            var owner = OwnerDay()
            if let node = fields["timezone"] {
                let zone = try string(node, "\(path).timezone").trimmed
                guard TimeZone(identifier: zone) != nil, TimeZoneCatalog().knows(zone) else {
                    throw fail(node, "\(path).timezone", "unknown time zone \"\(zone)\"; expected an IANA name such as Europe/Berlin")
                }
                owner.timeZone = zone
            }
            if let node = fields["working_days"] { owner.workingWeekdays = try weekdays(node, "\(path).working_days") }
            if let node = fields["working_hours"] {
                let hours = try mapping(node, "\(path).working_hours", allowed: ["start", "end"])
                let start = try hours["start"].map { node throws(PlaybookError) in try time(node, "\(path).working_hours.start") }
                let end = try hours["end"].map { node throws(PlaybookError) in try time(node, "\(path).working_hours.end") }
                if let start, let end, end <= start {
                    throw fail(node, "\(path).working_hours", "the working day ends (\(end)) before it starts (\(start))")
                }
                owner.dayStart = start
                owner.dayEnd = end
            }
            if let node = fields["country"] {
                let text = try string(node, "\(path).country").trimmed
                guard let code = Region.code(text) else {
                    throw fail(node, "\(path).country", "expected an ISO 3166 country code such as DE, or a subdivision such as DE-BY, not \"\(text)\"")
                }
                owner.country = code
            }
            if let node = fields["daily_capacity"] {
                owner.capacity = try integer(node, "\(path).daily_capacity", 1...100_000, "touches a day")
            }
            if let node = fields["away"] { owner.away = try awayPeriods(node, "\(path).away") }
            owners[name.lowercased()] = owner
        }
        return owners
    }

    /// Away periods: `- 2026-12-21 to 2027-01-03`, `- 2026-12-24`, or
    /// `- {from: 2026-12-21, to: 2027-01-03}`.
    func awayPeriods(_ node: Node, _ key: String) throws(PlaybookError) -> [AwayPeriod] {
        guard let items = node.sequence else {
            throw fail(node, key, "expected a list of days or periods, such as - 2026-12-21 to 2027-01-03")
        }
        var periods: [AwayPeriod] = []
        for (index, item) in items.enumerated() {
            let itemKey = "\(key)[\(index + 1)]"
            let fromText: String, toText: String
            if item.mapping != nil {
                let fields = try mapping(item, itemKey, allowed: ["from", "to"])
                guard let from = fields["from"] else { throw fail(item, "\(itemKey).from", "is missing") }
                fromText = try string(from, "\(itemKey).from").trimmed
                toText = try fields["to"].map { value throws(PlaybookError) in try string(value, "\(itemKey).to").trimmed } ?? fromText
            } else {
                let text = try string(item, itemKey).trimmed
                let parts = text.components(separatedBy: " to ")
                fromText = parts[0].trimmed
                toText = parts.count > 1 ? parts[1].trimmed : fromText
                guard parts.count <= 2 else { throw fail(item, itemKey, "expected one period such as 2026-12-21 to 2027-01-03, not \"\(text)\"") }
            }
            guard let from = LocalDate(iso: fromText), let to = LocalDate(iso: toText) else {
                throw fail(item, itemKey, "expected a date such as 2026-12-21, or a period such as 2026-12-21 to 2027-01-03")
            }
            guard from <= to else { throw fail(item, itemKey, "the period ends (\(to)) before it starts (\(from))") }
            guard from.days(to: to) <= 3660 else { throw fail(item, itemKey, "a period of more than ten years is not time away") }
            periods.append(AwayPeriod(from: from, to: to))
        }
        return periods
    }

    func readHolidays(_ node: Node, into holidays: inout [LocalDate: String]) throws(PlaybookError) {
        guard let items = node.sequence else {
            throw fail(node, "holidays", "expected a list of dates, such as - 2026-12-25 Christmas Day")
        }
        for (index, item) in items.enumerated() {
            let key = "holidays[\(index + 1)]"
            let dateText: String, name: String
            if item.mapping != nil {
                let fields = try mapping(item, key, allowed: ["date", "name"])
                guard let date = fields["date"] else { throw fail(item, "\(key).date", "is missing") }
                dateText = try string(date, "\(key).date").trimmed
                name = try fields["name"].map { value throws(PlaybookError) in try string(value, "\(key).name").trimmed } ?? ""
            } else {
                let text = try string(item, key).trimmed
                dateText = String(text.prefix(10))
                name = String(text.dropFirst(10)).trimmed
            }
            guard let date = LocalDate(iso: dateText) else {
                throw fail(item, key, "expected a date such as 2026-12-25 (optionally followed by its name), not \"\(dateText)\"")
            }
            holidays[date] = name
        }
    }

    func readHolidayCalendars(_ node: Node, into holidays: inout [LocalDate: String]) throws(PlaybookError) {
        guard let items = node.sequence else {
            throw fail(node, "holiday_calendars", "expected a list of .ics files")
        }
        for (index, item) in items.enumerated() {
            let key = "holiday_calendars[\(index + 1)]"
            let name = try string(item, key).trimmed
            let path = name.hasPrefix("/") ? name : (folder as NSString).appendingPathComponent(name)
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw fail(item, key, "\(path) cannot be read: \(PlaybookFile.reason(error))")
            }
            let first = holidayRange.lowerBound, last = holidayRange.upperBound
            let days: [ICalDay]
            do {
                days = try ICalParser.days(text, from: (first.year, first.month, first.day), through: (last.year, last.month, last.day)) { problem in
                    warnings.items.append(PlaybookError(file: path, line: problem.line, key: key, message: "warning: " + problem.message))
                }
            } catch {
                throw fail(item, key, "\(path) is not an iCalendar file: \(error)")
            }
            for day in days {
                guard let date = LocalDate(year: day.year, month: day.month, day: day.day) else { continue }
                // A day the file names twice keeps its first name.
                if holidays[date] == nil { holidays[date] = day.summary }
            }
        }
    }
}
