import CSV
import FollowUp
import Foundation

/// Writes leads as a lead sheet that `LeadSheet` reads back to the same
/// leads: every column, in the order DESIGN.md lists them, quoted by
/// CSV.swift where RFC 4180 needs it, and every value a spreadsheet would
/// run as a formula neutralised (`LeadSheet.neutralised`).
public enum LeadSheetWriter {
    /// Writes the sheet beside `path` and renames it into place, so a
    /// failed export leaves an earlier file whole.
    public static func write(_ leads: [Lead], to path: String, mode: mode_t = 0o600) throws(LeadStoreError) {
        let temporary = path + ".tmp-\(getpid())"
        do {
            // A sheet of leads is personal data: owner-only, like the store, unless asked otherwise.
            let descriptor = open(temporary, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode)
            guard descriptor >= 0 else {
                throw LeadStoreError("\(path): cannot be written: \(String(cString: strerror(errno)))")
            }
            fchmod(descriptor, mode)
            close(descriptor)
            guard let stream = OutputStream(toFileAtPath: temporary, append: false) else {
                throw LeadStoreError("\(path): cannot be written")
            }
            stream.open()
            let writer = try CSVWriter(stream: stream, newline: .crlf)
            let columns = LeadSheet.Column.allCases.map(\.rawValue)
            try writer.write(row: columns)
            for lead in leads {
                let values = SQLiteStore.columns(lead)
                try writer.write(row: columns.map { LeadSheet.neutralised(values[$0] ?? "") })
            }
            writer.stream.close()
            // CSV.swift writes no line break after the last row; a sheet ends with one.
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("\r\n".utf8))
            try handle.close()
            guard rename(temporary, path) == 0 else {
                throw LeadStoreError("\(path): cannot be written: \(String(cString: strerror(errno)))")
            }
        } catch let error as LeadStoreError {
            unlink(temporary)
            throw error
        } catch {
            unlink(temporary)
            throw LeadStoreError("\(path): cannot be written: \(error)")
        }
    }
}
