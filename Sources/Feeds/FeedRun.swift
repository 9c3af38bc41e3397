import FileKit
import Foundation
import FollowUp
import ICal
import Synchronization

/// One run of writing every feed into a folder, fed touch by touch.
///
/// Touches are handed to `FeedSink`s (one per thread) as they are planned;
/// a sink serialises each touch's VEVENT and VTODO once, at once, and keeps
/// the bytes in a `ScratchFile`, remembering only where they are and the
/// touch's place in the feed order (a few dozen bytes a touch). When an
/// owner is done, the sink's thread writes the owner's feeds: header, the
/// VTIMEZONEs of the span they cover, and the components read back in feed
/// order. `finish` then writes everyone's feeds: their header, and each
/// owner's components copied from the owner's file by the kernel, so a
/// component is serialised once and its bytes reach both feeds that carry
/// it. Nothing the size of a calendar is ever held in memory, and the bytes
/// do not depend on how many sinks there were or which sink did which owner.
///
/// `@unchecked Sendable`: the planning threads share one run; its mutable
/// fields (`sinks`, `ownerFiles`) are read and written under `sinksLock`,
/// and the rest never change once it is made.
public final class FeedRun: @unchecked Sendable {
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
    /// The action links the components carry, nil without.
    public let links: ActionLinks?
    private var sinks: [FeedSink] = []
    private let sinksLock = NSLock()

    init(
        folder: String, owners: [String], catalog: TimeZoneCatalog, options: FeedOptions, fileMode: mode_t, lockWait: Double,
        links: ActionLinkSource? = nil
    ) throws(FeedError) {
        try Self.createFolder(folder)
        lock = try fileOperation { () throws(FileError) in try FolderLock(folder: folder, waitingUpTo: lockWait) }
        staleRemoved = FeedWriter.removeTemporaries(in: folder)
        self.folder = folder
        self.options = options
        self.catalog = catalog
        self.fileMode = fileMode
        feeds = OwnerNames.feeds(for: owners)
        var stemByKey: [String: Int] = [:]
        for (index, feed) in feeds.enumerated() { stemByKey[OwnerNames.key(feed.owner)] = index }
        self.stemByKey = stemByKey
        // Asked for under the folder's lock: two runs into one folder do
        // not make two tokens for one new owner.
        let feeds = feeds
        self.links = try links.map { (source) throws(FeedError) in
            ActionLinks(base: source.base, tokens: try source.tokens(feeds.map(\.stem) + [OwnerNames.everyone]))
        }
        ICalSerializer.prepareForThreads()
    }

