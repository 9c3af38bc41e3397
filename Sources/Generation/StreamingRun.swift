import Feeds
import FileKit
import FollowUp
import Foundation
import ICal
import LeadStore

/// The writing part of a `GenerateJob`: reads the store, plans every lead
/// and writes the feeds, streaming.
///
/// Each lead goes to a scratch file in the output folder as its row is
/// read; only what orders the planning stays in memory (`LeadRef`). Owners
/// are then planned on every core (`OwnerScheduler`), each touch
/// serialised as soon as it is planned (see `FeedRun`).
struct StreamingRun {
    let job: GenerateJob
    /// With a store that keeps owner revisions (and feeds not cut to a
    /// budget): which owners' feeds of the last run to keep, given this
    /// run's feeds and each one's revision (by stem), asked in the store's
    /// snapshot before any lead is read. Only the others' leads are read
    /// and planned. nil: every lead is read and planned.
    var keep: ((_ feeds: [OwnerFeed], _ revisions: [String: String]) -> [String: KeptOwner])?
    /// Whether a run that keeps every owner's feeds, these (by stem), has
    /// nothing to write: they were all the last run's feeds, and everyone's
    /// feeds and the index are still there.
    var skipsWhenAllKept: ((Set<String>) -> Bool)?
    /// The files the last run into the folder wrote: feeds among them
    /// that this run does not write are removed.
    var previousFiles: [String] = []
    /// The last run's share of each owner, by stem, for the owners planned
    /// again: everyone's feeds are begun assuming they span what they did.
    var earlier: [String: KeptOwner] = [:]

    /// What the run wrote, and what it read to write it.
    struct Written {
        var written: FeedWriteReport
        var leads: Int
        /// Every zone the plan used: today moves on in each at its midnight.
        var zones: Set<String>
        var read: LeadSheetResult
        /// Each owner's share, for the next run to keep (with `keep` only).
        var owners: [String: KeptOwner]?
        /// Owners' feeds planned, of all, and their leads, when some were kept.
        var replanned: GenerateReport.Replanned?
        /// The action links the components carry, their tokens as the run took them.
        var links: ActionLinks?
    }

    /// What a run with `keep` found: every owner's feeds can stay as they are.
    struct Unchanged: Error {}

    /// What the run keeps of a lead while the store is read: enough to
    /// order the planning and to find the lead again.
    struct LeadRef {
        var key: PlanningKey
        var location: LeadSpill.Location
        /// The lead's owner, as a number of this run.
        var owner: Int32
    }

    /// The leads read, and where they wait.
    struct Spilled {
        var spill: LeadSpill?
        var refs: [LeadRef] = []
        var ownerNames: [String] = []
        var zones: Set<String>
        var read: LeadSheetResult
        /// Keeping a lead failed (the disk): the run stops once the store's
        /// problems are reported.
        var failure: GenerateError?
        /// With `keep`: every owner of the store (with or without leads
        /// read), each feed's revision by stem, and the feeds kept.
        var storeOwners: [String] = []
        var revisions: [String: String]?
        var kept: [String: KeptOwner] = [:]
        /// The zones each owner's leads name, by owner number.
        var zonesOfOwner: [Set<String>] = []
    }

