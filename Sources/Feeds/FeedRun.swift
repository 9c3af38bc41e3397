import Foundation
import FollowUp
import ICal

/// One run of writing every feed into a folder, fed touch by touch.
///
/// Touches are handed to `FeedSink`s (one per thread) as they are planned;
/// a sink serialises each touch's VEVENT and VTODO once, at once, and keeps
/// the bytes in a `ScratchFile`, remembering only where they are and the
/// touch's place in the feed order (a few dozen bytes a touch). `finish`
/// then writes each feed in order: its header, the VTIMEZONEs of the span
/// it covers, and the components copied from the scratch files, each
/// component read once and written to both feeds that carry it (the
/// owner's and everyone's). Nothing the size of a calendar is ever held in
/// memory, and the bytes do not depend on how many sinks there were or
/// which sink serialised which touch.
public final class FeedRun {
    /// Every owner's feed names, in file-name order.
    public let feeds: [OwnerFeed]
    /// Temporary files of killed runs that were removed.
    public let staleRemoved: [String]
    private let folder: String
    private let options: FeedOptions
    private let catalog: TimeZoneCatalog
    private let fileMode: mode_t
    private let lock: FolderLock
    private let stemByKey: [String: Int]
    private var sinks: [FeedSink] = []
    private let sinksLock = NSLock()