    /// Makes the output folder (and its parents) when it is missing.
    public static func createFolder(_ folder: String) throws(FeedError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw FeedError("cannot create the output folder \(folder): \(error.localizedDescription)")
        }
    }

    /// The index in `feeds` of an owner's feed; nil for an owner the run was
    /// not given.
    public func feedIndex(ofOwner owner: String) -> Int? {
        stemByKey[OwnerNames.key(owner)]
    }

    /// A sink for one thread to add touches to.
    /// - Parameter memoryLimit: serialised bytes the sink keeps in memory before its scratch file.
    public func makeSink(memoryLimit: Int = FeedSink.memoryLimit) throws(FeedError) -> FeedSink {
        let sink = try FeedSink(folder: folder, options: options, catalog: catalog, memoryLimit: memoryLimit, links: links, feeds: feeds)
        sinksLock.lock()
        sinks.append(sink)
        sinksLock.unlock()
        return sink
    }

    /// What writing one owner's feeds left for everyone's.
    struct OwnerFiles: Sendable {
        var events: WrittenFeed
        var tasks: WrittenFeed
    }

    /// One feed, written and closed; it is synced and put in place when
    /// the whole run is written.
    struct WrittenFeed: Sendable {
        var entry: FeedEntry
        /// The file this run wrote; nil for a feed kept as the last run wrote it.
        var file: AtomicFile?
        /// Where its bytes are read from for everyone's feeds.
        var source: String
        var span: FeedSpan
        /// Where its components are in the file, between header and footer.
        var body: Range<UInt64>
        /// With a budget: every component in the file, in feed order.
        var items: [FeedItem]?
        /// Components planned for it, those left out included, and of them overdue.
        var total = 0
        var totalOverdue = 0
        /// With a budget, the nearest component left out of it, if any.
        var firstLeftOut: CutKey?
        /// With action links: the owner's token, as everyone's feeds replace it.
        var swap: TokenSwap?
    }

    private var ownerFiles: [Int: OwnerFiles] = [:]
    /// Owners' files go to the disk as they are finished.
    private let backgroundSync = BackgroundSync()

    fileprivate func record(_ files: OwnerFiles, feed: Int) {
        var files = files
        let swap = links?.swap(stem: feeds[feed].stem)
        files.events.swap = swap
        files.tasks.swap = swap
        sinksLock.lock()
        ownerFiles[feed] = files
        sinksLock.unlock()
        backgroundSync.sync([files.events.file, files.tasks.file].compactMap { $0 })
    }

    /// Keeps an owner's feeds as the last run wrote them: nothing of theirs
    /// is planned, and everyone's feeds copy their components from the
    /// files in place. Only without a budget (everyone's feed is then every
    /// owner's components, in order, whatever the others hold).
    /// - Throws: when a file is no longer the one `kept` describes (the
    ///   caller plans the owner again).
    public func reuse(_ kept: KeptOwnerFeeds, feed: Int) throws(FeedError) {
        guard options.profile.budget == nil else { throw FeedError("feeds cut to a budget are not reused", kind: .notReusable) }
        // The folder is locked: checked now, the files stay what they are.
        guard kept.areInPlace(in: folder), kept.events.entry.file == "\(feeds[feed].stem).events.ics",
            kept.tasks.entry.file == "\(feeds[feed].stem).tasks.ics",
            [kept.events, kept.tasks].allSatisfy({ $0.body.upperBound <= UInt64($0.file.size) })
        else {
            throw FeedError("\(feeds[feed].stem)'s feeds changed since the last run", kind: .notReusable)
        }
        func written(_ kept: KeptFeed) -> WrittenFeed {
            WrittenFeed(
                entry: kept.entry, file: nil, source: (folder as NSString).appendingPathComponent(kept.entry.file), span: kept.span,
                body: kept.body, total: kept.entry.components, totalOverdue: kept.entry.overdue)
        }
        record(OwnerFiles(events: written(kept.events), tasks: written(kept.tasks)), feed: feed)
    }

    /// Everyone's feeds, begun while the owners not kept are planned.
    private var head: EveryoneHead?

    /// Starts everyone's feeds while the owners not kept are planned: the
    /// kept owners' components that come before the first owner planned
    /// (in file-name order) are copied into them at once, on threads of
    /// their own, under a header that assumes each owner planned still
    /// spans what it spanned in the last run (`earlier`, by feed index).
    /// `finish` goes on from there when that holds, and writes them anew
    /// when it does not. Call it after `reuse`, before the first touch.
    public func beginEveryone(assuming earlier: [Int: KeptOwnerFeeds]) {
        guard options.profile.budget == nil, head == nil else { return }
        sinksLock.lock()
        let files = ownerFiles
        sinksLock.unlock()
        let upTo = feeds.indices.first { files[$0] == nil } ?? feeds.count
        guard upTo > 0 else { return }
        var spans = [FeedSpan(), FeedSpan()]
        for index in feeds.indices {
            if let kept = files[index] {
                spans[0].merge(kept.events.span)
                spans[1].merge(kept.tasks.span)
            } else if let before = earlier[index] {
                spans[0].merge(before.events.span)
                spans[1].merge(before.tasks.span)
            }
        }
        let head = EveryoneHead(spans: spans, upTo: upTo)
        let folder = folder, catalog = catalog, fileMode = fileMode, assumed = spans
        for kind in 0..<2 {
            head.done.enter()
            let thread = Thread {
                defer { head.done.leave() }
                do throws(FeedError) {
                    let stream = try FeedStream(
                        folder: folder, stem: OwnerNames.everyone, kind: kind == 0 ? .events : .tasks, owner: nil,
                        name: kind == 0 ? "Follow-ups" : "Follow-up tasks", span: assumed[kind], catalog: catalog, mode: fileMode)
                    for feed in 0..<upTo { try stream.append(kind == 0 ? files[feed]!.events : files[feed]!.tasks) }
                    // On the disk while the owners are planned.
                    stream.writeBack()
                    head.streams[kind] = stream
                } catch {
                    // finish writes this feed anew, and meets the error again if it lasts.
                    head.streams[kind] = nil
                }
            }
            thread.start()
        }
        self.head = head
    }

    /// Writes one owner's events and tasks feeds from the entries given,
    /// their bytes read from `spill` (the scratch file of the sink that
    /// serialised them; nil for an owner without touches); `zones` names
    /// the entries' zone numbers (kept only when the profile has a budget).
    fileprivate func writeOwner(
        _ feed: Int, entries: [Entry], zones: [String?], digestItems: [DigestItem], spans: (events: FeedSpan, tasks: FeedSpan),
        spill: ScratchFile?, builder: ComponentBuilder
    ) throws(FeedError) -> OwnerFiles {
        let owner = feeds[feed]
        var spans = spans
        // Digests are made per day from the touches themselves, on the owner's clock.
        var digests: [(date: LocalDate, touches: [RankedTouch])] = []
        if options.digest {
            let items = digestItems.sorted { $0.entry.precedes($1.entry) }
            digests = Dictionary(grouping: items.indices) { items[$0].day }
                .sorted { $0.key < $1.key }
                .map { day, members in
                    (day, members.sorted { (items[$0].clock, $0) < (items[$1].clock, $1) }.map { items[$0].touch })
                }
            spans.events = FeedSpan()
            for day in digests {
                let times = builder.digestTimes(day.date, owner: owner.owner)
                spans.events.add(times.start)
                spans.events.add(times.end)
            }
        }
        // Feed order: time, then lead, then the touch's window.
        let sorted = entries.sorted(by: { $0.precedes($1) })
        guard let budget = options.profile.budget else {
            // Everything goes in: both feeds are written in one pass, each
            // touch's bytes read once.
            let events = try FeedStream(
                folder: folder, stem: owner.stem, kind: .events, owner: owner.owner,
                name: "Follow-ups: \(owner.owner)", span: spans.events, catalog: catalog, mode: fileMode)
            let tasks = try FeedStream(
                folder: folder, stem: owner.stem, kind: .tasks, owner: owner.owner,
                name: "Follow-up tasks: \(owner.owner)", span: spans.tasks, catalog: catalog, mode: fileMode)
            for day in digests {
                let event = builder.digest(owner: owner.owner, stem: owner.stem, date: day.date, touches: day.touches.map(\.touchpoint))
                let bytes = try serialised { () throws(ICalError) in try ICalSerializer.serialize(event) }
                try events.add(bytes[...], overdue: day.touches.contains(where: \.overdue), leads: day.touches.map(\.leadRank))
            }
            var buffer: [UInt8] = []
            for entry in sorted {
                let eventLength = Int(entry.eventLength), todoLength = Int(entry.todoLength)
                let read = try fileOperation { () throws(FileError) in try spill?.read(at: entry.offset, count: eventLength + todoLength, buffer: &buffer) }
                guard let bytes = read else { continue }
                let lead = CollectionOfOne(entry.leadRank)
                if eventLength > 0 { try events.add(bytes.prefix(eventLength), overdue: entry.overdue, leads: lead) }
                try tasks.add(bytes.dropFirst(eventLength), overdue: entry.overdue, leads: lead)
            }
            return OwnerFiles(events: try events.finish(span: spans.events), tasks: try tasks.finish(span: spans.tasks))
        }
        // With a budget each feed keeps its nearest touches: the two are cut
        // apart (an event and a task differ in size), and only what is
        // kept is read back.
        var buffer: [UInt8] = []
        func bytes(at offset: UInt64, count: Int) throws(FeedError) -> ArraySlice<UInt8> {
            try fileOperation { () throws(FileError) in try spill?.read(at: offset, count: count, buffer: &buffer) } ?? []
        }
        let events: WrittenFeed
        if options.digest {
            let clock = options.clock(of: owner.owner)
            var serialisedDigests: [[UInt8]] = []
            for day in digests {
                let event = builder.digest(owner: owner.owner, stem: owner.stem, date: day.date, touches: day.touches.map(\.touchpoint))
                serialisedDigests.append(try serialised { () throws(ICalError) in try ICalSerializer.serialize(event) })
            }
            // The zone the digests' times name, as their VTIMEZONE: none
            // for UTC (written with Z) or all-day dates.
            let digestZone = digests.first.flatMap { builder.digestTimes($0.date, owner: owner.owner).start.tzid }
            events = try writeFeed(
                kind: .events, owner: owner, budget: budget, name: "Follow-ups: \(owner.owner)", span: spans.events, count: digests.count,
                key: { index in
                    let day = digests[index]
                    return CutKey(
                        date: Int32(clamping: day.date.daysSinceEpoch), overdue: day.touches.contains(where: \.overdue),
                        minutes: Int16(clock.start.minutesSinceMidnight), leadRank: day.touches.map(\.leadRank).min() ?? 0)
                },
                length: { serialisedDigests[$0].count }, zone: { _ in digestZone },
                leads: { digests[$0].touches.map(\.leadRank) },
                write: { (index, stream) throws(FeedError) in
                    try stream.add(
                        serialisedDigests[index][...], overdue: digests[index].touches.contains(where: \.overdue), leads: digests[index].touches.map(\.leadRank)
                    )
                })
        } else {
            let withEvents = sorted.filter { $0.eventLength > 0 }
            events = try writeFeed(
                kind: .events, owner: owner, budget: budget, name: "Follow-ups: \(owner.owner)", span: spans.events, count: withEvents.count,
                key: { withEvents[$0].cutKey }, length: { Int(withEvents[$0].eventLength) }, zone: { zones[Int(withEvents[$0].eventZone)] },
                leads: { [withEvents[$0].leadRank] },
                write: { (index, stream) throws(FeedError) in
                    let entry = withEvents[index]
                    let read = try bytes(at: entry.offset, count: Int(entry.eventLength))
                    try stream.add(read, overdue: entry.overdue, leads: CollectionOfOne(entry.leadRank))
                })
        }
        let tasks = try writeFeed(
            kind: .tasks, owner: owner, budget: budget, name: "Follow-up tasks: \(owner.owner)", span: spans.tasks, count: sorted.count,
            key: { sorted[$0].cutKey }, length: { Int(sorted[$0].todoLength) }, zone: { zones[Int(sorted[$0].taskZone)] },
            leads: { [sorted[$0].leadRank] },
            write: { (index, stream) throws(FeedError) in
                let entry = sorted[index]
                let read = try bytes(at: entry.offset + UInt64(entry.eventLength), count: Int(entry.todoLength))
                try stream.add(read, overdue: entry.overdue, leads: CollectionOfOne(entry.leadRank))
            })
        return OwnerFiles(events: events, tasks: tasks)
    }

    /// Writes one feed of `count` components, given in feed order; with a
    /// budget, only the nearest that fit it (see `CutKey`), still in feed
    /// order, and each one's place in the file is kept for everyone's feed.
    private func writeFeed(
        kind: FeedEntry.Kind, owner: OwnerFeed, budget: FeedBudget, name: String, span full: FeedSpan, count: Int,
        key: (Int) -> CutKey, length: (Int) -> Int, zone: (Int) -> String?, leads: (Int) -> [UInt32],
        write: (Int, FeedStream) throws(FeedError) -> Void
    ) throws(FeedError) -> WrittenFeed {
        let keys = (0..<count).map(key)
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        let cut = try fit(budget: budget, name: name, full: full, order: order, length: length) { (zone($0), keys[$0].date) }
        var kept: [Bool]?
        if cut.count < count {
            kept = [Bool](repeating: false, count: count)
            for index in order.prefix(cut.count) { kept![index] = true }
        }
        let stream = try FeedStream(
            folder: folder, stem: owner.stem, kind: kind, owner: owner.owner, name: name, span: cut.span, catalog: catalog, mode: fileMode)
        var items: [FeedItem] = []
        items.reserveCapacity(cut.count)
        for index in 0..<count where kept?[index] ?? true {
            let start = stream.position
            try write(index, stream)
            items.append(
                FeedItem(
                    key: keys[index], offset: start, length: UInt32(stream.position - start),
                    leads: leads(index), zone: zone(index)))
        }
        var written = try stream.finish(span: cut.span)
        written.items = items
        written.total = count
        written.totalOverdue = keys.reduce(0) { $0 + ($1.overdue ? 1 : 0) }
        written.firstLeftOut = cut.count < count ? keys[order[cut.count]] : nil
        return written
    }

    /// How many components, taken in `order`, fit `budget` with the
    /// feed's header and footer, and the span of those kept (the header's
    /// VTIMEZONEs cover only what is kept).
    private func fit(
        budget: FeedBudget, name: String, full: FeedSpan, order: [Int], length: (Int) -> Int,
        place: (Int) -> (zone: String?, date: Int32)
    ) throws(FeedError) -> (count: Int, span: FeedSpan) {
        let footer = ICalSerializer.footer.count
        // The lazy view needs escaping closures; it lives only for this call.
        return try withoutActuallyEscaping(length) { (length) throws(FeedError) in
            try withoutActuallyEscaping(place) { (place) throws(FeedError) in
                try BudgetCut.kept(
                    order.lazy.map { index in
                        let place = place(index)
                        return (length: length(index), zone: place.zone, date: place.date)
                    }, within: full, budget: budget
                ) { (span) throws(FeedError) in try FeedStream.header(name: name, span: span, catalog: catalog).count + footer }
            }
        }
    }

    /// Everyone's feed of one kind, cut to the budget: the nearest of all
    /// the owners' kept components, copied from the owners' files.
    private func writeEveryone(kind: FeedEntry.Kind, owners: [WrittenFeed], span full: FeedSpan, budget: FeedBudget) throws(FeedError) -> WrittenFeed {
        let name = kind == .events ? "Follow-ups" : "Follow-up tasks"
        var all: [(owner: Int, item: Int)] = []
        for (owner, feed) in owners.enumerated() {
            for item in (feed.items ?? []).indices { all.append((owner, item)) }
        }
        func item(_ index: Int) -> FeedItem { owners[all[index].owner].items![all[index].item] }
        let order = all.indices.sorted { item($0).key < item($1).key }
        let cut = try fit(budget: budget, name: name, full: full, order: order, length: { Int(item($0).length) }) {
            (item($0).zone, item($0).key.date)
        }
        var kept = [[Bool]](repeating: [], count: owners.count)
        for (owner, feed) in owners.enumerated() { kept[owner] = [Bool](repeating: cut.count == all.count, count: feed.items?.count ?? 0) }
        if cut.count < all.count {
            for index in order.prefix(cut.count) { kept[all[index].owner][all[index].item] = true }
        }
        let stream = try FeedStream(
            folder: folder, stem: OwnerNames.everyone, kind: kind, owner: nil, name: name, span: cut.span, catalog: catalog, mode: fileMode)
        for (owner, feed) in owners.enumerated() {
            try stream.append(feed, items: feed.items ?? [], kept: kept[owner])
        }
        var written = try stream.finish(span: cut.span)
        written.total = owners.reduce(0) { $0 + $1.total }
        written.totalOverdue = owners.reduce(0) { $0 + $1.totalOverdue }
        var firsts = owners.compactMap(\.firstLeftOut)
        if cut.count < all.count { firsts.append(item(order[cut.count]).key) }
        written.firstLeftOut = firsts.min()
        return written
    }

    /// Writes the feeds of owners no sink finished (those without touches
    /// among them), then everyone's feeds from the owners' and the
    /// manifest. Call it once, after every sink has its last touch.
    /// - Parameters:
    ///   - leadID: the id of a lead by its rank in id order, which
    ///     `index.json` names the first touch a budget left out by.
    ///   - retiring: feed files the last run into the folder wrote; those
    ///     of owners this run has not (no lead is theirs any more) are
    ///     removed, so a feed never goes on publishing leads it no longer
    ///     holds. Only names of feed files in the folder are taken.
    public func finish(rejectedRows: Int, leads: Int, leadID: ((UInt32) -> String)? = nil, retiring: [String] = []) throws(FeedError)
        -> FeedWriteReport
    {
        defer { withExtendedLifetime(lock) {} }
        let builder = ComponentBuilder(options: options, catalog: catalog, links: links, feeds: feeds)
        for sink in sinks { try sink.finishAll(run: self) }
        for feed in feeds.indices where ownerFiles[feed] == nil {
            record(
                try writeOwner(feed, entries: [], zones: [nil], digestItems: [], spans: (FeedSpan(), FeedSpan()), spill: nil, builder: builder),
                feed: feed)
        }
        let owners = feeds.indices.map { ownerFiles[$0]! }

        // Everyone's feeds: their header, then each owner's components as
        // the owner's file has them, copied by the kernel.
        var eventSpan = FeedSpan(), taskSpan = FeedSpan()
        for files in owners {
            eventSpan.merge(files.events.span)
            taskSpan.merge(files.tasks.span)
        }
        // The two are independent: each is written by a thread of its own.
        let everyone = Everyone()
        let folder = folder, catalog = catalog, fileMode = fileMode, spans = [eventSpan, taskSpan]
        let budget = options.profile.budget
        // Begun while owners were planned: gone on with if its header holds.
        let head = self.head
        head?.done.wait()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            do throws(FeedError) {
                let kind: FeedEntry.Kind = index == 0 ? .events : .tasks
                let span = spans[index]
                if let budget {
                    everyone.set(
                        index,
                        .success(try self.writeEveryone(kind: kind, owners: owners.map { index == 0 ? $0.events : $0.tasks }, span: span, budget: budget)))
                    return
                }
                if let head, let begun = head.streams[index] {
                    if head.spans[index] == span {
                        for files in owners[head.upTo...] { try begun.append(index == 0 ? files.events : files.tasks) }
                        everyone.set(index, .success(try begun.finish(span: span)))
                        return
                    }
                    // An owner planned again spans other zones or years than before: its header differs.
                    begun.discard()
                }
                let stream = try FeedStream(
                    folder: folder, stem: OwnerNames.everyone, kind: kind, owner: nil,
                    name: index == 0 ? "Follow-ups" : "Follow-up tasks", span: span, catalog: catalog, mode: fileMode)
                for files in owners { try stream.append(index == 0 ? files.events : files.tasks) }
                everyone.set(index, .success(try stream.finish(span: span)))
            } catch {
                everyone.set(index, .failure(error))
            }
        }
        var everyoneFeeds = try everyone.feeds()
        var ownerFeeds = owners.flatMap { [$0.events, $0.tasks] }
        // A feed cut to the budget says so, and names the nearest touch left out.
        if let budget {
            for index in ownerFeeds.indices { ownerFeeds[index].noteCut(budget: budget, leadID: leadID, digest: options.digest) }
            for index in everyoneFeeds.indices { everyoneFeeds[index].noteCut(budget: budget, leadID: leadID, digest: options.digest) }
        }

        // Every feed goes in place at the end, owners' first, once all are
        // on the disk: owners' were synced in the background as they were
        // finished, everyone's are synced now, together.
        try fileOperation { () throws(FileError) in try backgroundSync.wait() }
        let files = (ownerFeeds + everyoneFeeds).compactMap(\.file)
        try fileOperation { () throws(FileError) in try AtomicFile.syncAll(files.filter { !$0.synced }) }
        // index.json describes one run's feeds: while feeds are being
        // replaced it is not there, so a run stopped half-way leaves no
        // index claiming a mix of old and new feeds (each is whole).
        let indexPath = (folder as NSString).appendingPathComponent("index.json")
        if files.contains(where: { $0.changes() }) { unlink(indexPath) }
        var replaced: [String: Bool] = [:]
        for feed in ownerFeeds + everyoneFeeds {
            guard let file = feed.file else { continue }
            replaced[feed.entry.file] = try fileOperation { () throws(FileError) in try file.place() }
        }
        let current = Set((ownerFeeds + everyoneFeeds).map(\.entry.file))
        var retired: [String] = []
        for name in Set(retiring).subtracting(current).sorted()
        where !name.contains("/") && !name.hasPrefix(".") && (name.hasSuffix(".events.ics") || name.hasSuffix(".tasks.ics")) {
            if unlink((folder as NSString).appendingPathComponent(name)) == 0 { retired.append(name) }
        }
        var entries: [FeedEntry] = [], written: [String] = [], unchanged: [String] = []
        for feed in everyoneFeeds + ownerFeeds {
            entries.append(feed.entry)
            if replaced[feed.entry.file] == true { written.append(feed.entry.file) } else { unchanged.append(feed.entry.file) }
        }
        let manifest = FeedManifest(
            feeds: entries, leads: leads, touchpoints: everyoneFeeds[1].entry.components + (everyoneFeeds[1].entry.cut?.leftOut ?? 0),
            rejectedRows: rejectedRows)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json: Data
        do { json = try encoder.encode(manifest) } catch { throw FeedError("cannot encode index.json: \(error)") }
        let index = try fileOperation { () throws(FileError) in try AtomicFile(path: indexPath, mode: fileMode) }
        try fileOperation { () throws(FileError) in try index.write(Array(json) + [0x0A]) }
        if try fileOperation { () throws(FileError) in try index.commit() } { written.append("index.json") } else { unchanged.append("index.json") }
        // What a later run needs to keep an owner's feeds as they are now:
        // the files in place (renamed or left), as they are now.
        var kept: [String: KeptOwnerFeeds] = [:]
        if budget == nil {
            func keptFeed(_ feed: WrittenFeed) -> KeptFeed? {
                FileIdentity(regularFileAt: (folder as NSString).appendingPathComponent(feed.entry.file)).map {
                    KeptFeed(
                        entry: feed.entry, body: feed.body, zones: feed.span.zones.sorted(), years: feed.span.years, file: $0)
                }
            }
            for (index, files) in owners.enumerated() {
                if let events = keptFeed(files.events), let tasks = keptFeed(files.tasks) {
                    kept[feeds[index].stem] = KeptOwnerFeeds(events: events, tasks: tasks)
                }
            }
        }
        return FeedWriteReport(
            manifest: manifest, written: written, unchanged: unchanged, staleRemoved: staleRemoved, kept: kept, retired: retired)
    }
}

