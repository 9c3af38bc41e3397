import FileKit
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
    /// How the feed was cut to its profile's budget; nil when it holds
    /// every touch planned.
    public var cut: FeedCut?

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(kind, forKey: .kind)
        try container.encode(owner, forKey: .owner)  // null for everyone's feeds
        try container.encode(components, forKey: .components)
        try container.encode(overdue, forKey: .overdue)
        try container.encode(leads, forKey: .leads)
        try container.encodeIfPresent(cut, forKey: .cut)
    }
}

/// `index.json`: the feeds written and what they hold.
public struct FeedManifest: Hashable, Sendable, Codable {
    public var feeds: [FeedEntry]
    public var leads: Int
    /// Every touchpoint planned, those left out of cut feeds included.
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
    /// Each owner's feeds as written, by file-name stem, for a later run to
    /// keep (none with a budget: those feeds are cut against each other).
    public var kept: [String: KeptOwnerFeeds] = [:]
    /// Feeds of the last run removed: their owner has no lead any more.
    public var retired: [String] = []
}

/// Writes the events and tasks feeds of every owner and of everyone, and the
/// manifest, into one folder.
///
/// Each component is serialised once and its bytes go to both feeds that
/// carry it (the owner's and everyone's). Files are streamed: a header, the
/// VTIMEZONEs the feed uses, then one component at a time (see `FeedRun`,
/// which the engine of `generate` feeds touch by touch as it plans).
public struct FeedWriter {
    public static let productID = "-//followup//followup 1.0//EN"
    /// How often a subscribed client should poll.
    public var refreshInterval = 3600

    private let catalog: TimeZoneCatalog
    private let options: FeedOptions

    /// The permissions of every file written: owner-only by default, since a
    /// feed holds names and notes about real people.
    public var fileMode: mode_t = 0o600
    /// How long to wait for another run that is writing into the folder.
    public var lockWait: Double = 60
    /// Where each component's action link comes from; nil: no links.
    public var links: ActionLinkSource?

    public init(catalog: TimeZoneCatalog, options: FeedOptions = FeedOptions()) {
        self.catalog = catalog
        self.options = options
    }

    /// Starts writing every feed into `folder`: takes the folder's lock
    /// (held until the run finishes) and removes what killed runs left.
    /// - Parameter owners: every owner in the store, so an owner with
    ///   nothing planned still gets (empty) feeds and no subscription breaks.
    public func begin(folder: String, owners: [String]) throws(FeedError) -> FeedRun {
        try FeedRun(folder: folder, owners: owners, catalog: catalog, options: options, fileMode: fileMode, lockWait: lockWait, links: links)
    }

    /// Removes the temporary files a killed run left, under the folder's
    /// lock, for a run that has nothing else to write.
    /// - Returns: the names removed.
    public func removeStaleTemporaries(in folder: String) throws(FeedError) -> [String] {
        guard FileManager.default.fileExists(atPath: folder) else { return [] }
        let lock = try fileOperation { () throws(FileError) in try FolderLock(folder: folder, waitingUpTo: lockWait) }
        defer { withExtendedLifetime(lock) {} }
        return Self.removeTemporaries(in: folder)
    }

    /// With the lock held no other run writes here: any temporary file left
    /// is from a run that was killed, and goes.
    static func removeTemporaries(in folder: String) -> [String] {
        var removed: [String] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where isFeedTemporary(name) {
            if unlink((folder as NSString).appendingPathComponent(name)) == 0 { removed.append(name) }
        }
        return removed
    }
}

/// A temporary file of a feed or of `index.json`, which a run writes: with
/// the folder's lock held, one left is from a run that was stopped.
func isFeedTemporary(_ name: String) -> Bool {
    guard let target = AtomicFile.target(ofTemporary: name) else { return false }
    return target.hasSuffix(".ics") || target == "index.json"
}
