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

    /// What the run wrote, and what it read to write it.
    struct Written {
        var written: FeedWriteReport
        var leads: Int
        /// Every zone the plan used: today moves on in each at its midnight.
        var zones: Set<String>
        var read: LeadSheetResult
    }

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
    }

    func write(progress: @escaping @Sendable (GenerateProgress) -> Void) throws(GenerateError) -> Written {
        let out = job.out, options = job.options
        // The leads wait in a nameless scratch file in the output folder
        // (the feeds' disk, owner-only); a run that stops before writing
        // leaves no folder it made.
        let outExisted = FileManager.default.fileExists(atPath: out)
        var writing = false
        defer { if !writing && !outExisted { rmdir(out) } }
        let leads = try spill()
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
        do {
            let run = try writer.begin(folder: out, owners: leads.read.owners + leads.ownerNames)
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
            for _ in 0..<threads { sinks.append(try run.makeSink(memoryLimit: options.memoryLimit)) }
            if let spill = leads.spill {
                let planner = job.planner, frozenRank = rank, frozenWork = work
                try scheduler.run(sinks: sinks) { feed, sink, scheduler in
                    try Self.plan(
                        feed: feed, leads: frozenWork[feed], refs: refs, rank: frozenRank, spill: spill,
                        planner: planner, sink: sink, run: run, scheduler: scheduler)
                }
            }
            progress(.writing)
            let report = try run.finish(rejectedRows: leads.read.rejectedRows, leads: refs.count) { refs[byRank[Int($0)]].key.id }
            return Written(written: report, leads: refs.count, zones: leads.zones, read: leads.read)
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
        let read: LeadSheetResult
        do {
            read = try job.store.read { lead in
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
                        OwnerNames.prepare(lead.owner)
                    }
                    leads.refs.append(LeadRef(key: job.planner.planningKey(lead), location: location, owner: owner))
                    if let zone = lead.timeZone { leads.zones.insert(zone) }
                } catch {
                    failure = error
                }
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