/// Everyone's two feeds as begun by `beginEveryone`: the header assumed,
/// and the owners copied in so far (feeds `0..<upTo`).
///
/// `@unchecked Sendable`: each stream is set by its own thread before it
/// leaves `done`, and read only after `done` is waited for.
private final class EveryoneHead: @unchecked Sendable {
    let spans: [FeedSpan]
    let upTo: Int
    var streams: [FeedStream?] = [nil, nil]
    let done = DispatchGroup()

    init(spans: [FeedSpan], upTo: Int) {
        self.spans = spans
        self.upTo = upTo
    }
}

/// Everyone's two feeds, as their threads finish them.
private final class Everyone: Sendable {
    private let state = Mutex<[Result<FeedRun.WrittenFeed, FeedError>?]>([nil, nil])

    func set(_ index: Int, _ result: Result<FeedRun.WrittenFeed, FeedError>) {
        state.withLock { $0[index] = result }
    }

    /// The events feed, then the tasks feed; the first failure, if any.
    func feeds() throws(FeedError) -> [FeedRun.WrittenFeed] {
        let results = state.withLock { $0 }
        var feeds: [FeedRun.WrittenFeed] = []
        for result in results {
            switch result {
            case .success(let feed): feeds.append(feed)
            case .failure(let error): throw error
            case nil: throw FeedError("everyone's feeds were not written")
            }
        }
        return feeds
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
    var overdue: Bool
    var offset: UInt64
    /// The VEVENT's bytes (0 with digests: events are per day), then the VTODO's.
    var eventLength: UInt32
    var todoLength: UInt32
    /// The zones the VEVENT's and the VTODO's times name, as numbers of the
    /// sink's `zones` (0: none); kept only when the profile has a budget.
    var eventZone: UInt16 = 0
    var taskZone: UInt16 = 0

    /// Where it stands when a feed is cut to a budget.
    var cutKey: CutKey {
        CutKey(date: date, overdue: overdue, minutes: minutes, leadRank: leadRank, windowStart: windowStart, index: index)
    }

    /// Feed order: day, time, lead (by id), window, place in the lead's plan.
    func precedes(_ other: Entry) -> Bool {
        (date, minutes, leadRank, windowStart, index) < (other.date, other.minutes, other.leadRank, other.windowStart, other.index)
    }
}

/// One touch's components as bytes, and where they go in the feed order:
/// made by `FeedSink.prepare` on one thread, kept by `FeedSink.record` on
/// the sink of the touch's owner.
public struct PreparedTouch: @unchecked Sendable {
    // @unchecked: values only (the touchpoint in a digest item holds strings).
    fileprivate var entry: Entry
    /// The VEVENT and its times (nil with digests: events are per day).
    fileprivate var event: (bytes: [UInt8], start: ICalTime, end: ICalTime)?
    /// The VTODO and its times.
    fileprivate var todo: (bytes: [UInt8], start: ICalTime, due: ICalTime)
    fileprivate var digestItem: DigestItem?
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

/// Where one thread's touches go: each is serialised at once and its bytes
/// kept in the sink's scratch file. Not shared between threads.
public final class FeedSink: @unchecked Sendable {
    // @unchecked: a sink is used by one thread at a time; the run reads it
    // in `finish`, after that thread is done with it.
    let spill: ScratchFile
    private let builder: ComponentBuilder
    private let options: FeedOptions
    /// Texts of property values that recur from touch to touch, this thread's.
    private let properties = PropertyCache()
    fileprivate(set) var entries: [Int: [Entry]] = [:]
    fileprivate(set) var spans: [Int: (events: FeedSpan, tasks: FeedSpan)] = [:]
    fileprivate(set) var digestItems: [Int: [DigestItem]] = [:]
    /// The zones entries name, by number (0: none), with a budget only.
    private var zones: [String?] = [nil]
    private var zoneNumbers: [String: UInt16] = [:]
    /// Feeds this sink has written.
    private var finished: Set<Int> = []
    /// Components serialised so far.
    public var components: Int {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }
    private var recorded = 0
    /// Touches may be recorded from other threads than the sink's (`record`).
    private let lock = NSLock()
    /// Serialised components a sink keeps in memory before its scratch
    /// file takes the rest: an owner of a small or middling store never
    /// touches the file, one of a large store spills the overflow. Every
    /// byte that spills is written, read back and written again into the
    /// feed; on a sheet of long notes (110 MB of components an owner at
    /// 100,000 leads) that was a tenth of a run. So the sinks share one
    /// budget (`memoryBudget`), each at least `memoryLimit`: memory stays
    /// flat in the number of leads, and bounded on a machine of many cores.
    public static let memoryLimit = 32 << 20
    /// What all sinks of a run keep in memory together, at most (unless
    /// there are so many threads that each gets only `memoryLimit`).
    public static let memoryBudget = 384 << 20

