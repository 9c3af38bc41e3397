import Feeds
import FollowUp
import Foundation

/// Plans owners on every core, each owner by one thread with a capacity
/// ledger of its own (capacity is per owner, so owners never meet), and
/// serialises each touch as soon as it is planned.
///
/// A thread takes the next owner (largest first, so the cores finish
/// together), plans the owner's leads in the planner's order and hands
/// batches of touches to threads that have no owner left (`offer`), or
/// serialises them itself when none is free. The feeds do not depend on
/// the number of threads, byte for byte: a touch is recorded in the sink
/// of the thread that planned it, with its place in the feed order.
///
/// `@unchecked Sendable`: every mutable field is read and written under
/// `lock`. A `Mutex` would do for the fields, but the helpers wait for
/// batches on the condition (`wait`/`signal`), which `Mutex` has not.
final class OwnerScheduler: @unchecked Sendable {
    private let lock = NSCondition()
    private var queue: [Int]
    private var position = 0
    private var failure: Error?
    private let progress: ProgressMeter?
    /// Threads planning an owner, threads serialising for them, and the
    /// batches waiting for those.
    private var planners = 0
    private var helpers = 0
    private var batches: [TouchBatch] = []
    /// Batches that may wait per helper: enough that a helper never waits
    /// for the next, few enough that they take little memory.
    private static let queuedPerHelper = 3

    /// - Parameter queue: the feeds of owners to plan, in the order to take them.
    init(queue: [Int], progress: ProgressMeter?) {
        self.queue = queue
        self.progress = progress
    }

    /// Runs `threads` threads until every owner in the queue is planned
    /// and serialised; throws the first failure of any thread.
    /// - Parameters:
    ///   - sinks: one per thread, used by that thread only.
    ///   - planOwner: plans one owner's feed on the calling thread,
    ///     handing full batches to `hand` and serialising the rest.
    func run(sinks: [FeedSink], planOwner: @escaping @Sendable (_ feed: Int, _ sink: FeedSink, _ scheduler: OwnerScheduler) throws -> Void) throws {
        DispatchQueue.concurrentPerform(iterations: sinks.count) { thread in
            let sink = sinks[thread]
            do {
                while let feed = next() {
                    defer { donePlanning() }
                    try planOwner(feed, sink, self)
                }
                // No owner is left: serialise for the threads still planning one.
                try help { try $0.serialise(with: sink) }
            } catch {
                fail(error)
            }
        }
        if let failure { throw failure }
    }

