/// One owner's own working day, as a playbook's `owners:` section gives it:
/// each field left nil takes the playbook's.
public struct OwnerDay: Hashable, Sendable {
    /// The IANA zone the owner works in: their touches are timed in it,
    /// and their day (today, the end of the working day) is its.
    public var timeZone: String?
    /// ISO weekdays the owner works (1 = Monday … 7 = Sunday).
    public var workingWeekdays: Set<Int>?
    public var dayStart: TimeOfDay?
    public var dayEnd: TimeOfDay?
    /// Whose public holidays the owner has off: an ISO 3166 code, or a
    /// subdivision such as `DE-BY`.
    public var country: String?
    /// Touches a day.
    public var capacity: Int?
    /// Days away ("2026-12-21 to 2027-01-03"): nothing lands on them.
    public var away: [AwayPeriod]

    public init(
        timeZone: String? = nil, workingWeekdays: Set<Int>? = nil, dayStart: TimeOfDay? = nil, dayEnd: TimeOfDay? = nil,
        country: String? = nil, capacity: Int? = nil, away: [AwayPeriod] = []
    ) {
        self.timeZone = timeZone; self.workingWeekdays = workingWeekdays; self.dayStart = dayStart; self.dayEnd = dayEnd
        self.country = country; self.capacity = capacity; self.away = away
    }
}

/// Days an owner is away, both ends included.
public struct AwayPeriod: Hashable, Sendable, CustomStringConvertible {
    public var from: LocalDate
    public var to: LocalDate

    public init(from: LocalDate, to: LocalDate) {
        precondition(from <= to, "an away period ends on or after its start")
        self.from = from
        self.to = to
    }

    public var description: String { from == to ? from.description : "\(from) to \(to)" }
}

/// A lead's or an owner's country, as the `country` column and the
/// playbook write it: `DE`, or a subdivision `DE-BY`, `US-CA`.
public enum Region {
    /// The code in upper case when `text` is one (two letters, then
    /// optionally a dash and one to three letters or digits), else nil.
    public static func code(_ text: some StringProtocol) -> String? {
        let upper = text.uppercased()
        let parts = upper.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts[0].count == 2, parts[0].allSatisfy({ ("A"..."Z").contains($0) }) else { return nil }
        if parts.count == 2 {
            guard (1...3).contains(parts[1].count), parts[1].allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) }) else { return nil }
        }
        return upper
    }
}