    /// Each sink's share of `memoryBudget` for a run on `threads` threads.
    public static func memoryLimit(threads: Int) -> Int { max(memoryLimit, memoryBudget / max(threads, 1)) }

    fileprivate init(
        folder: String, options: FeedOptions, catalog: TimeZoneCatalog, memoryLimit: Int, links: ActionLinks?, feeds: [OwnerFeed]
    ) throws(FeedError) {
        spill = try fileOperation { () throws(FileError) in try ScratchFile(in: folder, memoryLimit: memoryLimit) }
        self.options = options
        // A builder per sink: its organizer and link caches are not shared between threads.
        builder = ComponentBuilder(options: options, catalog: catalog, links: links, feeds: feeds)
    }

    /// Writes the owner's feeds at `feed` (an index of the run's `feeds`):
    /// every touch of that owner has been added, here and nowhere else.
    /// Call it on the sink's thread, so owners' feeds are written in parallel.
    /// Every touch recorded for the feed must be recorded by then.
    public func finish(feed: Int, run: FeedRun) throws(FeedError) {
        lock.lock()
        defer { lock.unlock() }
        guard finished.insert(feed).inserted else { return }
        try fileOperation { () throws(FileError) in try spill.flush() }
        let files = try run.writeOwner(
            feed, entries: entries.removeValue(forKey: feed) ?? [], zones: zones, digestItems: digestItems.removeValue(forKey: feed) ?? [],
            spans: spans[feed] ?? (FeedSpan(), FeedSpan()), spill: spill, builder: builder)
        run.record(files, feed: feed)
        // Nothing else waits in the scratch file: it is emptied, so its
        // pages are dropped rather than written to disk.
        if entries.isEmpty && digestItems.isEmpty { try fileOperation { () throws(FileError) in try spill.truncate() } }
    }

