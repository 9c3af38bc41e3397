import Synchronization

/// Public holidays by country and subdivision, and the country of each
/// time zone: tables generated from maintained sources (the Python
/// `holidays` package and tzdata) by `scripts/holidays/generate.py`, kept
/// in the source so that the planner stays pure (no file, no clock) and a
/// plan is the same on every machine.
///
/// The table's text, one line each: `=US` or `=US-CA` starts a region;
/// under a country, `Name<TAB>yyyymmdd yyyymmdd …` lists a holiday's days;
/// under a subdivision, `+Name<TAB>…` adds days (or renames the country's
/// holiday on them) and `-yyyymmdd …` removes the country's.
public enum HolidayData {
    /// A region's days off: a country (`US`) or a subdivision (`US-CA`,
    /// which has its country's holidays too), by its ISO 3166 code in
    /// any case. nil when the table has no data for the country; an
    /// unknown subdivision of a known country has the country's.
    public static func holidays(of region: String) -> [LocalDate: String]? {
        let code = region.uppercased()
        if let known = parsed.withLock({ $0[code] }) { return known }
        let country = String(code.prefix { $0 != "-" })
        guard let national = index.regions[country] else { return nil }
        var days: [LocalDate: String] = [:]
        apply(national, to: &days)
        if code != country, let local = index.regions[code] { apply(local, to: &days) }
        parsed.withLock { $0[code] = days }
        return days
    }

    /// Regions read so far: each planning call (one per owner, on many
    /// threads) asks for the same few, and reading one is text parsing.
    private static let parsed = Mutex<[String: [LocalDate: String]]>([:])

    /// Whether the table has holidays for `region`'s country.
    public static func knows(_ region: String) -> Bool {
        index.regions[String(region.uppercased().prefix { $0 != "-" })] != nil
    }

    /// The subdivisions the table lists for a country (those whose holidays
    /// differ from the country's), as `US-CA`.
    public static func subdivisions(of country: String) -> [String] {
        let prefix = country.uppercased() + "-"
        return index.regions.keys.filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// The country (ISO 3166 code) a time zone is in, from zone.tab; nil
    /// for zones of no one country (UTC, Etc/GMT+5).
    public static func country(ofZone zone: String) -> String? {
        zoneIndex[zone]
    }

    /// The first and last year the table covers.
    public static let years = 2020...2040

    private struct Index: Sendable {
        var regions: [String: [Substring]] = [:]
    }

    /// Each region's lines, found once.
    private static let index: Index = {
        var index = Index()
        var current: String?
        for line in table.split(separator: "\n") {
            if line.first == "=" {
                current = String(line.dropFirst())
                index.regions[current!] = []
            } else if let current {
                index.regions[current]!.append(line)
            }
        }
        return index
    }()

    private static let zoneIndex: [String: String] = {
        var zones: [String: String] = [:]
        for line in zoneCountries.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            if fields.count == 2 { zones[String(fields[0])] = String(fields[1]) }
        }
        return zones
    }()

    private static func apply(_ lines: [Substring], to days: inout [LocalDate: String]) {
        for line in lines {
            if line.first == "-" {
                for text in line.dropFirst().split(separator: " ") {
                    if let date = date(text) { days[date] = nil }
                }
                continue
            }
            let entry = line.first == "+" ? line.dropFirst() : line
            guard let tab = entry.firstIndex(of: "\t") else { continue }
            let name = String(entry[..<tab])
            for text in entry[entry.index(after: tab)...].split(separator: " ") {
                if let date = date(text) { days[date] = name }
            }
        }
    }

    private static func date(_ text: Substring) -> LocalDate? {
        guard text.count == 8, let number = Int(text) else { return nil }
        return LocalDate(year: number / 10_000, month: number / 100 % 100, day: number % 100)
    }
}