    /// Whether some thread failed: the others stop at their next owner.
    var hasFailed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return failure != nil
    }

    /// Hands a full batch over, or serialises it on this thread when no
    /// helper is free; the batch given is done with either way.
    func hand(_ batch: TouchBatch, mine sink: FeedSink) throws(FeedError) {
        if !offer(batch) { try batch.serialise(with: sink) }
    }

    /// Serialises the batches of `feed` that no helper took yet, and waits
    /// for those a helper is serialising: then every touch of the feed is
    /// in its sink.
    func finishBatches(of feed: Int, done: DispatchGroup, mine sink: FeedSink) throws(FeedError) {
        for unclaimed in takeBack(feed: feed) {
            defer { unclaimed.done.leave() }
            try unclaimed.serialise(with: sink)
        }
        done.wait()
    }

    /// Counts leads planned by one thread; `components` is its sink's running total.
    func planned(_ count: Int, components total: Int, thread: ObjectIdentifier = ObjectIdentifier(Thread.current)) {
        guard let progress else { return }
        lock.lock()
        defer { lock.unlock() }
        progress.planned(count, components: total, thread: thread)
    }

    /// The next owner's feed to plan; nil when all are taken or one failed.
    /// Each feed given is planned, then `donePlanning()` is called.
    private func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil, position < queue.count else { return nil }
        position += 1
        planners += 1
        return queue[position - 1]
    }

    /// An owner's feed given by `next()` is written (or its thread failed).
    private func donePlanning() {
        lock.lock()
        defer { lock.unlock() }
        planners -= 1
        lock.broadcast()
    }

    /// Hands a batch to the threads in `help()`; false when there are none,
    /// or when they have enough waiting (the caller serialises it then), so
    /// that batches never pile up in memory.
    private func offer(_ batch: TouchBatch) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil, batches.count < helpers * Self.queuedPerHelper else { return false }
        batch.done.enter()
        batches.append(batch)
        lock.signal()
        return true
    }

    /// The batches of a feed no helper has taken yet, for its own thread to serialise.
    private func takeBack(feed: Int) -> [TouchBatch] {
        lock.lock()
        defer { lock.unlock() }
        let mine = batches.filter { $0.feed == feed }
        batches.removeAll { $0.feed == feed }
        return mine
    }

    /// Serialises batches for the threads still planning, until none plans.
    private func help(_ serialise: (TouchBatch) throws -> Void) rethrows {
        changeHelpers(by: 1)
        defer { changeHelpers(by: -1) }
        while let batch = nextBatch() {
            defer { batch.done.leave() }
            try serialise(batch)
        }
    }

    /// A helper counts from the time it starts helping, busy or waiting.
    private func changeHelpers(by change: Int) {
        lock.lock()
        defer { lock.unlock() }
        helpers += change
    }

    /// The next batch for a helper; nil once no thread plans any more.
    private func nextBatch() -> TouchBatch? {
        lock.lock()
        defer { lock.unlock() }
        while batches.isEmpty {
            guard planners > 0, failure == nil else { return nil }
            lock.wait()
        }
        return batches.removeFirst()
    }

    private func fail(_ error: Error) {
        lock.lock()
        defer { lock.unlock() }
        if failure == nil { failure = error }
        lock.broadcast()
    }
}

/// Touches planned on one thread, serialised on it or on a thread that has
/// no owner left to plan, and recorded in the sink of the thread that
/// planned them.
///
/// `@unchecked Sendable`: filled by one thread, then handed over whole
/// through the scheduler's lock, and never touched again by the thread
/// that filled it until `done` is left.
final class TouchBatch: @unchecked Sendable {
    /// Enough touches that handing them over costs little next to them.
    static let size = 64
    let feed: Int
    let sink: FeedSink
    /// Entered when the batch is handed over, left once it is recorded.
    let done: DispatchGroup
    var touches: [(touch: Touchpoint, leadRank: UInt32, index: Int)] = []

    init(feed: Int, sink: FeedSink, done: DispatchGroup) {
        self.feed = feed
        self.sink = sink
        self.done = done
        touches.reserveCapacity(Self.size + 8)
    }

    /// Serialises the touches with `mine` (the calling thread's sink: its
    /// builder and property texts) and records them in the planning thread's
    /// sink.
    func serialise(with mine: FeedSink) throws(FeedError) {
        defer { touches = [] }
        for touch in touches {
            try sink.record(try mine.prepare(touch.touch, leadRank: touch.leadRank, index: touch.index), feed: feed)
        }
    }
}

/// How far the planning is, for a caller that shows it: called at most
/// four times a second, under the scheduler's lock.
final class ProgressMeter {
    private let leads: Int
    private let show: (GenerateProgress) -> Void
    private var plannedLeads = 0
    private var components: [ObjectIdentifier: Int] = [:]
    private let started = Date()
    private var shown = Date.distantPast

    init(leads: Int, show: @escaping (GenerateProgress) -> Void) {
        self.leads = leads
        self.show = show
    }

    func planned(_ count: Int, components total: Int, thread: ObjectIdentifier) {
        plannedLeads += count
        components[thread] = total
        let now = Date()
        guard now.timeIntervalSince(shown) >= 0.25 else { return }
        shown = now
        let written = components.values.reduce(0, +)
        let rate = Double(written) / max(now.timeIntervalSince(started), 0.001)
        show(.planning(leads: plannedLeads, of: leads, components: written, perSecond: Int(rate)))
    }
}
