import Feeds
import FileKit
import FollowUp
import Foundation
import ICal
import LeadStore
import Playbooks

/// One run of `generate`: reads the store, plans every lead and writes the
/// events and tasks feeds of every owner, and of everyone, into `out`.
///
/// The path of one lead: `store` hands it over as its row is read; it waits
/// in a scratch file (`LeadSpill`) with only its planning key in memory;
/// its owner's thread plans it (`Planner.plan`, in the planner's order) and
/// serialises its touches through libical (`FeedSink`); the owner's feeds
/// and everyone's are streamed into files put in place together (`FeedRun`).
/// `followup generate` and `serve --regenerate-every` both run this.
public struct GenerateJob {
    public let store: any LeadSource
    public let planner: Planner
    public let options: GenerateOptions
    /// The folder the feeds go into (made when missing).
    public let out: String

    public init(store: any LeadSource, planner: Planner, options: GenerateOptions, out: String) {
        self.store = store
        self.planner = planner
        self.options = options
        self.out = out
    }

    /// Runs the job; `progress` hears of the store's problems before the
    /// run acts on them, and of the planning as it goes (from any thread).
    public func run(progress: @escaping @Sendable (GenerateProgress) -> Void = { _ in }) throws(GenerateError) -> GenerateReport {
        // A store that keeps owner revisions tells which owners' leads
        // changed: the run plans only those (unless the feeds are cut to a
        // budget, which sets every owner's against the others').
        let byOwner = store is any RevisionedLeadSource && options.feeds.profile.budget == nil
        let digest = inputDigest(ofStore: !byOwner)
        // A token rotated or revoked since the last run is in every
        // component of its feeds: nothing is skipped or kept then.
        let links = options.links.map { ActionLinks(base: $0.base, tokens: $0.current()).fingerprint }
        let previous = RunStamp.load(from: out)
        let sameLinks = previous?.links == links
        // Same inputs as the last run, and today has not moved on in any of
        // its zones: the feeds there are what this run would write.
        if !byOwner, !options.force, sameLinks, let digest, let previous, previous.covers(input: digest, at: options.clock, in: out) {
            return try skipped(previous)
        }

        // The same executable makes the same names of the same owners.
        if let digest, let previous, previous.input == digest, let names = previous.transliterated { OwnerNames.remember(names) }
        var streaming = StreamingRun(job: self)
        streaming.previousFiles = previous?.files ?? []
        if byOwner {
            let keeps = !options.force && sameLinks && digest != nil && previous.map { $0.holds(input: digest!, at: options.clock) } == true
            let kept = keeps ? previous?.owners ?? [:] : [:]
            streaming.earlier = kept
            let out = out
            if keeps, let previous {
                streaming.skipsWhenAllKept = { stems in stems == Set((previous.owners ?? [:]).keys) && previous.filesArePresent(in: out) }
            }
            // An owner's feeds are kept when their leads are where they were
            // and the files are the ones written then; what a feed is made
            // of besides (stem, display name) is part of that feed's record.
            streaming.keep = { feeds, revisions in
                var keep: [String: KeptOwner] = [:]
                for feed in feeds {
                    guard let owner = kept[feed.stem], owner.revision == revisions[feed.stem], owner.feeds.events.entry.owner == feed.owner,
                        owner.feeds.areInPlace(in: out)
                    else { continue }
                    keep[feed.stem] = owner
                }
                return keep
            }
        }
        let run: StreamingRun.Written
        do {
            run = try streaming.write(progress: progress)
        } catch is StreamingRun.Unchanged {
            return try skipped(previous!)
        } catch let error as FeedError where error.kind == .notReusable {
            // A kept file changed between the check and the lock: plan everything.
            streaming.keep = { _, _ in [:] }
            streaming.skipsWhenAllKept = nil
            do { run = try streaming.write(progress: progress) } catch let error as GenerateError { throw error } catch {
                throw GenerateError(.write, "\(error)")
            }
        } catch let error as GenerateError {
            throw error
        } catch {
            throw GenerateError(.write, "\(error)")
        }
        if let digest {
            // With the clock as today, the plan holds until today moves on in
            // one of its zones, or a working day there ends (then nothing more lands that day).
            let playbook = planner.playbook
            let dayEnds = Set([playbook.workdayEnd] + playbook.owners.values.compactMap(\.dayEnd))
            let validUntil = options.followsClock ? Self.nextChange(after: options.clock, in: run.zones, at: dayEnds) : nil
            var stamp = RunStamp(
                input: digest, validUntil: validUntil, files: run.written.manifest.feeds.map(\.file) + ["index.json"],
                rejectedRows: run.read.rejectedRows, leads: run.leads, owners: run.owners)
            let names = OwnerNames.remembered
            stamp.transliterated = names.isEmpty ? nil : names
            stamp.links = run.links?.fingerprint
            do { try stamp.save(in: out, mode: options.fileMode) } catch { throw GenerateError(error) }
        }
        return GenerateReport(
            read: run.read, leads: run.leads, written: run.written, previous: previous,
            staleRemoved: run.written.staleRemoved, replanned: run.replanned)
    }

