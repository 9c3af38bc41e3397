import ArgumentParser
import FollowUp
import Foundation

/// `--now`, for every command that plans or records: validated here, once.
struct NowOption: ParsableArguments {
    @Option(
        name: .customLong("now"),
        help: ArgumentHelp(
            "Today, for a reproducible run: 2026-12-01, or a date-time such as 2026-12-01T08:00:00Z. Defaults to $FOLLOWUP_NOW, else the clock.",
            valueName: "date"))
    var given: String?

    /// The environment variable that stands for `--now` when it is not given.
    static let variable = "FOLLOWUP_NOW"

    /// --now, else $FOLLOWUP_NOW (an empty one is not set), else nil: the clock.
    var now: String? {
        if let given { return given }
        guard let value = ProcessInfo.processInfo.environment[Self.variable], !value.isEmpty else { return nil }
        return value
    }

    func validate() throws {
        // A date-time without a zone is valid in any zone the machine knows.
        if let now, PlanningNow.parse(now, zone: TimeZone.current.identifier) == nil {
            let source = given == nil ? "$\(Self.variable)" : "--now"
            throw ValidationError("\(source) \"\(now)\" is not a date or date-time; expected 2026-12-01 or 2026-12-01T08:00:00Z.")
        }
    }

    /// What today is for a plan whose default zone is `zone`: --now, or the clock.
    func planningNow(zone: String, clock: Date) -> PlanningNow {
        Self.planningNow(now, zone: zone, clock: clock)
    }

    /// Today's date in `zone`: --now's day (a date-time's, in `zone`), else the clock's.
    func today(zone: String = TimeZone.current.identifier, clock: Date = Date()) -> LocalDate {
        Self.today(now, zone: zone, clock: clock)
    }

    static func planningNow(_ now: String?, zone: String, clock: Date) -> PlanningNow {
        now.flatMap { PlanningNow.parse($0, zone: zone) } ?? .instant(clock)
    }

    /// `today(zone:clock:)` for a --now given or not (nil: the clock).
    static func today(_ now: String?, zone: String = TimeZone.current.identifier, clock: Date = Date()) -> LocalDate {
        let instant: Date
        switch planningNow(now, zone: zone, clock: clock) {
        case .date(let date): return date
        case .instant(let value): instant = value
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone) ?? .current
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return LocalDate(year: parts.year!, month: parts.month!, day: parts.day!)!
    }
}

/// `clock` on this machine's clock and zone, to the second: the moment a
/// touch is logged at (`log` without --at, a button of `serve`'s pages).
func localDateTime(_ clock: Date) -> LocalDateTime? {
    let parts = Calendar.current.dateComponents([.year, .month, .day, .hour, .minute, .second], from: clock)
    guard let day = LocalDate(year: parts.year!, month: parts.month!, day: parts.day!), let time = TimeOfDay(hour: parts.hour!, minute: parts.minute!)
    else { return nil }
    return LocalDateTime(date: day, time: time, second: parts.second!)
}

/// The days a plan made around `today` can reach: a playbook's holiday
/// calendars are expanded over them.
func holidayRange(around today: LocalDate) -> ClosedRange<LocalDate> {
    today.adding(days: -800)...today.adding(days: 4_100)
}

extension PlanningNow {
    /// Reads `--now`: an ISO 8601 date (`2026-12-01`), or a date-time
    /// (`2026-12-01T08:30`, with seconds, `Z` or an offset such as `+01:00`).
    /// A date-time without a zone is read in `zone`.
    public static func parse(_ text: String, zone: String) -> PlanningNow? {
        if let date = LocalDate(iso: text) { return .date(date) }
        let formatter = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]] {
            formatter.formatOptions = options
            if let instant = formatter.date(from: text) { return .instant(instant) }
        }
        // No zone: a wall time in the default zone.
        guard let local = LocalDateTime(iso: text), let timeZone = TimeZone(identifier: zone) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = DateComponents(
            year: local.date.year, month: local.date.month, day: local.date.day,
            hour: local.time.hour, minute: local.time.minute, second: local.second)
        return calendar.date(from: components).map { .instant($0) }
    }
}
