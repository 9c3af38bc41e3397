import Feeds
import FileKit
import Foundation
import LeadStore

/// How a `GenerateJob` writes, beyond what it plans with.
public struct GenerateOptions: Sendable {
    /// The shape of the feeds: client profile, digest, all-day events.
    public var feeds: FeedOptions
    /// The permissions of every file written (owner-only by default: the
    /// feeds hold names and notes about real people).
    public var fileMode: mode_t = 0o600
    /// How long to wait for another run writing into the folder, in seconds.
    public var lockWait: Double = 60
    /// Plan and write even when the inputs are the last run's.
    public var force = false
    /// Write nothing when any row of the store is bad.
    public var strict = false
    /// Threads that plan and serialise (nil: one per core). The feeds are
    /// the same, byte for byte, whatever the number.
    public var threads: Int?
    /// Whether `today` follows the clock (the plan then holds until
    /// midnight in its zones) rather than a fixed `--now`.
    public var followsClock = true
    /// The clock, read once for the whole run.
    public var clock = Date()
    /// Report planning progress (`GenerateProgress.planning`) in runs of
    /// at least this many leads; nil: never (it costs a lock a batch).
    public var progressFromLeads: Int?
    /// Serialised bytes each thread keeps in memory before its scratch
    /// file; nil: its share of `FeedSink.memoryBudget`.
    public var memoryLimit: Int?
    /// Bytes of leads kept in memory before their scratch file.
    public var leadMemoryLimit = LeadSpill.memoryLimit
    /// Where each touch's link to its action page comes from (`--base-url`);
    /// nil: the components carry no links.
    public var links: ActionLinkSource?

    public init(feeds: FeedOptions = FeedOptions()) {
        self.feeds = feeds
    }
}

/// What a run did.
public struct GenerateReport: Sendable {
    /// What reading the store gave (its `leads` empty: they were streamed).
    public var read: LeadSheetResult
    /// Leads planned.
    public var leads: Int
    /// The feeds written, or nil when the inputs were the last run's and
    /// nothing needed writing (`skipped`).
    public var written: FeedWriteReport?
    /// The last run into the folder, when one left its stamp.
    public var previous: RunStamp?
    /// Temporary files of killed runs that were removed.
    public var staleRemoved: [String]
    /// When the run kept some owners' feeds as the last run wrote them
    /// (their leads had not changed): the owners planned, of all, and their leads.
    public var replanned: Replanned?

    public struct Replanned: Sendable, Equatable {
        public var owners: Int
        public var of: Int
        public var leads: Int
    }

    /// The inputs were the last run's, and today has not moved on: the
    /// feeds there are what this run would write.
    public var skipped: Bool { written == nil }

    /// Rows are rejected: now, or (for a skipped run) in the last run.
    public var hasRejectedRows: Bool {
        skipped ? (previous?.rejectedRows ?? 0) > 0 : read.hasErrors
    }

    /// The last run's lead count, when this run planned far fewer (more
    /// than a tenth) because rows were rejected: subscribers' calendars
    /// just lost those leads' touches.
    public var lostLeads: Int? {
        guard !skipped, let previous, let last = previous.leads,
            previous.isFarMore(than: leads, rejectedRows: read.rejectedRows)
        else { return nil }
        return last
    }
}

/// What a run tells as it goes.
public enum GenerateProgress: Sendable {
    /// The store is read: its problems, to report before the run goes on
    /// (or stops for them).
    case read(LeadSheetResult)
    /// Planning: leads planned, components serialised, and the rate.
    case planning(leads: Int, of: Int, components: Int, perSecond: Int)
    /// Every owner is planned; the feeds are being put in place.
    case writing
}

/// A run that wrote nothing, or not everything: the feeds already in the
/// folder are whole.
public struct GenerateError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The store cannot be read, or its header is unusable.
        case store
        /// `strict` and some rows were rejected: nothing was written.
        case rowsRejected
        /// Another run holds the folder's lock.
        case locked
        /// Writing failed.
        case write
    }

    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    init(_ error: FeedError) {
        self.init(error.kind == .locked ? .locked : .write, error.description)
    }

    init(_ error: FileError) {
        self.init(error.kind == .locked ? .locked : .write, error.description)
    }
}
