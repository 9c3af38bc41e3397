import Foundation
import FollowUp
import ICal

/// One feed file as the manifest lists it.
public struct FeedEntry: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable { case events, tasks }
    /// File name inside the output folder.
    public var file: String
    public var kind: Kind
    /// The owner, or nil for the feeds that hold everyone.
    public var owner: String?
    /// VEVENTs or VTODOs in the feed.
    public var components: Int
    /// Components that carry an overdue touch.
    public var overdue: Int
    /// Leads with at least one touch in the feed.
    public var leads: Int

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(kind, forKey: .kind)
        try container.encode(owner, forKey: .owner)  // null for everyone's feeds
        try container.encode(components, forKey: .components)
        try container.encode(overdue, forKey: .overdue)
        try container.encode(leads, forKey: .leads)
    }
}

/// `index.json`: the feeds written and what they hold.
public struct FeedManifest: Hashable, Sendable, Codable {
    public var feeds: [FeedEntry]
    public var leads: Int
    public var touchpoints: Int
    public var rejectedRows: Int

    enum CodingKeys: String, CodingKey {
        case feeds, leads, touchpoints
        case rejectedRows = "rejected_rows"
    }
}

/// What one `write` did, beyond the manifest: which files it replaced and
/// which it left untouched because their bytes were the same.
public struct FeedWriteReport: Sendable {
    public var manifest: FeedManifest
    public var written: [String]
    public var unchanged: [String]
    /// Temporary files of killed runs that were removed.
    public var staleRemoved: [String]
}

/// Writes the events and tasks feeds of every owner and of everyone, and the
/// manifest, into one folder.
///
/// Each component is serialised once and its bytes go to both feeds that
/// carry it (the owner's and everyone's). Files are streamed: a header, the
/// VTIMEZONEs the feed uses, then one component at a time.
public struct FeedWriter {
    public static let productID = "-//followup//followup 1.0//EN"
    /// How often a subscribed client should poll.
    public var refreshInterval = 3600

    private let catalog: TimeZoneCatalog
    private let builder: ComponentBuilder
    private let options: FeedOptions

    /// The permissions of every file written: owner-only by default, since a
    /// feed holds names and notes about real people.
    public var fileMode: mode_t = 0o600
    /// How long to wait for another run that is writing into the folder.
    public var lockWait: Double = 60

    public init(catalog: TimeZoneCatalog, options: FeedOptions = FeedOptions()) {
        self.catalog = catalog
        self.options = options
        builder = ComponentBuilder(options: options, canWriteZone: { catalog.knows($0) })
    }

    /// Writes every feed into `folder` and returns the manifest.
    /// - Parameters:
    ///   - owners: every owner in the store, so an owner with nothing
    ///     planned still gets (empty) feeds and no subscription breaks.
    ///   - touchpoints: the plan, in any order.
    public func write(owners: [String], touchpoints: [Touchpoint], to folder: String, rejectedRows: Int, leads: Int) throws(FeedError) -> FeedWriteReport {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw FeedError("cannot create the output folder \(folder): \(error.localizedDescription)")
        }
        let lock = try FolderLock(folder: folder, waitingUpTo: lockWait)
        defer { withExtendedLifetime(lock) {} }
        let staleRemoved = Self.removeTemporaries(in: folder)
        let ownerFeeds = OwnerNames.feeds(for: owners + touchpoints.map(\.owner))
        var stemByKey: [String: String] = [:]
        for feed in ownerFeeds { stemByKey[OwnerNames.key(feed.owner)] = feed.stem }

        // Order is part of byte-identical output: owner, then time, then lead and step.
        let stems = touchpoints.map { stemByKey[OwnerNames.key($0.owner)]! }
        // The sort keys are gathered once: reading them through a touchpoint
        // in the comparison copied (retained) the whole touchpoint each time.
        let keys = touchpoints.map { ($0.date, $0.time, $0.lead.id, $0.windowStart) }
        let order = touchpoints.indices.sorted { i, j in
            let a = keys[i], b = keys[j]
            return (stems[i], a.0, a.1, a.2, a.3) < (stems[j], b.0, b.1, b.2, b.3)
        }
        // A view, not a copy: a copy of every touchpoint would double the
        // memory of a large plan.
        let sorted = order.lazy.map { touchpoints[$0] }
        // How many touches each owner has; sorted by owner, they are consecutive.
        var byStem: [String: Int] = [:]
        for stem in stems { byStem[stem, default: 0] += 1 }