    /// - Throws: `Unchanged` (with `keep` and `skipsWhenAllKept`) when
    ///   every owner's feeds are kept: nothing is written.
    func write(progress: @escaping @Sendable (GenerateProgress) -> Void) throws -> Written {
        let out = job.out, options = job.options
        // The leads wait in a nameless scratch file in the output folder
        // (the feeds' disk, owner-only); a run that stops before writing
        // leaves no folder it made.
        let outExisted = FileManager.default.fileExists(atPath: out)
        var writing = false
        defer { if !writing && !outExisted { rmdir(out) } }
        let leads = try spill()
        if let skips = skipsWhenAllKept, let revisions = leads.revisions, leads.kept.count == revisions.count, leads.failure == nil,
            skips(Set(leads.kept.keys))
        {
            throw Unchanged()
        }
        progress(.read(leads.read))
        if let failure = leads.failure { throw failure }
        if leads.read.headerIsUnusable {
            throw GenerateError(.store, "\(job.store.name): nothing written: the lead sheet's header must be fixed first")
        }
        if options.strict && !leads.read.errors.isEmpty {
            let rejected = leads.read.rejectedRows
            throw GenerateError(.rowsRejected, "\(job.store.name): nothing written (--strict): \(rejected) row\(rejected == 1 ? "" : "s") rejected")
        }

        writing = true
        let catalog = TimeZoneCatalog()
        var writer = FeedWriter(catalog: catalog, options: options.feeds.following(job.planner.playbook))
        writer.fileMode = options.fileMode
        writer.lockWait = options.lockWait
        writer.links = options.links
        do {
            let run = try writer.begin(folder: out, owners: leads.read.owners + leads.ownerNames + leads.storeOwners)
            for (stem, kept) in leads.kept {
                guard let feed = run.feeds.firstIndex(where: { $0.stem == stem }) else { continue }
                try run.reuse(kept.feeds, feed: feed)
            }
            if !leads.kept.isEmpty {
                var assumed: [Int: KeptOwnerFeeds] = [:]
                for (index, feed) in run.feeds.enumerated() where leads.kept[feed.stem] == nil {
                    if let before = earlier[feed.stem] { assumed[index] = before.feeds }
                }
                run.beginEveryone(assuming: assumed)
            }
            let refs = leads.refs
            // A lead's rank in id order stands for its id: the feeds order by it.
            var rank = [UInt32](repeating: 0, count: refs.count)
            let byRank = refs.indices.sorted(by: { refs[$0].key.id < refs[$1].key.id })
            for (place, index) in byRank.enumerated() {
                rank[index] = UInt32(place)
            }
            let feedOfOwner = leads.ownerNames.map { run.feedIndex(ofOwner: $0)! }
            var work = [[Int32]](repeating: [], count: run.feeds.count)
            for index in refs.indices { work[feedOfOwner[Int(refs[index].owner)]].append(Int32(index)) }
            // Largest owners first, so the cores finish together.
            let queue = work.indices.filter { !work[$0].isEmpty }.sorted { (work[$0].count, $1) > (work[$1].count, $0) }
            // Threads beyond the owners serialise for those that plan.
            let threads = queue.isEmpty ? 1 : max(1, options.threads ?? ProcessInfo.processInfo.activeProcessorCount)
            let meter = options.progressFromLeads.flatMap { refs.count >= $0 ? ProgressMeter(leads: refs.count, show: progress) : nil }
            let scheduler = OwnerScheduler(queue: queue, progress: meter)
            var sinks: [FeedSink] = []
            let memoryLimit = options.memoryLimit ?? FeedSink.memoryLimit(threads: threads)
            for _ in 0..<threads { sinks.append(try run.makeSink(memoryLimit: memoryLimit)) }
            if let spill = leads.spill {
                let planner = job.planner, frozenRank = rank, frozenWork = work
                try scheduler.run(sinks: sinks) { feed, sink, scheduler in
                    try Self.plan(
                        feed: feed, leads: frozenWork[feed], refs: refs, rank: frozenRank, spill: spill,
                        planner: planner, sink: sink, run: run, scheduler: scheduler)
                }
            }
            progress(.writing)
            let keptLeads = leads.kept.values.reduce(0) { $0 + $1.leads }
            let report = try run.finish(
                rejectedRows: leads.read.rejectedRows, leads: refs.count + keptLeads, leadID: { refs[byRank[Int($0)]].key.id },
                retiring: previousFiles)
            var zones = leads.zones
            for kept in leads.kept.values { zones.formUnion(kept.zones) }
            var written = Written(written: report, leads: refs.count + keptLeads, zones: zones, read: leads.read)
            written.links = run.links
            if let revisions = leads.revisions {
                // Each owner's share, for the next run: kept ones as they were.
                var zonesOfFeed = [Set<String>](repeating: [], count: run.feeds.count)
                for (owner, feed) in feedOfOwner.enumerated() { zonesOfFeed[feed].formUnion(leads.zonesOfOwner[owner]) }
                var owners: [String: KeptOwner] = [:]
                for (index, feed) in run.feeds.enumerated() {
                    if let kept = leads.kept[feed.stem] {
                        owners[feed.stem] = kept
                    } else if let revision = revisions[feed.stem], let files = report.kept[feed.stem] {
                        owners[feed.stem] = KeptOwner(revision: revision, leads: work[index].count, zones: zonesOfFeed[index].sorted(), feeds: files)
                    }
                }
                written.owners = owners
                if !leads.kept.isEmpty {
                    written.replanned = GenerateReport.Replanned(owners: run.feeds.count - leads.kept.count, of: run.feeds.count, leads: refs.count)
                }
            }
            return written
        } catch let error as FeedError where error.kind == .notReusable {
            throw error
        } catch let error as FeedError {
            throw GenerateError(error)
        } catch let error as GenerateError {
            throw error
        } catch {
            throw GenerateError(.write, "\(error)")
        }
    }