    init(folder: String, owners: [String], catalog: TimeZoneCatalog, options: FeedOptions, fileMode: mode_t, lockWait: Double) throws(FeedError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw FeedError("cannot create the output folder \(folder): \(error.localizedDescription)")
        }
        lock = try FolderLock(folder: folder, waitingUpTo: lockWait)
        staleRemoved = FeedWriter.removeTemporaries(in: folder)
        self.folder = folder
        self.options = options
        self.catalog = catalog
        self.fileMode = fileMode
        feeds = OwnerNames.feeds(for: owners)
        var stemByKey: [String: Int] = [:]
        for (index, feed) in feeds.enumerated() { stemByKey[OwnerNames.key(feed.owner)] = index }
        self.stemByKey = stemByKey
        ICalSerializer.prepareForThreads()
    }

    /// The index in `feeds` of an owner's feed; nil for an owner the run was
    /// not given.
    public func feedIndex(ofOwner owner: String) -> Int? {
        stemByKey[OwnerNames.key(owner)]
    }

    /// A sink for one thread to add touches to.
    public func makeSink() throws(FeedError) -> FeedSink {
        let sink = try FeedSink(folder: folder, options: options, catalog: catalog)
        sinksLock.lock()
        sinks.append(sink)
        sinksLock.unlock()
        return sink
    }

    /// Writes every feed and the manifest from what the sinks were given.
    /// Call it once, after every sink has its last touch.
    public func finish(rejectedRows: Int, leads: Int) throws(FeedError) -> FeedWriteReport {
        defer { withExtendedLifetime(lock) {} }
        for sink in sinks { try sink.spill.flush() }
        let builder = ComponentBuilder(options: options, canWriteZone: { [catalog] in catalog.knows($0) })

        // Digests are made per owner and day from the touches themselves.
        var digests: [[DigestDay]] = Array(repeating: [], count: feeds.count)
        if options.digest {
            for (index, feed) in feeds.enumerated() {
                let items = sinks.flatMap { $0.digestItems[index] ?? [] }.sorted { $0.entry.precedes($1.entry) }
                digests[index] = Dictionary(grouping: items.indices) { items[$0].day }
                    .sorted { $0.key < $1.key }
                    .map { day, members in
                        let ordered = members.sorted { (items[$0].clock, $0) < (items[$1].clock, $1) }.map { items[$0].touch }
                        return DigestDay(date: day, touches: ordered, owner: feed.owner, stem: feed.stem)
                    }
            }
        }
        // Each feed's header names the zones and years its times fall in.
        var spans: [(events: FeedSpan, tasks: FeedSpan)] = feeds.indices.map { index in
            var events = FeedSpan(), tasks = FeedSpan()
            for sink in sinks {
                if let span = sink.spans[index] {
                    events.merge(span.events)
                    tasks.merge(span.tasks)
                }
            }
            return (events, tasks)
        }
        if options.digest {
            for index in feeds.indices {
                var events = FeedSpan()
                for day in digests[index] {
                    let times = builder.digestTimes(day.date)
                    events.add(times.start)
                    events.add(times.end)
                }
                spans[index].events = events
            }
        }
        var everyoneEventSpan = FeedSpan(), everyoneTaskSpan = FeedSpan()
        for span in spans {
            everyoneEventSpan.merge(span.events)
            everyoneTaskSpan.merge(span.tasks)
        }

        var written: [String] = [], unchanged: [String] = []
        func finish(_ stream: FeedStream) throws(FeedError) -> FeedEntry {
            let (entry, replaced) = try stream.finish()
            if replaced { written.append(entry.file) } else { unchanged.append(entry.file) }
            return entry
        }
        let everyoneEvents = try FeedStream(folder: folder, stem: OwnerNames.everyone, kind: .events, owner: nil,
                                            name: "Follow-ups", span: everyoneEventSpan, catalog: catalog, mode: fileMode)
        let everyoneTasks = try FeedStream(folder: folder, stem: OwnerNames.everyone, kind: .tasks, owner: nil,
                                           name: "Follow-up tasks", span: everyoneTaskSpan, catalog: catalog, mode: fileMode)
        var entries: [FeedEntry] = []
        var buffer: [UInt8] = []
        for (index, feed) in feeds.enumerated() {
            let ownerEvents = try FeedStream(folder: folder, stem: feed.stem, kind: .events, owner: feed.owner,
                                             name: "Follow-ups: \(feed.owner)", span: spans[index].events, catalog: catalog, mode: fileMode)
            let ownerTasks = try FeedStream(folder: folder, stem: feed.stem, kind: .tasks, owner: feed.owner,
                                            name: "Follow-up tasks: \(feed.owner)", span: spans[index].tasks, catalog: catalog, mode: fileMode)
            for day in digests[index] {
                let event = builder.digest(owner: day.owner, stem: day.stem, date: day.date, touches: day.touches)
                let bytes: [UInt8]
                do { bytes = try ICalSerializer.serialize(event) } catch { throw FeedError(error.description) }
                let overdue = day.touches.contains(where: \.overdue)
                let ranks = day.touches.map(\.leadRank)
                try ownerEvents.add(bytes[...], overdue: overdue, leads: ranks)
                try everyoneEvents.add(bytes[...], overdue: overdue, leads: ranks)
            }
            // This owner's touches in feed order: time, then lead, then the touch's window.
            var order: [Entry] = []
            for (number, sink) in sinks.enumerated() {
                guard let list = sink.entries[index] else { continue }
                order.reserveCapacity(order.count + list.count)
                for var entry in list {
                    entry.sink = UInt16(number)
                    order.append(entry)
                }
                sink.entries[index] = nil
            }
            order.sort { $0.precedes($1) }
            for entry in order {
                let eventLength = Int(entry.eventLength), todoLength = Int(entry.todoLength)
                try sinks[Int(entry.sink)].spill.read(at: entry.offset, count: eventLength + todoLength, into: &buffer)
                let lead = CollectionOfOne(entry.leadRank)
                if eventLength > 0 {
                    try ownerEvents.add(buffer[0..<eventLength], overdue: entry.overdue, leads: lead)
                    try everyoneEvents.add(buffer[0..<eventLength], overdue: entry.overdue, leads: lead)
                }
                try ownerTasks.add(buffer[eventLength...], overdue: entry.overdue, leads: lead)
                try everyoneTasks.add(buffer[eventLength...], overdue: entry.overdue, leads: lead)
            }
            entries.append(try finish(ownerEvents))
            entries.append(try finish(ownerTasks))
        }
        entries.insert(try finish(everyoneTasks), at: 0)
        entries.insert(try finish(everyoneEvents), at: 0)
        let touchpoints = entries[1].components

        let manifest = FeedManifest(feeds: entries, leads: leads, touchpoints: touchpoints, rejectedRows: rejectedRows)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json: Data
        do { json = try encoder.encode(manifest) } catch { throw FeedError("cannot encode index.json: \(error)") }
        let index = try AtomicFile(path: (folder as NSString).appendingPathComponent("index.json"), mode: fileMode)
        try index.write(Array(json) + [0x0A])
        if try index.commit() { written.append("index.json") } else { unchanged.append("index.json") }
        return FeedWriteReport(manifest: manifest, written: written, unchanged: unchanged, staleRemoved: staleRemoved)
    }
}

/// Where one touch's serialised components are, and its place in the feed order.
struct Entry {
    var date: Int32
    var windowStart: Int32
    var leadRank: UInt32
    var minutes: Int16
    /// The touch's place in its lead's plan: no two touches share a key.
    var index: UInt16
    /// Which sink's scratch file holds the bytes (set when the run finishes).
    var sink: UInt16 = 0
    var overdue: Bool
    var offset: UInt64
    /// The VEVENT's bytes (0 with digests: events are per day), then the VTODO's.
    var eventLength: UInt32
    var todoLength: UInt32

    /// Feed order: day, time, lead (by id), window, place in the lead's plan.
    func precedes(_ other: Entry) -> Bool {
        (date, minutes, leadRank, windowStart, index) < (other.date, other.minutes, other.leadRank, other.windowStart, other.index)
    }
}

/// A touch kept for its owner's daily digest.
struct DigestItem {
    var entry: Entry
    var touch: RankedTouch
    /// The touch's time on the owner's clock, and the day that makes.
    var clock: CivilDateTime
    var day: LocalDate
}