    /// Writes every feed this sink has touches of and has not written yet.
    fileprivate func finishAll(run: FeedRun) throws(FeedError) {
        for feed in Set(entries.keys).union(digestItems.keys).sorted() { try finish(feed: feed, run: run) }
    }

    /// Serialises one touch into the feed at `feed` (an index of the run's
    /// `feeds`). All of one owner's touches go to one sink.
    /// - Parameters:
    ///   - leadRank: the lead's place among the run's lead ids in id order.
    ///   - index: the touch's place in its lead's plan.
    public func add(_ touch: Touchpoint, feed: Int, leadRank: UInt32, index: Int) throws(FeedError) {
        try record(try prepare(touch, leadRank: leadRank, index: index), feed: feed)
    }

    /// Builds and serialises one touch's components with this sink's builder
    /// and property texts (so on this sink's thread), for `record` on the
    /// sink of the touch's owner, which may be another thread's: a thread
    /// with no owner left to plan serialises for one that still plans. What
    /// a touch becomes does not depend on the thread that made it.
    public func prepare(_ touch: Touchpoint, leadRank: UInt32, index: Int) throws(FeedError) -> PreparedTouch {
        let entry = Entry(
            date: Int32(clamping: touch.date.daysSinceEpoch), windowStart: Int32(clamping: touch.windowStart.daysSinceEpoch),
            leadRank: leadRank, minutes: Int16(touch.time.minutesSinceMidnight), index: UInt16(clamping: index),
            overdue: touch.overdue, offset: 0, eventLength: 0, todoLength: 0)
        if options.digest {
            let clock = builder.ownerWallTime(touch)
            let item = DigestItem(
                entry: entry, touch: RankedTouch(touchpoint: touch, leadRank: leadRank), clock: clock,
                day: LocalDate(year: clock.year, month: clock.month, day: clock.day)!)
            let todo = builder.todo(for: touch)
            let bytes = try serialised { () throws(ICalError) in try ICalSerializer.serialize(todo, cache: properties) }
            return PreparedTouch(entry: entry, event: nil, todo: (bytes, todo.start, todo.due), digestItem: item)
        }
        let components = builder.eventAndTodo(for: touch)
        let texts = try serialised { () throws(ICalError) in try ICalSerializer.serialize(components.event, components.todo, cache: properties) }
        return PreparedTouch(
            entry: entry, event: (texts.event, components.event.start, components.event.end),
            todo: (texts.todo, components.todo.start, components.todo.due), digestItem: nil)
    }