    /// Reads the store, keeping each lead in the spill (made at the first
    /// lead: a store that cannot be read makes no folder).
    private func spill() throws(GenerateError) -> Spilled {
        var leads = Spilled(
            zones: [job.planner.defaultTimeZone],
            read: LeadSheetResult())
        var ownerNumbers: [String: Int32] = [:]
        var failure: GenerateError?
        var read = LeadSheetResult()
        func each(_ lead: Lead) {
            guard failure == nil else { return }
            do throws(GenerateError) {
                if leads.spill == nil {
                    do throws(FeedError) { try FeedRun.createFolder(job.out) } catch { throw GenerateError(error) }
                    do throws(FileError) { leads.spill = try LeadSpill(in: job.out, memoryLimit: job.options.leadMemoryLimit) } catch {
                        throw GenerateError(error)
                    }
                }
                let location: LeadSpill.Location
                do throws(FileError) { location = try leads.spill!.append(lead) } catch { throw GenerateError(error) }
                let owner: Int32
                if let known = ownerNumbers[lead.owner] {
                    owner = known
                } else {
                    owner = Int32(leads.ownerNames.count)
                    ownerNumbers[lead.owner] = owner
                    leads.ownerNames.append(lead.owner)
                    leads.zonesOfOwner.append([])
                    OwnerNames.prepare(lead.owner)
                }
                leads.refs.append(LeadRef(key: job.planner.planningKey(lead), location: location, owner: owner))
                if let zone = lead.timeZone {
                    leads.zones.insert(zone)
                    leads.zonesOfOwner[Int(owner)].insert(zone)
                }
            } catch {
                failure = error
            }
        }
        do {
            if let keep, let store = job.store as? any RevisionedLeadSource {
                var storeOwners: [String] = [], revisions: [String: String] = [:], kept: [String: KeptOwner] = [:]
                read = try store.read(
                    selecting: { (found: OwnerRevisions) -> Set<String>? in
                        let byFeed = found.byFeed()
                        storeOwners = found.owners.keys.sorted()
                        revisions = byFeed.revisions
                        kept = keep(byFeed.feeds, byFeed.revisions)
                        guard !kept.isEmpty else { return nil }
                        return Set(byFeed.spellings.filter { kept[$0.key] == nil }.flatMap(\.value))
                    }, each: each
                ).result
                leads.storeOwners = storeOwners
                leads.revisions = revisions
                leads.kept = kept
            } else {
                read = try job.store.read(each: each)
            }
        } catch {
            throw GenerateError(.store, "\(error)")
        }
        leads.read = read
        leads.failure = failure
        if failure == nil, let spill = leads.spill {
            do throws(FileError) { try spill.finishWriting() } catch { leads.failure = GenerateError(error) }
        }
        return leads
    }

    /// Plans one owner's leads on the calling thread, in the planner's
    /// order, and writes the owner's feeds.
    private static func plan(
        feed: Int, leads: [Int32], refs: [LeadRef], rank: [UInt32], spill: LeadSpill,
        planner: Planner, sink: FeedSink, run: FeedRun, scheduler: OwnerScheduler
    ) throws {
        var buffer: [UInt8] = []
        var done = 0
        let serialised = DispatchGroup()
        var batch = TouchBatch(feed: feed, sink: sink, done: serialised)
        try planner.plan(
            leads, key: { refs[Int($0)].key },
            lead: { (index: Int32) throws(FeedError) -> Lead in
                do throws(FileError) { return try spill.lead(at: refs[Int(index)].location, buffer: &buffer) } catch { throw FeedError(error) }
            },
            touches: { (index: Int32, touches: [Touchpoint]) throws(FeedError) in
                for (place, touch) in touches.enumerated() {
                    batch.touches.append((touch, rank[Int(index)], place))
                }
                if batch.touches.count >= TouchBatch.size {
                    // A thread with no owner left serialises it, or this one does.
                    try scheduler.hand(batch, mine: sink)
                    batch = TouchBatch(feed: feed, sink: sink, done: serialised)
                }
                done += 1
                if done == 512 { scheduler.planned(done, components: sink.components); done = 0 }
            })
        try batch.serialise(with: sink)
        try scheduler.finishBatches(of: feed, done: serialised, mine: sink)
        scheduler.planned(done, components: sink.components)
        guard !scheduler.hasFailed else { return }
        // The owner is planned: their feeds are written on this thread.
        try sink.finish(feed: feed, run: run)
    }
}

extension OwnerRevisions {
    /// The feeds the store's owners get, each one's revision (a digest of
    /// the revisions of every spelling it gathers) and its spellings, by stem.
    func byFeed() -> (feeds: [OwnerFeed], revisions: [String: String], spellings: [String: [String]]) {
        let feeds = OwnerNames.feeds(for: Array(owners.keys))
        var stemOfKey: [String: String] = [:]
        for feed in feeds { stemOfKey[OwnerNames.key(feed.owner)] = feed.stem }
        var spellings: [String: [String]] = [:]
        for owner in owners.keys {
            guard let stem = stemOfKey[OwnerNames.key(owner)] else { continue }
            spellings[stem, default: []].append(owner)
        }
        var revisions: [String: String] = [:]
        for (stem, names) in spellings {
            var digest = InputDigest()
            for name in names.sorted() {
                digest.add(name)
                digest.add(String(owners[name]!))
            }
            revisions[stem] = digest.hex
        }
        return (feeds, revisions, spellings)
    }
}
