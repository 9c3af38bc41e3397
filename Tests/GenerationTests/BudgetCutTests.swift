import FollowUp
import Testing

@testable import Feeds

/// The arithmetic of a budget: what is kept, given the components' bytes in
/// cut order and what the header costs for the zones and years kept.
@Suite struct BudgetCutTests {
    static let jan1 = Int32(day("2026-01-01").daysSinceEpoch)

    /// A header of 100 bytes and 50 for each zone it defines.
    static func fixed(_ span: FeedSpan) -> Int { 100 + 50 * span.zones.count }

    static func items(_ lengths: [Int], zone: String? = nil, date: Int32 = jan1) -> [(length: Int, zone: String?, date: Int32)] {
        lengths.map { (length: $0, zone: zone, date: date) }
    }

    static var whole: FeedSpan {
        var span = FeedSpan()
        span.zones = ["Europe/Berlin", "Asia/Tokyo"]
        span.years = 2026...2030
        return span
    }

    @Test func aHeaderOverTheBudgetKeepsNothing() {
        let cut = BudgetCut.kept(Self.items([1, 1]), within: Self.whole, budget: FeedBudget(components: 10, bytes: 99), fixedBytes: Self.fixed)
        #expect(cut.count == 0 && cut.span.zones.isEmpty && cut.span.years == nil)
    }

    @Test func theComponentLimitStopsTheCut() {
        let cut = BudgetCut.kept(Self.items(Array(repeating: 10, count: 8)), within: Self.whole, budget: FeedBudget(components: 3, bytes: 10_000)) {
            Self.fixed($0)
        }
        #expect(cut.count == 3)
    }

    /// Bytes to the last one: a component that fills the budget exactly is
    /// kept, and one byte more is not; a smaller one after a big one that
    /// did not fit is not kept either (the cut keeps the nearest only).
    @Test func theByteLimitIsExactAndKeepsAPrefix() {
        let budget = FeedBudget(components: 100, bytes: 150)
        #expect(BudgetCut.kept(Self.items([10, 20, 20]), within: Self.whole, budget: budget, fixedBytes: Self.fixed).count == 3)
        #expect(BudgetCut.kept(Self.items([10, 20, 21]), within: Self.whole, budget: budget, fixedBytes: Self.fixed).count == 2)
        #expect(BudgetCut.kept(Self.items([10, 50, 1, 1]), within: Self.whole, budget: budget, fixedBytes: Self.fixed).count == 1)
    }

    /// A component in a new zone brings its VTIMEZONE: it is kept only if
    /// both fit, and the span names only the zones of what is kept.
    @Test func aNewZoneCostsItsTimeZone() {
        let items = Self.items([10, 10], zone: "Europe/Berlin") + Self.items([10], zone: "Asia/Tokyo")
        let tight = BudgetCut.kept(items, within: Self.whole, budget: FeedBudget(components: 100, bytes: 175), fixedBytes: Self.fixed)
        #expect(tight.count == 2 && tight.span.zones == ["Europe/Berlin"])
        let roomy = BudgetCut.kept(items, within: Self.whole, budget: FeedBudget(components: 100, bytes: 230), fixedBytes: Self.fixed)
        #expect(roomy.count == 3 && roomy.span.zones == ["Europe/Berlin", "Asia/Tokyo"])
    }

    /// The years run from the whole feed's first to the one after the last
    /// kept day, within the whole feed's.
    @Test func theYearsEndAfterTheLastKeptDay() {
        let late = Int32(day("2027-06-01").daysSinceEpoch), far = Int32(day("2029-06-01").daysSinceEpoch)
        let items = Self.items([10], date: Self.jan1) + Self.items([10], date: late) + Self.items([10_000], date: far)
        let cut = BudgetCut.kept(items, within: Self.whole, budget: FeedBudget(components: 100, bytes: 1_000), fixedBytes: Self.fixed)
        #expect(cut.count == 2 && cut.span.years == 2026...2028)
        var end = Self.whole
        end.years = 2026...2027
        #expect(BudgetCut.kept(items.prefix(2), within: end, budget: FeedBudget(components: 1, bytes: 1_000), fixedBytes: Self.fixed).span.years == 2026...2027)
    }

    /// A feed that fits whole keeps the whole feed's span: its header is
    /// the one it has without a budget.
    @Test func aFeedThatFitsIsUncut() {
        let items = Self.items([10], zone: "Europe/Berlin")
        let cut = BudgetCut.kept(items, within: Self.whole, budget: FeedBudget(components: 10, bytes: 1_000), fixedBytes: Self.fixed)
        #expect(cut.count == 1 && cut.span.zones == Self.whole.zones && cut.span.years == Self.whole.years)
    }

    /// Where a feed stops, as index.json gives it: a touch is beyond it if
    /// it comes at or after that point in cut order; a digest's point is a day.
    @Test func aCutPointSaysWhatIsBeyondIt() throws {
        let point = FeedCutPoint(date: "2026-12-03", time: "10:00", overdue: false, lead: "L5")
        let time = try #require(TimeOfDay("10:00")), earlier = try #require(TimeOfDay("09:45"))
        #expect(point.isReached(date: day("2026-12-03"), time: time, overdue: false, lead: "L5"))
        #expect(point.isReached(date: day("2026-12-03"), time: time, overdue: false, lead: "L6"))
        #expect(!point.isReached(date: day("2026-12-03"), time: time, overdue: false, lead: "L4"))
        #expect(!point.isReached(date: day("2026-12-03"), time: earlier, overdue: false, lead: "L9"))
        #expect(!point.isReached(date: day("2026-12-03"), time: try #require(TimeOfDay("16:00")), overdue: true, lead: "L9"), "overdue comes first on its day")
        #expect(point.isReached(date: day("2026-12-04"), time: earlier, overdue: true, lead: "L1"))
        #expect(!point.isReached(date: day("2026-12-02"), time: time, overdue: false, lead: "L9"))
        let digest = FeedCutPoint(date: "2026-12-03", time: "08:00", overdue: false, lead: nil)
        #expect(digest.isReached(date: day("2026-12-03"), time: earlier, overdue: true, lead: "L1"))
        #expect(!digest.isReached(date: day("2026-12-02"), time: time, overdue: false, lead: "L9"))
    }
}