    /// Keeps a prepared touch of the feed at `feed` (an index of the run's
    /// `feeds`). Safe from any thread; the order touches are recorded in
    /// does not change the feeds (they are sorted when written).
    public func record(_ touch: PreparedTouch, feed: Int) throws(FeedError) {
        lock.lock()
        defer { lock.unlock() }
        var span = spans[feed] ?? (FeedSpan(), FeedSpan())
        var entry = touch.entry
        entry.offset = spill.size
        if var item = touch.digestItem {
            item.entry.offset = entry.offset
            digestItems[feed, default: []].append(item)
        }
        // The feed's span is read off the components: their times are made once.
        if options.profile.budget != nil {
            entry.eventZone = zoneNumber(touch.event?.start.tzid)
            entry.taskZone = zoneNumber(touch.todo.start.tzid)
        }
        if let event = touch.event {
            span.events.add(event.start)
            span.events.add(event.end)
            try fileOperation { () throws(FileError) in try spill.append(event.bytes) }
            entry.eventLength = UInt32(event.bytes.count)
            recorded += 1
        }
        span.tasks.add(touch.todo.start)
        span.tasks.add(touch.todo.due)
        try fileOperation { () throws(FileError) in try spill.append(touch.todo.bytes) }
        entry.todoLength = UInt32(touch.todo.bytes.count)
        recorded += 1
        spans[feed] = span
        entries[feed, default: []].append(entry)
    }
}

extension FeedSink {
    /// The number of a zone in `zones`, given one when it is new.
    fileprivate func zoneNumber(_ zone: String?) -> UInt16 {
        guard let zone else { return 0 }
        if let known = zoneNumbers[zone] { return known }
        let number = UInt16(clamping: zones.count)
        zones.append(zone)
        zoneNumbers[zone] = number
        return number
    }
}

extension FeedRun.WrittenFeed {
    /// Records in the manifest's entry that the feed was cut, if it was.
    mutating func noteCut(budget: FeedBudget, leadID: ((UInt32) -> String)?, digest: Bool) {
        guard let first = firstLeftOut else { return }
        entry.cut = FeedCut(
            budget: budget, leftOut: total - entry.components, leftOutOverdue: totalOverdue - entry.overdue,
            firstLeftOut: first.point(leadID: leadID, isDigest: digest && entry.kind == .events))
    }
}

/// A component's bytes, libical's error as a feed error.
private func serialised<Bytes>(_ body: () throws(ICalError) -> Bytes) throws(FeedError) -> Bytes {
    do { return try body() } catch { throw FeedError(error.description) }
}

/// The zones a feed names and the years its times fall in.
struct FeedSpan: Sendable, Equatable {
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
    private var leadCount = 0
    /// Where the components start, after the header and VTIMEZONEs.
    private var bodyStart: UInt64 = 0

