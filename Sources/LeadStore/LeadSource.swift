import FollowUp

/// Where a run's leads come from: a lead sheet, a SQLite store, or leads a
/// caller already holds. A new kind of store (PostgreSQL) is one more
/// implementation; the engine that plans and writes feeds reads only this.
public protocol LeadSource {
    /// How messages name the store: its path, as the user gave it.
    var name: String { get }

    /// The files whose bytes are the leads, for telling whether a run has
    /// new input: `optional` ones may be missing (a SQLite store's `-wal`).
    /// Empty when the leads are not in files; every run then plans anew.
    var contentFiles: [(path: String, optional: Bool)] { get }

    /// Reads every lead and hands each valid one to `each` as it is read,
    /// in the store's order; the result's `leads` stay empty, so a store of
    /// any size is read without holding it. Bad rows are diagnostics in the
    /// result, never an error: only a store that cannot be read at all throws.
    func read(each: (Lead) -> Void) throws(LeadStoreError) -> LeadSheetResult
}

extension LeadSource {
    /// Every lead, held.
    public func read() throws(LeadStoreError) -> LeadSheetResult {
        var leads: [Lead] = []
        var result = try read { leads.append($0) }
        result.leads = leads
        return result
    }
}

/// Where each owner's leads stand in a store: a value per owner that
/// changes whenever one of their leads is added, changed or removed, so a
/// run can tell which owners' plans may have changed without reading the
/// others' leads.
public struct OwnerRevisions: Sendable, Equatable {
    /// Every owner with at least one lead (the store's spelling), and their revision.
    public var owners: [String: Int64] = [:]

    public init(owners: [String: Int64] = [:]) {
        self.owners = owners
    }
}

/// A store that keeps `OwnerRevisions`: `generate` then replans only the
/// owners whose leads changed since its last run.
public protocol RevisionedLeadSource: LeadSource {
    /// Reads the owners' revisions and then, in the same snapshot, the
    /// leads of the owners `selecting` picks (every lead when it picks nil,
    /// none when it picks none), in the store's order.
    func read(
        selecting: (OwnerRevisions) -> Set<String>?, each: (Lead) -> Void
    ) throws(LeadStoreError) -> (result: LeadSheetResult, revisions: OwnerRevisions)
}

/// The lead source at `path`: a `.csv` path is a lead sheet, anything
/// else a SQLite store made by `followup init`.
public func leadSource(
    at path: String, encoding: SheetEncoding = .auto,
    isKnownTimeZone: @escaping LeadSheet.TimeZoneCheck, dateOrder: DateOrder? = nil
) -> any LeadSource {
    isSheet(path) ? LeadSheet(path: path, encoding: encoding, isKnownTimeZone: isKnownTimeZone, dateOrder: dateOrder) : SQLiteLeads(path: path)
}

/// A `.csv` path is a lead sheet; anything else is a SQLite store.
public func isSheet(_ path: String) -> Bool {
    path.lowercased().hasSuffix(".csv")
}

extension LeadSheet: LeadSource {
    public var name: String { displayName }
    public var contentFiles: [(path: String, optional: Bool)] { [(path, false)] }
}

/// The leads of a SQLite store, opened when they are read.
public struct SQLiteLeads: LeadSource {
    public let path: String
    public let columns: LeadColumns

    public init(path: String, columns: LeadColumns = .standard) {
        self.path = path
        self.columns = columns
    }

    public var name: String { path }
    /// A store in WAL mode holds its latest writes in its `-wal` file.
    public var contentFiles: [(path: String, optional: Bool)] { [(path, false), (path + "-wal", true)] }

    public func read(each: (Lead) -> Void) throws(LeadStoreError) -> LeadSheetResult {
        try SQLiteStore.open(at: path, columns: columns).read(each: each)
    }
}

extension SQLiteLeads: RevisionedLeadSource {
    public func read(
        selecting: (OwnerRevisions) -> Set<String>?, each: (Lead) -> Void
    ) throws(LeadStoreError) -> (result: LeadSheetResult, revisions: OwnerRevisions) {
        try SQLiteStore.open(at: path, columns: columns).read(selecting: selecting, each: each)
    }
}

/// Leads a caller holds in memory: the same path through the engine for
/// leads read some other way (and for tests that make their leads).
public struct LeadList: LeadSource {
    public var leads: [Lead]
    /// Owners with no lead, who still get (empty) feeds.
    public var owners: [String]
    public var name: String

    public init(_ leads: [Lead], owners: [String] = [], name: String = "leads") {
        self.leads = leads
        self.owners = owners
        self.name = name
    }

    public var contentFiles: [(path: String, optional: Bool)] { [] }

    public func read(each: (Lead) -> Void) throws(LeadStoreError) -> LeadSheetResult {
        var result = LeadSheetResult(rowsRead: leads.count, owners: owners)
        var seen = Set(owners)
        for lead in leads {
            if seen.insert(lead.owner).inserted { result.owners.append(lead.owner) }
            each(lead)
        }
        return result
    }
}