/// A touchpoint and its lead's place in id order.
struct RankedTouch {
    var touchpoint: Touchpoint
    var leadRank: UInt32
    var overdue: Bool { touchpoint.overdue }
}

struct DigestDay {
    var date: LocalDate
    var touches: [RankedTouch]
    var owner: String
    var stem: String
}

extension ComponentBuilder {
    func digest(owner: String, stem: String, date: LocalDate, touches: [RankedTouch]) -> ICalEvent {
        digest(owner: owner, stem: stem, date: date, touches: touches.map(\.touchpoint))
    }
}

/// Where one thread's touches go: each is serialised at once and its bytes
/// kept in the sink's scratch file. Not shared between threads.
public final class FeedSink: @unchecked Sendable {
    // @unchecked: a sink is used by one thread at a time; the run reads it
    // in `finish`, after that thread is done with it.
    let spill: ScratchFile
    private let builder: ComponentBuilder
    private let options: FeedOptions
    fileprivate(set) var entries: [Int: [Entry]] = [:]
    fileprivate(set) var spans: [Int: (events: FeedSpan, tasks: FeedSpan)] = [:]
    fileprivate(set) var digestItems: [Int: [DigestItem]] = [:]
    /// Touches added so far.
    public private(set) var touches = 0
    /// Components serialised so far.
    public private(set) var components = 0

    fileprivate init(folder: String, options: FeedOptions, catalog: TimeZoneCatalog) throws(FeedError) {
        spill = try ScratchFile(in: folder)
        self.options = options
        // A builder per sink: its organizer cache is not shared between threads.
        builder = ComponentBuilder(options: options, canWriteZone: { [catalog] in catalog.knows($0) })
    }

    /// Serialises one touch into the feed at `feed` (an index of the run's
    /// `feeds`).
    /// - Parameters:
    ///   - leadRank: the lead's place among the run's lead ids in id order.
    ///   - index: the touch's place in its lead's plan.
    public func add(_ touch: Touchpoint, feed: Int, leadRank: UInt32, index: Int) throws(FeedError) {
        var span = spans[feed] ?? (FeedSpan(), FeedSpan())
        let todoTimes = builder.todoTimes(touch)
        span.tasks.add(todoTimes.start)
        span.tasks.add(todoTimes.due)
        var entry = Entry(date: Int32(clamping: touch.date.daysSinceEpoch), windowStart: Int32(clamping: touch.windowStart.daysSinceEpoch),
                          leadRank: leadRank, minutes: Int16(touch.time.minutesSinceMidnight), index: UInt16(clamping: index),
                          overdue: touch.overdue, offset: spill.size, eventLength: 0, todoLength: 0)
        if options.digest {
            let clock = builder.ownerWallTime(touch)
            digestItems[feed, default: []].append(DigestItem(
                entry: entry, touch: RankedTouch(touchpoint: touch, leadRank: leadRank), clock: clock,
                day: LocalDate(year: clock.year, month: clock.month, day: clock.day)!))
        } else {
            let eventTimes = builder.eventTimes(touch)
            span.events.add(eventTimes.start)
            span.events.add(eventTimes.end)
            let event: [UInt8]
            do { event = try ICalSerializer.serialize(builder.event(for: touch)) } catch { throw FeedError(error.description) }
            try spill.append(event)
            entry.eventLength = UInt32(event.count)
            components += 1
        }
        let todo: [UInt8]
        do { todo = try ICalSerializer.serialize(builder.todo(for: touch)) } catch { throw FeedError(error.description) }
        try spill.append(todo)
        entry.todoLength = UInt32(todo.count)
        components += 1
        touches += 1
        spans[feed] = span
        entries[feed, default: []].append(entry)
    }
}

/// The zones a feed names and the years its times fall in.
struct FeedSpan {
    var zones: Set<String> = []
    var years: ClosedRange<Int>?

    mutating func add(_ time: ICalTime) {
        if let tzid = time.tzid { zones.insert(tzid) }
        years = years.map { min($0.lowerBound, time.year)...max($0.upperBound, time.year) } ?? time.year...time.year
    }

    mutating func merge(_ other: FeedSpan) {
        zones.formUnion(other.zones)
        if let range = other.years {
            years = years.map { min($0.lowerBound, range.lowerBound)...max($0.upperBound, range.upperBound) } ?? range
        }
    }
}

/// One feed file being written: header and VTIMEZONEs first, then components.
final class FeedStream {
    private let file: AtomicFile
    private var entry: FeedEntry
    private var leads: Set<UInt32> = []

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

    /// Writes one component, which carries touches of these leads.
    func add(_ bytes: ArraySlice<UInt8>, overdue: Bool, leads: some Sequence<UInt32>) throws(FeedError) {
        try file.write(bytes)
        entry.components += 1
        if overdue { entry.overdue += 1 }
        for lead in leads { self.leads.insert(lead) }
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
