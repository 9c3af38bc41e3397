import FileKit
import FollowUp

/// The leads of a run, kept in a `ScratchFile` as they are read and read
/// back one at a time when their owner is planned.
///
/// Why a format of our own: this is a private, per-run record that never
/// leaves the process (the file has no name and dies with the run), read
/// back a million times; it needs to be compact and fast, not portable or
/// versioned, and no library format (JSON, property lists) is either here.
/// Every field of `Lead` is kept, so a lead comes back equal to itself
/// (tested).
public final class LeadSpill: @unchecked Sendable {
    // @unchecked: `append` is called from one thread while reading the
    // store; afterwards `lead(at:)` only reads, from any thread.
    private let file: ScratchFile
    private var record: [UInt8] = []

    /// Where one lead's record is.
    public struct Location: Sendable, Hashable {
        public let offset: UInt64
        public let length: UInt32
    }

    /// - Parameter memoryLimit: how many bytes of leads stay in memory
    ///   before the file takes the rest: a small or middling store is read
    ///   back without a system call a lead.
    public init(in folder: String, memoryLimit: Int = LeadSpill.memoryLimit) throws(FileError) {
        file = try ScratchFile(in: folder, memoryLimit: memoryLimit)
    }

    /// About 100,000 leads of a typical sheet; at a million leads the rest
    /// go to the file, and memory stays flat.
    public static let memoryLimit = 32 << 20

    /// Keeps a lead; returns where to find it.
    public func append(_ lead: Lead) throws(FileError) -> Location {
        record.removeAll(keepingCapacity: true)
        Self.encode(lead, into: &record)
        let offset = try file.append(record)
        return Location(offset: offset, length: UInt32(record.count))
    }

    /// Ends the appending: every lead kept can be read from here on.
    public func finishWriting() throws(FileError) {
        try file.flush()
    }

    /// The lead kept at `location`. `buffer` is reused between calls.
    public func lead(at location: Location, buffer: inout [UInt8]) throws(FileError) -> Lead {
        let bytes = try file.read(at: location.offset, count: Int(location.length), buffer: &buffer)
        var reader = Reader(bytes: bytes)
        guard let lead = Self.decode(&reader) else {
            throw FileError(
                .read, "a temporary file of this run", code: 0,
                description: "a temporary file of this run was damaged while it ran (a lead record at byte \(location.offset) does not read back)")
        }
        return lead
    }

    // MARK: - The record

    static func encode(_ lead: Lead, into out: inout [UInt8]) {
        func string(_ value: String?) {
            guard var text = value else { return integer(UInt32.max) }
            text.withUTF8 { bytes in
                integer(UInt32(bytes.count))
                out.append(contentsOf: bytes)
            }
        }
        func integer<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
        }
        func date(_ date: LocalDate?) {
            integer(Int64(date?.daysSinceEpoch ?? Int(Int64.min)))
        }
        string(lead.id); string(lead.name); string(lead.company); string(lead.email); string(lead.phone)
        string(lead.owner); string(lead.timeZone)
        integer(lead.status.map { UInt8(LeadStatus.allCases.firstIndex(of: $0)!) } ?? UInt8.max)
        date(lead.firstContact); date(lead.lastContact); date(lead.lastReply)
        string(lead.lastStep); string(lead.nextStep); date(lead.nextStepDue)
        integer(lead.nextStepOwner.map { UInt8(StepOwner.allCases.firstIndex(of: $0)!) } ?? UInt8.max)
        date(lead.snoozeUntil)
        string(lead.fiscalYearStart?.description)
        date(lead.launchDate)
        integer(UInt32(lead.events.count))
        for event in lead.events {
            date(event.date)
            string(event.name)
        }
        string(lead.notes)
        string(lead.country)
        integer(UInt32(lead.extra.count))
        for (column, value) in lead.extra.sorted(by: { $0.key < $1.key }) {
            string(column)
            string(value)
        }
    }

    static func decode(_ reader: inout Reader) -> Lead? {
        guard let id = reader.string() ?? nil, let name = reader.string() ?? nil,
            let company = reader.string(), let email = reader.string(), let phone = reader.string(),
            let owner = reader.string() ?? nil, let timeZone = reader.string(),
            let status = reader.integer(UInt8.self),
            let firstContact = reader.date(), let lastContact = reader.date(), let lastReply = reader.date(),
            let lastStep = reader.string(), let nextStep = reader.string(), let nextStepDue = reader.date(),
            let nextStepOwner = reader.integer(UInt8.self), let snoozeUntil = reader.date(),
            let fiscalYearStart = reader.string(), let launchDate = reader.date(),
            let eventCount = reader.integer(UInt32.self)
        else { return nil }
        var events: [LeadEvent] = []
        for _ in 0..<eventCount {
            guard let date = reader.date() ?? nil, let name = reader.string() ?? nil else { return nil }
            events.append(LeadEvent(date: date, name: name))
        }
        guard let notes = reader.string(), let country = reader.string(), let extraCount = reader.integer(UInt32.self) else { return nil }
        var extra: [String: String] = [:]
        for _ in 0..<extraCount {
            guard let column = reader.string() ?? nil, let value = reader.string() ?? nil else { return nil }
            extra[column] = value
        }
        guard reader.isAtEnd else { return nil }
        var lead = Lead(
            id: id, name: name, company: company, email: email, phone: phone, owner: owner, timeZone: timeZone,
            status: status == .max ? nil : LeadStatus.allCases[Int(status)],
            firstContact: firstContact, lastContact: lastContact, lastReply: lastReply,
            nextStep: nextStep, nextStepDue: nextStepDue,
            nextStepOwner: nextStepOwner == .max ? nil : StepOwner.allCases[Int(nextStepOwner)],
            snoozeUntil: snoozeUntil, fiscalYearStart: fiscalYearStart.flatMap { MonthDay($0) }, launchDate: launchDate,
            events: events, notes: notes, lastStep: lastStep, country: country)
        lead.extra = extra
        return lead
    }

    /// Reads a record's fields in turn; each returns nil past the end.
    struct Reader {
        let bytes: ArraySlice<UInt8>
        var position: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            position = bytes.startIndex
        }

        var isAtEnd: Bool { position == bytes.endIndex }

        mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard position + size <= bytes.endIndex else { return nil }
            var value = T.zero
            let start = position - bytes.startIndex
            withUnsafeMutableBytes(of: &value) { raw in
                bytes.withUnsafeBytes { raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[start..<start + size])) }
            }
            position += size
            return T(littleEndian: value)
        }

        /// nil past the end; .some(nil) for an absent value.
        mutating func string() -> String?? {
            guard let length = integer(UInt32.self) else { return nil }
            if length == .max { return .some(nil) }
            guard position + Int(length) <= bytes.endIndex else { return nil }
            defer { position += Int(length) }
            return .some(String(decoding: bytes[position..<position + Int(length)], as: UTF8.self))
        }

        mutating func date() -> LocalDate?? {
            guard let days = integer(Int64.self) else { return nil }
            return .some(days == .min ? nil : LocalDate(daysSinceEpoch: Int(days)))
        }
    }
}
