import ArgumentParser
import Feeds
import FollowUp
import Foundation
import ICal
import LeadStore
import Playbooks

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the events and tasks feeds of every owner, and of everyone.",
        discussion: """
        Writes into --out, for every owner in the store and for everyone together:
          <owner>.events.ics  events at the time to act, with a reminder
          <owner>.tasks.ics   tasks that open and fall due with each step's window
          all.events.ics, all.tasks.ics, and index.json listing every feed.

        Rows with problems are reported as FILE:ROW:COLUMN: reason; the other
        leads are still written and the exit status is 65. With --strict nothing
        is written when any row is bad.

        Safe from cron: a feed whose bytes did not change is left untouched (same
        modification time); every file is written beside its target and renamed
        into place; a lock in --out keeps two runs from interleaving (the second
        waits up to --wait seconds, then exits with status 75); files are readable
        by their owner only unless --mode says otherwise.

        Examples:
          followup generate --store leads.csv --out feeds/
          followup generate --store leads.csv --out feeds/ --now 2026-12-01 --timezone Europe/Berlin
          followup generate --store leads.csv --out feeds/google --profile google --digest
        """
    )

    @OptionGroup var input: PlanInput

    @Option(help: ArgumentHelp("The folder to write the feeds into (created if missing).", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Shape the events feeds for a calendar client: \(FeedProfile.all.map(\.name).joined(separator: ", ")). google and outlook leave out alarms, which their subscriptions ignore.", valueName: "client"))
    var profile: String = FeedProfile.generic.name

    @Flag(help: "Events feeds hold one \"Follow-ups today (N)\" event per owner and day, at the start of the working day in --timezone, instead of one event per touch.")
    var digest = false

    @Flag(help: "Events are all-day entries on their day instead of timed ones (an alarm still fires at the touch time).")
    var allDay = false

    @Option(help: ArgumentHelp("Permissions of the files written, in octal: 600 (the default) lets only their owner read them; 644 lets a web server running as another user serve them.", valueName: "mode"))
    var mode: String = "600"

    @Option(help: ArgumentHelp("How long to wait for another run that is writing into --out, in seconds; then give up with status 75.", valueName: "seconds"))
    var wait: Double = 60

    @Flag(help: "Plan and write even when the store, the options and today are what the last run into --out had.")
    var force = false

    @Flag(help: "Write nothing when any row of the store is bad.")
    var strict = false

    @Flag(help: "Print only problems (on stderr): no progress, no summary. For cron.")
    var quiet = false

    @Option(help: ArgumentHelp("How many threads plan and serialise, owner by owner (default: one per core). The feeds are the same, byte for byte, whatever the number.", valueName: "n"))
    var threads: Int?

    func validate() throws {
        try Self.validateFileMode(mode)
        guard wait >= 0 else { throw ValidationError("--wait must be 0 or more seconds, not \(wait).") }
        if let threads, threads < 1 { throw ValidationError("--threads must be 1 or more, not \(threads).") }
        guard FeedProfile.named(profile) != nil else {
            throw ValidationError("--profile \"\(profile)\" is not one of \(FeedProfile.all.map(\.name).joined(separator: ", ")).")
        }
    }

    func run() throws {
        do {
            try generate()
        } catch let failure as Failure {
            printError("followup: error: \(failure.description)")
            throw ExitCode(failure.code)
        }
    }

    private func generate() throws {
        // Same inputs as the last run, and today has not moved on in any of
        // its zones: the feeds there are what this run would write.
        let clock = Date()
        let setup = try input.setup(clock: clock)
        let inputDigest = digestOfInputs(setup)
        let previous = RunStamp.load(from: out)
        if !force, let inputDigest, let stamp = previous, stamp.covers(input: inputDigest, at: clock, in: out) {
            var writer = FeedWriter(catalog: TimeZoneCatalog())
            writer.lockWait = wait
            let stale: [String]
            do { stale = try writer.removeStaleTemporaries(in: out) } catch {
                throw Failure(error.description, code: error.kind == .locked ? Self.locked : 1)
            }
            if !quiet, !stale.isEmpty {
                printError("followup: removed \(stale.count) temporary file(s) left by a run that was stopped")
            }
            if !quiet {
                printError("followup: \(input.store) and the options are as in the last run into \(out), and today has not changed: nothing to write"
                           + (stamp.rejectedRows > 0 ? "; \(stamp.rejectedRows) row(s) are still rejected (run with --force to see them again)" : ""))
            }
            if stamp.rejectedRows > 0 { throw ExitCode(Self.rowsRejected) }
            return
        }
        let catalog = TimeZoneCatalog()
        var writer = FeedWriter(catalog: catalog, options: FeedOptions(
            profile: FeedProfile.named(profile) ?? .generic, allDay: allDay, digest: digest, ownerTimeZone: setup.zone))
        writer.fileMode = Self.fileMode(mode) ?? 0o600
        writer.lockWait = wait
        let report: FeedWriteReport, leadCount: Int, zones: Set<String>, result: LeadSheetResult
        do {
            (report, leadCount, zones, result) = try write(with: writer, setup: setup, catalog: catalog)
        } catch let error as FeedError {
            throw Failure(error.description, code: error.kind == .locked ? Self.locked : 1)
        }

        if let inputDigest {
            // With the clock as today, the plan holds until today moves on in one of its zones.
            let validUntil = input.now == nil ? Self.nextMidnight(after: clock, in: zones) : nil
            let stamp = RunStamp(input: inputDigest, validUntil: validUntil, files: report.manifest.feeds.map(\.file) + ["index.json"],
                                 rejectedRows: result.rejectedRows, leads: leadCount)
            do { try stamp.save(in: out, mode: Self.fileMode(mode) ?? 0o600) } catch { throw Failure(error.description) }
        }

        if !quiet {
            // Everyone's tasks feed holds every touchpoint once.
            let overdue = report.manifest.feeds.first { $0.owner == nil && $0.kind == .tasks }?.overdue ?? 0
            let feeds = report.manifest.feeds.count
            let unchangedFeeds = report.unchanged.filter { $0.hasSuffix(".ics") }.count
            printError("followup: \(leadCount) leads planned, \(result.rejectedRows) rows rejected, "
                       + "\(report.manifest.touchpoints) touchpoints (\(overdue) overdue), \(feeds) feeds in \(out): "
                       + "\(feeds - unchangedFeeds) written, \(unchangedFeeds) unchanged")
            if !report.staleRemoved.isEmpty {
                printError("followup: removed \(report.staleRemoved.count) temporary file(s) left by a run that was stopped")
            }
        }
        if let previous, let last = previous.leads, previous.isFarMore(than: leadCount, rejectedRows: result.rejectedRows) {
            // Printed with --quiet too: subscribers' calendars just lost these leads' touches.
            printError("followup: warning: \(leadCount) lead\(leadCount == 1 ? "" : "s") planned where the last run into \(out) planned \(last): "
                       + "\(last - leadCount) fewer, because \(result.rejectedRows) row\(result.rejectedRows == 1 ? " was" : "s were") rejected; "
                       + "the feeds were written without them. Fix the rows above and run again (--strict writes nothing while any row is bad)")
        }
        if result.hasErrors { throw ExitCode(Self.rowsRejected) }
    }

    /// Reads the store, plans every lead and writes the feeds, streaming.
    ///
    /// Each lead goes to a scratch file in --out as its row is read; only
    /// what orders the planning stays in memory (id, owner, planning group,
    /// where the lead is). Owners are then planned on every core, each by
    /// one thread with a capacity ledger of its own (capacity is per owner,
    /// so owners never meet), lead by lead in the planner's order, and each
    /// touch is serialised as soon as it is planned (see `FeedRun`). The
    /// feeds do not depend on the number of threads, byte for byte.
    private func write(with writer: FeedWriter, setup: PlanSetup, catalog: TimeZoneCatalog) throws
        -> (FeedWriteReport, leads: Int, zones: Set<String>, LeadSheetResult) {
        // The leads wait in a nameless scratch file in --out (the feeds'
        // disk, owner-only); a run that stops before writing leaves no
        // folder it made.
        let outExisted = FileManager.default.fileExists(atPath: out)
        var writing = false
        defer { if !writing && !outExisted { rmdir(out) } }
        // Made at the first lead: a store that cannot be read makes no folder.
        var leadSpill: LeadSpill?
        var refs: [LeadRef] = []
        var ownerNames: [String] = [], ownerNumbers: [String: Int32] = [:]
        var zones: Set<String> = [setup.zone]
        var spillFailure: FeedError?
        let planner = setup.planner
        let result = try input.readStore(catalog: catalog) { lead in
            guard spillFailure == nil else { return }
            do throws(FeedError) {
                if leadSpill == nil {
                    try FeedRun.createFolder(out)
                    leadSpill = try LeadSpill(in: out)
                }
                let location = try leadSpill!.append(lead)
                let owner: Int32
                if let known = ownerNumbers[lead.owner] {
                    owner = known
                } else {
                    owner = Int32(ownerNames.count)
                    ownerNumbers[lead.owner] = owner
                    ownerNames.append(lead.owner)
                    OwnerNames.prepare(lead.owner)
                }
                refs.append(LeadRef(id: lead.id, location: location, owner: owner, group: UInt8(planner.planningGroup(lead))))
                if let zone = lead.timeZone { zones.insert(zone) }
            } catch {
                spillFailure = error
            }
        }
        if let spillFailure { throw spillFailure }
        try leadSpill?.finishWriting()
        if strict && !result.errors.isEmpty {
            throw Failure("\(input.store): nothing written (--strict): \(result.rejectedRows) row\(result.rejectedRows == 1 ? "" : "s") rejected",
                          code: Self.rowsRejected)
        }

        writing = true
        let run = try writer.begin(folder: out, owners: result.owners + ownerNames)
        // A lead's rank in id order stands for its id: planning and the feeds order by it.
        var rank = [UInt32](repeating: 0, count: refs.count)
        for (place, index) in refs.indices.sorted(by: { refs[$0].id < refs[$1].id }).enumerated() {
            rank[index] = UInt32(place)
        }
        // Each owner's leads in the planner's order: group, then id.
        let feedOfOwner = ownerNames.map { owner -> Int in run.feedIndex(ofOwner: owner)! }
        var work = [[Int32]](repeating: [], count: run.feeds.count)
        for index in refs.indices { work[feedOfOwner[Int(refs[index].owner)]].append(Int32(index)) }
        for feed in work.indices {
            work[feed].sort { (refs[Int($0)].group, rank[Int($0)]) < (refs[Int($1)].group, rank[Int($1)]) }
        }
        // Largest owners first, so the cores finish together.
        let queue = work.indices.filter { !work[$0].isEmpty }.sorted { (work[$0].count, $1) > (work[$1].count, $0) }
        // Threads beyond the owners serialise for those that plan.
        let threads = queue.isEmpty ? 1 : max(1, self.threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let shared = SharedWork(queue: queue, leads: refs.count,
                                progress: Progress(enabled: !quiet && isatty(STDERR_FILENO) == 1 && refs.count >= 10_000))
        // A planner and a sink per thread: neither is shared.
        var kits = [ThreadKit(planner: planner, sink: try run.makeSink(), run: run)]
        while kits.count < threads { kits.append(ThreadKit(planner: try setup.makePlanner(), sink: try run.makeSink(), run: run)) }
        let frozenRefs = refs, frozenRank = rank, frozenWork = work, frozenKits = kits, spill = leadSpill
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            do {
                let planner = frozenKits[thread].planner, sink = frozenKits[thread].sink, run = frozenKits[thread].run
                var buffer: [UInt8] = []
                // Work exists only when some lead was read, and then the spill does.
                while let spill, let feed = shared.next() {
                    defer { shared.donePlanning() }
                    var ledger = CapacityLedger()
                    var done = 0
                    let serialised = DispatchGroup()
                    var batch = TouchBatch(feed: feed, sink: sink, done: serialised)
                    for index in frozenWork[feed].lazy.map(Int.init) {
                        let lead = try spill.lead(at: frozenRefs[index].location, buffer: &buffer)
                        for (place, touch) in planner.plan(lead, sharing: &ledger).enumerated() {
                            batch.touches.append((touch, frozenRank[index], place))
                        }
                        if batch.touches.count >= TouchBatch.size {
                            // A thread with no owner left serialises it, or this one does.
                            if !shared.offer(batch) { try batch.serialise(with: sink) }
                            batch = TouchBatch(feed: feed, sink: sink, done: serialised)
                        }
                        done += 1
                        if done == 512 { shared.planned(done, components: sink.components); done = 0 }
                    }
                    try batch.serialise(with: sink)
                    for unclaimed in shared.takeBack(feed: feed) {
                        defer { unclaimed.done.leave() }
                        try unclaimed.serialise(with: sink)
                    }
                    serialised.wait()
                    shared.planned(done, components: sink.components)
                    if shared.failure != nil { return }
                    // The owner is planned: their feeds are written on this thread.
                    try sink.finish(feed: feed, run: run)
                }
                // No owner is left: serialise for the threads still planning one.
                try shared.help { try $0.serialise(with: sink) }
            } catch {
                shared.fail(error)
            }
        }
        if let failure = shared.failure { throw failure }
        shared.progress.show("writing the feeds to \(out)")
        defer { shared.progress.clear() }
        let report = try run.finish(rejectedRows: result.rejectedRows, leads: refs.count)
        return (report, refs.count, zones, result)
    }

    /// The digest of everything the feeds are made from: the store's bytes,
    /// every option that shapes them, and this executable. nil when the store
    /// cannot be read (the run then reports that).
    private func digestOfInputs(_ setup: PlanSetup) -> String? {
        var hasher = InputDigest()
        guard hasher.add(fileAt: input.store) else { return nil }
        // A SQLite store in WAL mode holds recent writes in its -wal file.
        if !isSheet(input.store), !hasher.add(fileAt: input.store + "-wal") { hasher.add("no wal") }
        // The playbook as read, holidays from its calendars included.
        for part in [input.now ?? "clock", String(setup.planner.horizonDays), setup.zone, PlaybookFile.render(setup.playbook), profile, String(digest), String(allDay),
                     mode, String(strict)] {
            hasher.add(part)
        }
        var executable = stat()
        if stat("/proc/self/exe", &executable) == 0 {
            hasher.add("\(executable.st_size) \(executable.st_mtim.tv_sec) \(executable.st_mtim.tv_nsec)")
        }
        return hasher.hex
    }

    /// The first moment after `now` at which the date changes in any of the zones.
    static func nextMidnight(after now: Date, in zones: Set<String>) -> Date? {
        zones.compactMap { zone -> Date? in
            guard let timeZone = TimeZone(identifier: zone) else { return nil }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            return calendar.nextDate(after: now, matching: DateComponents(hour: 0, minute: 0, second: 0), matchingPolicy: .nextTime)
        }.min()
    }

    /// Reads an octal file mode such as `600` or `0644`.
    static func fileMode(_ text: String) -> mode_t? {
        guard (3...4).contains(text.count), let value = mode_t(text, radix: 8), value <= 0o7777 else { return nil }
        return value
    }

    /// Refuses a --mode that is not a mode, or one unsafe for files of
    /// personal data: nobody else may change them, and they are not programs.
    static func validateFileMode(_ mode: String) throws {
        guard let fileMode = fileMode(mode) else {
            throw ValidationError("--mode \"\(mode)\" is not a file mode; expected octal such as 600 or 644.")
        }
        if fileMode & 0o7000 != 0 {
            throw ValidationError("--mode \(mode) sets the setuid, setgid or sticky bit, which these files never need; use 600 or 644.")
        }
        if fileMode & 0o022 != 0 {
            throw ValidationError("--mode \(mode) lets other users change the files; use 600 (owner only) or 644 (readable by others).")
        }
        if fileMode & 0o400 == 0 {
            throw ValidationError("--mode \(mode) leaves the files unreadable to their owner; use 600 or 644.")
        }
    }

    /// The exit status when another run holds the output folder (EX_TEMPFAIL).
    static let locked: Int32 = 75

    /// The exit status when some rows were rejected (EX_DATAERR).
    static let rowsRejected: Int32 = 65

    /// A zone the planner (Foundation's rules) and the feeds (libical's
    /// VTIMEZONE from zoneinfo) both know.
    static func isUsable(zone: String, _ catalog: TimeZoneCatalog) -> Bool {
        TimeZone(identifier: zone) != nil && catalog.knows(zone)
    }
}

/// The lead store and how to plan it: shared by `generate`, `plan` and `explain`.
struct PlanInput: ParsableArguments {
    @Option(help: ArgumentHelp("The lead store: a .csv lead sheet, or a SQLite store made by `followup init` (default: $FOLLOWUP_STORE, else leads.sqlite).", valueName: "path"))
    var store: String = defaultStorePath

    @Option(help: ArgumentHelp("Today, for a reproducible run: 2026-12-01, or a date-time such as 2026-12-01T08:00:00Z. Defaults to the clock.", valueName: "date"))
    var now: String?

    @Option(help: ArgumentHelp("A playbook file (YAML): the cadence, texts, nurture, working days and hours, holidays, capacity. `followup playbook --print-default` writes one to start from. Default: the built-in method.", valueName: "file"))
    var playbook: String?

    @Option(help: ArgumentHelp("How many days ahead to write touchpoints (default: the playbook's, 90). Agreed next steps and check-backs are written whatever their date.", valueName: "days"))
    var horizon: Int?

    @Option(help: ArgumentHelp("The IANA time zone of leads that name none (default: the playbook's, else this machine's zone).", valueName: "zone"))
    var timezone: String?

    @OptionGroup var sheetEncoding: SheetEncodingOption

    func validate() throws {
        if let horizon, horizon < 0 { throw ValidationError("--horizon must be 0 or more days, not \(horizon).") }
        if let timezone, !Generate.isUsable(zone: timezone, TimeZoneCatalog()) {
            throw ValidationError("--timezone \"\(timezone)\" is not a time zone this machine knows; expected an IANA name such as America/New_York.")
        }
        if let now, PlanningNow.parse(now, zone: timezone ?? TimeZone.current.identifier) == nil {
            throw ValidationError("--now \"\(now)\" is not a date or date-time; expected 2026-12-01 or 2026-12-01T08:00:00Z.")
        }
    }

    /// The playbook, the default zone and today, as the options and the
    /// playbook file give them.
    func setup(clock: Date = Date()) throws -> PlanSetup {
        var playbook = Playbook.standard
        if let path = self.playbook {
            // Holiday calendars are read for every day a plan can reach.
            let today = commandToday(now, zone: timezone ?? "UTC", clock: clock)
            do {
                var warnings: [PlaybookError] = []
                playbook = try PlaybookFile.load(path: path, holidayRange: holidayRange(around: today), warnings: &warnings)
                for warning in warnings { printError(warning.description) }
            } catch { throw Failure(error.description) }
        }
        let zone = timezone ?? playbook.timeZone ?? TimeZone.current.identifier
        let planningNow = now.flatMap { PlanningNow.parse($0, zone: zone) } ?? .instant(clock)
        let planner: Planner
        do {
            planner = try Planner(playbook: playbook, defaultTimeZone: zone, now: planningNow, horizonDays: horizon)
        } catch { throw Failure(error.description) }
        return PlanSetup(playbook: playbook, zone: zone, planner: planner)
    }

    /// Reads the sheet and prints every problem on stderr; a sheet whose
    /// header is unusable is a failure.
    func readStore() throws -> (LeadSheetResult, TimeZoneCatalog) {
        let catalog = TimeZoneCatalog()
        var leads: [Lead] = []
        var result = try readStore(catalog: catalog) { leads.append($0) }
        result.leads = leads
        return (result, catalog)
    }

    /// Reads the store, handing each valid lead to `each` as it is read (the
    /// result's `leads` stay empty), and prints every problem on stderr.
    func readStore(catalog: TimeZoneCatalog, each: (Lead) -> Void) throws -> LeadSheetResult {
        if !isSheet(store) {
            do {
                return try SQLiteStore.open(at: store).read(each: each)
            } catch { throw Failure(error.description) }
        }
        let sheet = LeadSheet(path: store, encoding: sheetEncoding.value,
                              isKnownTimeZone: { Generate.isUsable(zone: $0, catalog) })
        let result: LeadSheetResult
        do { result = try sheet.read(each: each) } catch { throw Failure(error.description) }
        for diagnostic in result.warnings + result.errors { printError(diagnostic.description) }
        if let summary = result.unreportedSummary(file: store) { printError(summary) }
        if result.headerIsUnusable {
            throw Failure("\(store): nothing written: the lead sheet's header must be fixed first")
        }
        return result
    }
}

/// `--encoding`, for the commands that read a lead sheet.
struct SheetEncodingOption: ParsableArguments {
    @Option(name: .customLong("encoding"), help: ArgumentHelp("How the lead sheet's bytes are text: auto (UTF-8, or Windows-1252 for a sheet with no UTF-8 in it, with a warning), utf-8, windows-1252, latin-1.", valueName: "name"))
    var name: String = SheetEncoding.auto.rawValue

    var value: SheetEncoding { SheetEncoding(name: name) ?? .auto }

    func validate() throws {
        if SheetEncoding(name: name) == nil {
            throw ValidationError("--encoding \"\(name)\" is not one of \(SheetEncoding.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
    }
}

/// The store commands use when --store is not given.
let defaultStorePath = ProcessInfo.processInfo.environment["FOLLOWUP_STORE"].flatMap { $0.isEmpty ? nil : $0 } ?? "leads.sqlite"

/// A `.csv` path is a lead sheet; anything else is a SQLite store.
func isSheet(_ path: String) -> Bool {
    path.lowercased().hasSuffix(".csv")
}

/// What a run plans with.
struct PlanSetup {
    let playbook: Playbook
    /// The zone of leads that name none.
    let zone: String
    let planner: Planner

    /// Another planner like `planner`, for another thread.
    func makePlanner() throws -> Planner {
        do {
            return try Planner(playbook: playbook, defaultTimeZone: zone, now: planner.now, horizonDays: planner.horizonDays)
        } catch { throw Failure(error.description) }
    }
}

/// What `generate` keeps of a lead while the store is read: enough to
/// order the planning and to find the lead again.
struct LeadRef {
    var id: String
    var location: LeadSpill.Location
    /// The lead's owner, as a number of this run.
    var owner: Int32
    /// `Planner.planningGroup`.
    var group: UInt8
}

/// What one planning thread works with, and no other thread touches.
struct ThreadKit: @unchecked Sendable {
    // @unchecked: each kit is used by its one thread only.
    let planner: Planner
    let sink: FeedSink
    /// Shared: a sink writes its owners' feeds through it (under its lock).
    let run: FeedRun
}

/// Touches planned on one thread, serialised on it or on a thread that has
/// no owner left to plan (`SharedWork.offer`), and recorded in the sink of
/// the thread that planned them.
final class TouchBatch: @unchecked Sendable {
    // @unchecked: filled by one thread, then handed over whole.
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

/// The owners still to plan, progress, and the first failure, shared by
/// the planning threads.
final class SharedWork: @unchecked Sendable {
    // @unchecked: every mutable field is read and written under `lock`.
    private let lock = NSCondition()
    private var queue: [Int]
    private var position = 0
    private(set) var failure: Error?
    let progress: Progress
    private let leads: Int
    private var planned = 0
    private var components: [ObjectIdentifier: Int] = [:]
    private let started = Date()
    private var shown = Date.distantPast
    /// Threads planning an owner, threads serialising for them, and the
    /// batches waiting for those.
    private var planners = 0
    private var helpers = 0
    private var batches: [TouchBatch] = []
    /// Batches that may wait per helper: enough that a helper never waits
    /// for the next, few enough that they take little memory.
    private static let queuedPerHelper = 3

    init(queue: [Int], leads: Int, progress: Progress) {
        self.queue = queue
        self.leads = leads
        self.progress = progress
    }

    /// The next owner's feed to plan; nil when all are taken or one failed.
    /// Each feed given is planned, then `donePlanning()` is called.
    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil, position < queue.count else { return nil }
        position += 1
        planners += 1
        return queue[position - 1]
    }

    /// An owner's feed given by `next()` is written (or its thread failed).
    func donePlanning() {
        lock.lock()
        defer { lock.unlock() }
        planners -= 1
        lock.broadcast()
    }

    /// Hands a batch to the threads in `help()`; false when there are none,
    /// or when they have enough waiting (the caller serialises it then), so
    /// that batches never pile up in memory.
    func offer(_ batch: TouchBatch) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil, batches.count < helpers * Self.queuedPerHelper else { return false }
        batch.done.enter()
        batches.append(batch)
        lock.signal()
        return true
    }

    /// The batches of a feed no helper has taken yet, for its own thread to serialise.
    func takeBack(feed: Int) -> [TouchBatch] {
        lock.lock()
        defer { lock.unlock() }
        let mine = batches.filter { $0.feed == feed }
        batches.removeAll { $0.feed == feed }
        return mine
    }

    /// Serialises batches for the threads still planning, until none plans.
    func help(_ serialise: (TouchBatch) throws -> Void) rethrows {
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

    func fail(_ error: Error) {
        lock.lock()
        defer { lock.unlock() }
        if failure == nil { failure = error }
        lock.broadcast()
    }

    /// Counts leads planned by one thread; `components` is its running total.
    func planned(_ count: Int, components total: Int, thread: ObjectIdentifier = ObjectIdentifier(Thread.current)) {
        guard progress.enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        planned += count
        components[thread] = total
        let now = Date()
        guard now.timeIntervalSince(shown) >= 0.25 else { return }
        shown = now
        let written = components.values.reduce(0, +)
        let rate = Double(written) / max(now.timeIntervalSince(started), 0.001)
        progress.show("\(planned) of \(leads) leads planned, \(written) components serialised (\(Int(rate))/s)")
    }
}

/// A progress line on a terminal, rewritten in place; silent otherwise.
struct Progress {
    let enabled: Bool

    func show(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2Kfollowup: \(text)…".utf8))
    }

    func clear() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}

/// A failure the user can act on: one line on stderr and an exit status.
struct Failure: Error, CustomStringConvertible {
    let description: String
    let code: Int32
    init(_ description: String, code: Int32 = 1) {
        self.description = description
        self.code = code
    }
}

func printError(_ line: String) {
    // A message can hold what a person typed or a file held (a lead id, a
    // path, a value): no control character reaches the terminal, and no
    // line is megabytes long.
    let safe = line.split(separator: "\n", omittingEmptySubsequences: false)
        .map { Diagnostic.shownPlain(String($0), limit: 4_000) }.joined(separator: "\n")
    FileHandle.standardError.write(Data((safe + "\n").utf8))
}