    init(
        folder: String, stem: String, kind: FeedEntry.Kind, owner: String?, name: String,
        span: FeedSpan, catalog: TimeZoneCatalog, mode: mode_t
    ) throws(FeedError) {
        let fileName = "\(stem).\(kind.rawValue).ics"
        // Feeds are written once and read by other processes, later: around
        // the page cache (see `DirectIO`), which writing gigabytes through
        // costs a fifth of a large run's time.
        file = try fileOperation { () throws(FileError) in
            try AtomicFile(path: (folder as NSString).appendingPathComponent(fileName), mode: mode, direct: true)
        }
        entry = FeedEntry(file: fileName, kind: kind, owner: owner, components: 0, overdue: 0, leads: 0)
        let header = try Self.header(name: name, span: span, catalog: catalog)
        try fileOperation { () throws(FileError) in try file.write(header) }
        bodyStart = file.count
    }

    /// The calendar's header and one VTIMEZONE per zone the feed names,
    /// covering the years it spans.
    static func header(name: String, span: FeedSpan, catalog: TimeZoneCatalog) throws(FeedError) -> [UInt8] {
        do throws(ICalError) {
            var bytes = try ICalSerializer.header(ICalCalendarInfo(productID: FeedWriter.productID, name: name, refreshInterval: 3600))
            if let years = span.years {
                for zone in span.zones.sorted() { bytes += try catalog.vtimezone(for: zone, years: years) }
            }
            return bytes
        } catch {
            throw FeedError("\(name): \(error.description)")
        }
    }