    /// The report of a run that found the feeds in place to be what it
    /// would write (temporary files a killed run left are removed).
    private func skipped(_ previous: RunStamp) throws(GenerateError) -> GenerateReport {
        var writer = FeedWriter(catalog: TimeZoneCatalog())
        writer.lockWait = options.lockWait
        let stale: [String]
        do { stale = try writer.removeStaleTemporaries(in: out) } catch { throw GenerateError(error) }
        let read = LeadSheetResult(rejectedRows: previous.rejectedRows)
        return GenerateReport(read: read, leads: previous.leads ?? 0, written: nil, previous: previous, staleRemoved: stale)
    }

    /// The digest of everything the feeds are made from: the store's bytes,
    /// every option that shapes them, and this executable. nil when the store
    /// is not files, or cannot be read (the run then reports that).
    /// - Parameter ofStore: whether the store's bytes count; without, the
    ///   digest is of everything else (the owners' revisions tell the rest).
    func inputDigest(ofStore: Bool = true) -> String? {
        var hasher = InputDigest()
        if ofStore {
            let files = store.contentFiles
            guard !files.isEmpty else { return nil }
            for file in files where !hasher.add(fileAt: file.path) {
                guard file.optional else { return nil }
                hasher.add("no \(file.path)")
            }
        } else {
            hasher.add("revisions of \(store.name)")
        }
        let feeds = options.feeds
        // The playbook as read, holidays from its calendars included.
        for part in [
            options.followsClock ? "clock" : "\(planner.now)", String(planner.horizonDays), planner.defaultTimeZone,
            PlaybookFile.render(planner.playbook), feeds.profile.name, String(feeds.digest), String(feeds.allDay),
            String(options.fileMode, radix: 8), String(options.strict),
        ] {
            hasher.add(part)
        }
        // The links' address is in every component (their tokens: `RunStamp.links`).
        if let links = options.links { hasher.add("links \(links.base)") }
        if let executable = FileIdentity.executable {
            hasher.add("\(executable.size) \(executable.seconds) \(executable.nanoseconds)")
        }
        return hasher.hex
    }

    /// The first moment after `now` at which the date changes in any of the
    /// zones, or the time of day there reaches one of `times`.
    public static func nextChange(after now: Date, in zones: Set<String>, at times: Set<TimeOfDay> = []) -> Date? {
        zones.flatMap { zone -> [Date] in
            guard let timeZone = TimeZone(identifier: zone) else { return [] }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            return ([TimeOfDay(hour: 0, minute: 0)!] + times).compactMap { time in
                calendar.nextDate(after: now, matching: DateComponents(hour: time.hour, minute: time.minute, second: 0), matchingPolicy: .nextTime)
            }
        }.min()
    }
}