        // Components are built and serialised one at a time below; only the
        // zones and years each feed spans are gathered first, for its header.
        // For digests, each touch's time on its owner's clock: one zone
        // conversion per touch, shared by the headers, the days and their order.
        let ownerClock = options.digest ? sorted.map(builder.ownerWallTime) : []
        func digestDay(_ index: Int) -> LocalDate {
            let time = ownerClock[index]
            return LocalDate(year: time.year, month: time.month, day: time.day)!
        }
        let eventSpan = { (touches: Range<Int>) in
            options.digest
                ? FeedSpan(Set(touches.map(digestDay)).map(builder.digestTimes).flatMap { [$0.start, $0.end] })
                : FeedSpan(touches.lazy.map { builder.eventTimes(sorted[$0]) }.flatMap { [$0.start, $0.end] })
        }
        let todoSpan = { (touches: Range<Int>) in
            FeedSpan(touches.lazy.map { builder.todoTimes(sorted[$0]) }.flatMap { [$0.start, $0.due] })
        }
        var written: [String] = [], unchanged: [String] = []
        func finish(_ stream: FeedStream) throws(FeedError) -> FeedEntry {
            let (entry, replaced) = try stream.finish()
            if replaced { written.append(entry.file) } else { unchanged.append(entry.file) }
            return entry
        }
        let everyoneEvents = try FeedStream(folder: folder, stem: OwnerNames.everyone, kind: .events, owner: nil,
                                            name: "Follow-ups", span: eventSpan(sorted.indices), catalog: catalog, mode: fileMode)
        let everyoneTasks = try FeedStream(folder: folder, stem: OwnerNames.everyone, kind: .tasks, owner: nil,
                                           name: "Follow-up tasks", span: todoSpan(sorted.indices), catalog: catalog, mode: fileMode)
        var entries: [FeedEntry] = []
        var offset = 0
        for feed in ownerFeeds {
            let range = offset..<(offset + (byStem[feed.stem] ?? 0))
            let touches = sorted[range]
            offset = range.upperBound
            let ownerEvents = try FeedStream(folder: folder, stem: feed.stem, kind: .events, owner: feed.owner,
                                             name: "Follow-ups: \(feed.owner)", span: eventSpan(range), catalog: catalog, mode: fileMode)
            let ownerTasks = try FeedStream(folder: folder, stem: feed.stem, kind: .tasks, owner: feed.owner,
                                            name: "Follow-up tasks: \(feed.owner)", span: todoSpan(range), catalog: catalog, mode: fileMode)
            // Each component is serialised once and written to the owner's feed and everyone's.
            if options.digest {
                // One digest per day on the owner's clock, its touches in the order they happen.
                let days = Dictionary(grouping: range, by: digestDay)
                for date in days.keys.sorted() {
                    let day = days[date]!.sorted { (ownerClock[$0], $0) < (ownerClock[$1], $1) }.map { sorted[$0] }
                    let digest = builder.digest(owner: feed.owner, stem: feed.stem, date: date, touches: day)
                    let bytes = try serialise { () throws(ICalError) in try ICalSerializer.serialize(digest) }
                    try ownerEvents.add(bytes, touches: day)
                    try everyoneEvents.add(bytes, touches: day)
                }
            }
            for touch in touches {
                if !options.digest {
                    let eventBytes = try serialise { () throws(ICalError) in try ICalSerializer.serialize(builder.event(for: touch)) }
                    try ownerEvents.add(eventBytes, touches: CollectionOfOne(touch))
                    try everyoneEvents.add(eventBytes, touches: CollectionOfOne(touch))
                }
                let todoBytes = try serialise { () throws(ICalError) in try ICalSerializer.serialize(builder.todo(for: touch)) }
                try ownerTasks.add(todoBytes, touches: CollectionOfOne(touch))
                try everyoneTasks.add(todoBytes, touches: CollectionOfOne(touch))
            }
            entries.append(try finish(ownerEvents))
            entries.append(try finish(ownerTasks))
        }
        entries.insert(try finish(everyoneTasks), at: 0)
        entries.insert(try finish(everyoneEvents), at: 0)

