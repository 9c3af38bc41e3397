import FileKit
import FollowUp
import Foundation
import LeadStore

/// Plans every lead of a store and gives each lead's touchpoints, rendered,
/// in the store's order, with memory flat in the number of leads: what
/// `followup plan` prints.
///
/// The planner takes leads in its own order (capacity goes to engaged
/// leads first), the store's order is the one a person reads. So, as in
/// `generate`, each lead waits in a `LeadSpill` while the store is read,
/// only its planning key stays in memory; each lead's rendered touches go
/// to a scratch file as it is planned, and are read back in the store's
/// order at the end. Per lead, memory holds a key and two file places.
public struct StreamingPlan {
    public let store: any LeadSource
    public let planner: Planner
    /// Where the scratch files go (nameless: they vanish with the process).
    public let scratchFolder: String

    public init(store: any LeadSource, planner: Planner, scratchFolder: String = NSTemporaryDirectory()) {
        self.store = store
        self.planner = planner
        self.scratchFolder = scratchFolder
    }

    /// What reading the store found, and how many leads were given.
    public struct Report: Sendable {
        public var read: LeadSheetResult
        /// Leads read from the store (valid rows).
        public var leads: Int
        /// Leads `includes` let through.
        public var included: Int
    }

    /// Reads and plans the store. Every lead is planned (owners' capacity
    /// is shared), but only those `includes` lets through are rendered.
    /// - Parameters:
    ///   - includes: whether a lead (by id) is rendered.
    ///   - render: one lead's touchpoints as bytes, called in the planner's order.
    ///   - emit: the rendered bytes, in the store's order, a lead or more at a time.
    /// - Throws: `LeadStoreError` for a store that cannot be read, `FileError`
    ///   for a scratch file, or what `render` and `emit` throw.
    public func run(
        includes: (String) -> Bool = { _ in true }, render: ([Touchpoint]) throws -> [UInt8], emit: (ArraySlice<UInt8>) throws -> Void
    ) throws -> Report {
        let spill = try LeadSpill(in: scratchFolder)
        var keys: [PlanningKey] = [], locations: [LeadSpill.Location] = []
        var failure: FileError?
        let read = try store.read { lead in
            guard failure == nil else { return }
            do throws(FileError) {
                locations.append(try spill.append(lead))
                keys.append(planner.planningKey(lead))
            } catch {
                failure = error
            }
        }
        var report = Report(read: read, leads: keys.count, included: 0)
        if let failure { throw failure }
        guard !read.headerIsUnusable else { return report }
        try spill.finishWriting()

        let rendered = try ScratchFile(in: scratchFolder, memoryLimit: 16 << 20)
        var places = [(offset: UInt64, length: UInt32)](repeating: (0, 0), count: keys.count)
        var buffer: [UInt8] = []
        try planner.plan(
            keys.indices, key: { keys[$0] },
            lead: { (index: Int) throws(any Error) -> Lead in try spill.lead(at: locations[index], buffer: &buffer) },
            touches: { (index: Int, touches: [Touchpoint]) throws(any Error) in
                guard includes(keys[index].id) else { return }
                report.included += 1
                let bytes = try render(touches)
                guard !bytes.isEmpty else { return }
                places[index] = (try rendered.append(bytes), UInt32(bytes.count))
            })
        try rendered.flush()
        // Read back in the store's order, in chunks of about a megabyte.
        var chunk: [UInt8] = [], readBuffer: [UInt8] = []
        for place in places where place.length > 0 {
            chunk += try rendered.read(at: place.offset, count: Int(place.length), buffer: &readBuffer)
            if chunk.count >= 1 << 20 {
                try emit(chunk[...])
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { try emit(chunk[...]) }
        return report
    }
}
