import Foundation
import FollowUp
import ICal

/// How a feed was cut to its profile's budget, as `index.json` records it.
public struct FeedCut: Hashable, Sendable, Codable {
    /// The budget the feed was cut to.
    public var budget: FeedBudget
    /// Components (touches, or digests) that would have been in the feed
    /// and are not.
    public var leftOut: Int
    /// Of those, overdue ones (the nearest of all: only a budget smaller
    /// than the overdue touches leaves any out).
    public var leftOutOverdue: Int
    /// The nearest touch left out: it and every touch after it in cut
    /// order (day, overdue first, time, lead) are beyond the budget.
    public var firstLeftOut: FeedCutPoint

    enum CodingKeys: String, CodingKey {
        case budget
        case leftOut = "left_out"
        case leftOutOverdue = "left_out_overdue"
        case firstLeftOut = "first_left_out"
    }

    public init(budget: FeedBudget, leftOut: Int, leftOutOverdue: Int, firstLeftOut: FeedCutPoint) {
        self.budget = budget
        self.leftOut = leftOut
        self.leftOutOverdue = leftOutOverdue
        self.firstLeftOut = firstLeftOut
    }
}

/// A place in cut order, as a person reads it: the touch's day and time in
/// its lead's zone, and its lead (nil for a digest, which is per day).
public struct FeedCutPoint: Hashable, Sendable, Codable {
    public var date: String
    public var time: String
    public var overdue: Bool
    public var lead: String?

    public init(date: String, time: String, overdue: Bool, lead: String?) {
        self.date = date
        self.time = time
        self.overdue = overdue
        self.lead = lead
    }

    /// Whether a touch of `lead` on `date` at `time` is at or after this
    /// point in cut order, that is, beyond the budget. Ties past the lead
    /// (two touches of one lead at one minute) count as beyond; for a
    /// digest (no lead), every touch of its day or later is.
    public func isReached(date: LocalDate, time: TimeOfDay, overdue: Bool, lead: String) -> Bool {
        guard let own = LocalDate(iso: self.date), let ownTime = TimeOfDay(self.time) else { return false }
        // A digest stands for its whole day.
        if self.lead == nil { return date >= own }
        let mine = (date.daysSinceEpoch, overdue ? 0 : 1, time.minutesSinceMidnight)
        let edge = (own.daysSinceEpoch, self.overdue ? 0 : 1, ownTime.minutesSinceMidnight)
        if mine != edge { return mine > edge }
        return self.lead.map { lead >= $0 } ?? true
    }
}

/// Where a component stands when a feed is cut: the nearest first. The
/// day comes first, and on a day overdue touches before the rest (an
/// overdue touch shows on today), then the feed's own order: time, lead
/// (by its rank in id order), window, place in the lead's plan.
struct CutKey: Comparable, Hashable, Sendable {
    var date: Int32
    var late: Bool
    var minutes: Int16
    var leadRank: UInt32
    var windowStart: Int32
    var index: UInt16

    init(date: Int32, overdue: Bool, minutes: Int16, leadRank: UInt32, windowStart: Int32 = 0, index: UInt16 = 0) {
        self.date = date
        self.late = !overdue
        self.minutes = minutes
        self.leadRank = leadRank
        self.windowStart = windowStart
        self.index = index
    }

    /// Whether it is overdue (a digest: whether any of its touches is).
    var overdue: Bool { !late }

    static func < (a: CutKey, b: CutKey) -> Bool {
        (a.date, a.late ? 1 : 0, a.minutes, a.leadRank, a.windowStart, a.index)
            < (b.date, b.late ? 1 : 0, b.minutes, b.leadRank, b.windowStart, b.index)
    }

    /// The point as `index.json` gives it; `leadID` names a lead rank.
    func point(leadID: ((UInt32) -> String)?, isDigest: Bool) -> FeedCutPoint {
        let minutes = Int(self.minutes)
        return FeedCutPoint(
            date: LocalDate(daysSinceEpoch: Int(date)).description,
            time: "\(LocalDate.pad2(minutes / 60)):\(LocalDate.pad2(minutes % 60))",
            overdue: overdue, lead: isDigest ? nil : leadID?(leadRank))
    }
}

/// One component of a feed with a budget, kept so that everyone's feed
/// can be cut from the owners' files: where its bytes are in the owner's
/// file, and what it adds to a feed.
struct FeedItem: Sendable {
    var key: CutKey
    var offset: UInt64
    var length: UInt32
    /// Its lead, or a digest's leads.
    var leads: [UInt32]
    /// The zone its times name (nil: UTC, or dates).
    var zone: String?
}