        let manifest = FeedManifest(feeds: entries, leads: leads, touchpoints: sorted.count, rejectedRows: rejectedRows)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json: Data
        do { json = try encoder.encode(manifest) } catch { throw FeedError("cannot encode index.json: \(error)") }
        let index = try AtomicFile(path: (folder as NSString).appendingPathComponent("index.json"), mode: fileMode)
        try index.write(Array(json) + [0x0A])
        if try index.commit() { written.append("index.json") } else { unchanged.append("index.json") }
        return FeedWriteReport(manifest: manifest, written: written, unchanged: unchanged, staleRemoved: staleRemoved)
    }

    /// Removes the temporary files a killed run left, under the folder's
    /// lock, for a run that has nothing else to write.
    /// - Returns: the names removed.
    public func removeStaleTemporaries(in folder: String) throws(FeedError) -> [String] {
        guard FileManager.default.fileExists(atPath: folder) else { return [] }
        let lock = try FolderLock(folder: folder, waitingUpTo: lockWait)
        defer { withExtendedLifetime(lock) {} }
        return Self.removeTemporaries(in: folder)
    }

    /// With the lock held no other run writes here: any temporary file left
    /// is from a run that was killed, and goes.
    private static func removeTemporaries(in folder: String) -> [String] {
        var removed: [String] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where AtomicFile.isTemporaryName(name) {
            if unlink((folder as NSString).appendingPathComponent(name)) == 0 { removed.append(name) }
        }
        return removed
    }

    private func serialise(_ body: () throws(ICalError) -> [UInt8]) throws(FeedError) -> [UInt8] {
        do { return try body() } catch { throw FeedError(error.description) }
    }
}

/// The zones a feed names and the years its times fall in.
private struct FeedSpan {
    var zones: Set<String> = []
    var years: ClosedRange<Int>?

    init(_ times: some Sequence<ICalTime>) {
        for time in times {
            if let tzid = time.tzid { zones.insert(tzid) }
            years = years.map { min($0.lowerBound, time.year)...max($0.upperBound, time.year) } ?? time.year...time.year
        }
    }
}

/// One feed file being written: header and VTIMEZONEs first, then components.
private final class FeedStream {
    private let file: AtomicFile
    private var entry: FeedEntry
    private var leads: Set<String> = []

    init(folder: String, stem: String, kind: FeedEntry.Kind, owner: String?, name: String,
         span: FeedSpan, catalog: TimeZoneCatalog, mode: mode_t) throws(FeedError) {
        let fileName = "\(stem).\(kind.rawValue).ics"
        file = try AtomicFile(path: (folder as NSString).appendingPathComponent(fileName), mode: mode)
        entry = FeedEntry(file: fileName, kind: kind, owner: owner, components: 0, overdue: 0, leads: 0)
        do {
            try file.write(try ICalSerializer.header(ICalCalendarInfo(
                productID: FeedWriter.productID, name: name, refreshInterval: 3600)))
            // One VTIMEZONE per zone the feed names, covering the years it spans.
            if let years = span.years {
                for zone in span.zones.sorted() {
                    try file.write(try catalog.vtimezone(for: zone, years: years))
                }
            }
        } catch let error as ICalError {
            throw FeedError("\(fileName): \(error.description)")
        } catch let error as FeedError {
            throw error
        } catch {
            throw FeedError("\(fileName): \(error)")
        }
    }

    /// Writes one component, which carries these touches.
    func add(_ bytes: [UInt8], touches: some Collection<Touchpoint>) throws(FeedError) {
        try file.write(bytes)
        entry.components += 1
        if touches.contains(where: \.overdue) { entry.overdue += 1 }
        for touch in touches { leads.insert(touch.lead.id) }
    }

    /// Closes the calendar and puts the file in place.
    /// - Returns: the manifest entry, and whether the file was replaced.
    func finish() throws(FeedError) -> (FeedEntry, Bool) {
        try file.write(ICalSerializer.footer)
        let replaced = try file.commit()
        entry.leads = leads.count
        return (entry, replaced)
    }
}
