import Feeds
import FileKit
import Foundation

/// What the last run into an output folder was made from, so that a run from
/// the same inputs, while the plan they give cannot have changed, can leave
/// the feeds as they are without reading a lead.
///
/// Kept in `<out>/.followup-state.json`. The inputs are digested, not
/// stored: the store's bytes, the options that shape the feeds, and the
/// `followup` executable itself (a new version may write other bytes).
public struct RunStamp: Codable, Equatable, Sendable {
    /// The digest of everything the feeds were made from.
    public var input: String
    /// Until when the plan cannot change with the clock: the first moment
    /// "today" moves on in any zone the plan uses. nil when `--now` pinned
    /// today (it is part of the input then).
    public var validUntil: Date?
    /// Files the run wrote, which must all still be there.
    public var files: [String]
    /// Rows the run rejected: a skipped run still exits as that run did.
    public var rejectedRows: Int
    /// Leads the run planned (nil in a stamp from before it was kept): a
    /// later run that plans far fewer because rows were rejected says so.
    public var leads: Int?
    /// Each owner's feeds, by file-name stem, when the store keeps owner
    /// revisions: a later run keeps the feeds of owners whose revision is
    /// the same, and plans only the others. nil from other stores.
    public var owners: [String: KeptOwner]?
    /// Owner names as Latin letters, as this executable's ICU made them
    /// (see `OwnerNames.remember`); nil when no name needed it.
    public var transliterated: [String: String]?
    /// The tokens the feeds' action links were made with
    /// (`ActionLinks.fingerprint`, of the tokens as the run took them,
    /// those it made included); nil for feeds without links. A later run
    /// keeps or skips nothing when the tokens are now other than these.
    public var links: String?

    public init(input: String, validUntil: Date?, files: [String], rejectedRows: Int, leads: Int? = nil, owners: [String: KeptOwner]? = nil) {
        self.input = input; self.validUntil = validUntil; self.files = files; self.rejectedRows = rejectedRows
        self.leads = leads; self.owners = owners
    }

    enum CodingKeys: String, CodingKey {
        case input, files, leads, owners, transliterated, links
        case validUntil = "valid_until"
        case rejectedRows = "rejected_rows"
    }

    /// Whether `planned` leads, with rows rejected, are far fewer than this
    /// run planned: more than a tenth fewer. Rows rejected while the
    /// count holds (a typo in one row of many) are only reported.
    public func isFarMore(than planned: Int, rejectedRows: Int) -> Bool {
        guard let leads, rejectedRows > 0, planned < leads else { return false }
        return (leads - planned) * 10 > leads
    }

    static func path(in folder: String) -> String {
        (folder as NSString).appendingPathComponent(".followup-state.json")
    }

    /// The stamp of the last run into `folder`, if there is a readable one.
    public static func load(from folder: String) -> RunStamp? {
        guard let data = FileManager.default.contents(atPath: path(in: folder)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(RunStamp.self, from: data)
    }

    public func save(in folder: String, mode: mode_t) throws(FeedError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let target = Self.path(in: folder)
        do {
            try AtomicFile.write(Array(try encoder.encode(self)), to: target, mode: mode)
        } catch let error as FileError {
            throw FeedError(error)
        } catch {
            throw FeedError("cannot write \(target): \(error.localizedDescription)")
        }
    }

    /// Whether a run with `input` at `now` would write what is there already.
    public func covers(input: String, at now: Date, in folder: String) -> Bool {
        holds(input: input, at: now) && filesArePresent(in: folder)
    }

    /// Whether a run with `input` at `now` plans what this run planned
    /// from the same leads: the same inputs, and today has not moved on.
    public func holds(input: String, at now: Date) -> Bool {
        self.input == input && (validUntil.map({ now < $0 }) ?? true)
    }

    /// Whether every file the run wrote is still there.
    public func filesArePresent(in folder: String) -> Bool {
        files.allSatisfy { FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent($0)) }
    }
}

/// One owner's share of a run, as a later run needs it to keep the owner's
/// feeds: what the owner's leads were at, how many there were, the zones
/// they named (today moves on in each), and the feeds written.
public struct KeptOwner: Codable, Equatable, Sendable {
    /// A digest of the revisions of the owner's spellings in the store.
    public var revision: String
    public var leads: Int
    public var zones: [String]
    public var feeds: KeptOwnerFeeds
}