    /// Bytes written so far.
    var position: UInt64 { file.count }

    /// Drops the file unwritten (see `AtomicFile.discard`).
    func discard() { file.discard() }

    /// Waits until what is written so far is on the disk (see `AtomicFile.writeBack`).
    func writeBack() { file.writeBack() }

    /// Writes one component, which carries touches of these leads.
    func add(_ bytes: ArraySlice<UInt8>, overdue: Bool, leads: some Sequence<UInt32>) throws(FeedError) {
        try fileOperation { () throws(FileError) in try file.write(bytes) }
        entry.components += 1
        if overdue { entry.overdue += 1 }
        for lead in leads { self.leads.insert(lead) }
    }

    /// Appends the components of an owner's feed, copied from its (still temporary) file.
    func append(_ owner: FeedRun.WrittenFeed) throws(FeedError) {
        try copy(owner, offset: owner.body.lowerBound, length: owner.body.upperBound - owner.body.lowerBound)
        entry.components += owner.entry.components
        entry.overdue += owner.entry.overdue
        // A lead has one owner: owners' leads never overlap.
        leadCount += owner.entry.leads
    }

    /// Appends the kept ones of an owner's components (`items`, in the
    /// owner's feed order), copied from its file a run of adjacent ones at a time.
    func append(_ owner: FeedRun.WrittenFeed, items: [FeedItem], kept: [Bool]) throws(FeedError) {
        var index = 0
        while index < items.count {
            guard kept[index] else {
                index += 1
                continue
            }
            let start = items[index].offset
            var end = start
            while index < items.count, kept[index], items[index].offset == end {
                let item = items[index]
                end += UInt64(item.length)
                entry.components += 1
                if item.key.overdue { entry.overdue += 1 }
                for lead in item.leads { leads.insert(lead) }
                index += 1
            }
            try copy(owner, offset: start, length: end - start)
        }
    }

    /// Copies bytes of an owner's file: by the kernel, or, where the
    /// owner's components link with the owner's token, through `TokenSwap`.
    private func copy(_ owner: FeedRun.WrittenFeed, offset: UInt64, length: UInt64) throws(FeedError) {
        guard let swap = owner.swap else {
            try fileOperation { () throws(FileError) in try file.append(from: owner.source, offset: offset, length: length) }
            return
        }
        try fileOperation { () throws(FileError) in
            try file.append(from: owner.source, offset: offset, length: length) { bytes, final in swap.apply(to: &bytes, final: final) }
        }
    }

    /// Closes the calendar and puts the file in place.
    func finish(span: FeedSpan) throws(FeedError) -> FeedRun.WrittenFeed {
        let body = bodyStart..<file.count
        try fileOperation { () throws(FileError) in try file.write(ICalSerializer.footer) }
        try fileOperation { () throws(FileError) in try file.close() }
        entry.leads = leads.count + leadCount
        return FeedRun.WrittenFeed(entry: entry, file: file, source: file.temporaryPath, span: span, body: body)
    }
}