/// What is kept of a feed under a budget.
enum BudgetCut {
    /// How many components, taken in cut order, fit the budget with the
    /// feed's header and footer, and the span of those kept, whose
    /// VTIMEZONEs are all the header holds. One pass: each component is
    /// kept if it fits with the header its span then needs (a new zone or
    /// a later year makes it larger), so the feed is as full as the budget
    /// allows, and the kept ones are the nearest.
    /// - Parameters:
    ///   - items: the components' bytes, zones and days, in cut order.
    ///   - full: the span of the whole feed, uncut.
    ///   - fixedBytes: the bytes of the header and footer for a span.
    static func kept<Failure: Error>(
        _ items: some Collection<(length: Int, zone: String?, date: Int32)>, within full: FeedSpan, budget: FeedBudget,
        fixedBytes: (FeedSpan) throws(Failure) -> Int
    ) throws(Failure) -> (count: Int, span: FeedSpan) {
        var zones: Set<String> = [], last: Int32?, lastYear = 0
        func span(zones: Set<String>, lastYear: Int?) -> FeedSpan {
            var span = FeedSpan()
            span.zones = zones
            span.years = lastYear.flatMap { year in full.years.map(Self.years(through: year)) }
            return span
        }
        var fixed = try fixedBytes(span(zones: [], lastYear: nil)), body = 0, count = 0
        for item in items {
            guard count < budget.components else { break }
            var grown = false, candidateZones = zones, candidateYear = lastYear
            if let zone = item.zone, !zones.contains(zone) {
                candidateZones.insert(zone)
                grown = true
            }
            if last.map({ item.date > $0 }) ?? true {
                let year = LocalDate(daysSinceEpoch: Int(item.date)).year
                if last == nil || year != lastYear { grown = true }
                candidateYear = year
            }
            let candidateFixed = grown ? try fixedBytes(span(zones: candidateZones, lastYear: candidateYear)) : fixed
            guard candidateFixed + body + item.length <= budget.bytes else { break }
            (zones, lastYear, fixed) = (candidateZones, candidateYear, candidateFixed)
            last = max(last ?? item.date, item.date)
            body += item.length
            count += 1
        }
        // Everything fits: the whole feed's span, as it is without a budget.
        if count == items.count, try fixedBytes(full) + body <= budget.bytes { return (count, full) }
        return (count, span(zones: zones, lastYear: last == nil ? nil : lastYear))
    }

    /// The years of a cut feed: the whole feed's first year up to the year
    /// after its last kept day (a component's end or due time can fall in
    /// the next year; its start can be before its day, so the first year
    /// stays the whole feed's).
    static func years(through lastYear: Int) -> (ClosedRange<Int>) -> ClosedRange<Int> {
        { full in full.lowerBound...max(full.lowerBound, min(full.upperBound, lastYear + 1)) }
    }
}

/// Where the budget cuts one owner's feeds, found by writing them: the
/// same code as `generate`, into a scratch folder that is then removed,
/// so `explain` says exactly what a run would leave out.
public enum FeedBudgetProbe {
    /// The cuts of `owner`'s events and tasks feeds (nil: not cut).
    /// - Parameter leads: the owner's leads, each with its planned touches.
    public static func cuts(
        owner: String, leads: [(id: String, touches: [Touchpoint])], options: FeedOptions
    ) throws(FeedError) -> (events: FeedCut?, tasks: FeedCut?) {
        guard options.profile.budget != nil else { return (nil, nil) }
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("followup-explain-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw FeedError("cannot make a scratch folder for the feed budget in \(NSTemporaryDirectory()): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = try FeedWriter(catalog: TimeZoneCatalog(), options: options).begin(folder: folder, owners: [owner])
        let sink = try run.makeSink()
        let byRank = leads.indices.sorted { leads[$0].id < leads[$1].id }
        for (rank, index) in byRank.enumerated() {
            for (place, touch) in leads[index].touches.enumerated() {
                try sink.add(touch, feed: 0, leadRank: UInt32(rank), index: place)
            }
        }
        try sink.finish(feed: 0, run: run)
        let report = try run.finish(rejectedRows: 0, leads: leads.count) { leads[byRank[Int($0)]].id }
        let feeds = report.manifest.feeds.filter { $0.owner != nil }
        return (feeds.first { $0.kind == .events }?.cut, feeds.first { $0.kind == .tasks }?.cut)
    }
}
