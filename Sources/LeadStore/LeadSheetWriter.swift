import CSV
import FileKit
import FollowUp
import Foundation

/// Writes leads as a lead sheet that `LeadSheet` reads back to the same
/// leads: every column of the mapping (`LeadColumns`), in its order, quoted by
/// CSV.swift where RFC 4180 needs it, and every value a spreadsheet would
/// run as a formula neutralised (`LeadSheet.neutralised`).
public enum LeadSheetWriter {
    /// Writes the sheet beside `path` and renames it into place, so a
    /// failed export leaves an earlier file whole.
    public static func write(_ leads: [Lead], to path: String, mode: mode_t = 0o600, columns: LeadColumns = .standard) throws(LeadStoreError) {
        let bytes = try self.bytes(of: leads, columns: columns, name: path)
        // A sheet of leads is personal data: owner-only, like the store, unless asked otherwise.
        do { try AtomicFile.write(bytes, to: path, mode: mode) } catch {
            throw LeadStoreError("\(path): cannot be written: \(FileError.reason(error.code))")
        }
    }

    /// The sheet's bytes: the header, then a row a lead (CRLF line ends,
    /// RFC 4180 quoting, formula-looking values neutralised).
    public static func bytes(of leads: [Lead], columns: LeadColumns = .standard, name: String = "the sheet") throws(LeadStoreError) -> [UInt8] {
        do {
            let stream = OutputStream(toMemory: ())
            stream.open()
            let writer = try CSVWriter(stream: stream, newline: .crlf)
            let names = columns.names
            try writer.write(row: names)
            for lead in leads {
                let values = columns.values(of: lead)
                try writer.write(row: names.map { LeadSheet.neutralised(values[$0] ?? "") })
            }
            writer.stream.close()
            guard let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data else {
                throw LeadStoreError("\(name): cannot be written")
            }
            // CSV.swift writes no line break after the last row; a sheet ends with one.
            return Array(data) + Array("\r\n".utf8)
        } catch let error as LeadStoreError {
            throw error
        } catch {
            throw LeadStoreError("\(name): cannot be written: \(error)")
        }
    }
}
