import FileKit
import Foundation
import Testing

/// The scratch files generation keeps leads and components in.
@Suite struct ScratchTests {
    /// Whatever part stays in memory, every record reads back as written,
    /// before and after the file is emptied and filled again.
    @Test(arguments: [0, 1, 1_000, 400_000, 1 << 22])
    func bytesReadBackFromAnyOffsetAcrossMemoryAndTheWriteBuffer(_ memoryLimit: Int) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try ScratchFile(in: folder.path, memoryLimit: memoryLimit)
        for round in 0..<2 {
            // Records of many sizes, some larger than the write buffer.
            var records: [(UInt64, [UInt8])] = []
            for size in [0, 1, 100, 70_000, 300_000, 5, 1 << 19, 3, 900] {
                let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ size &+ round) }
                records.append((try file.append(bytes), bytes))
            }
            try file.flush()
            var buffer: [UInt8] = []
            for (offset, bytes) in records.reversed() {
                #expect(Array(try file.read(at: offset, count: bytes.count, buffer: &buffer)) == bytes)
            }
            // Two records appended one after the other read as one, even
            // when the first stayed in memory and the second went to the file.
            for (first, second) in zip(records, records.dropFirst()) {
                let both = try file.read(at: first.0, count: first.1.count + second.1.count, buffer: &buffer)
                #expect(Array(both) == first.1 + second.1)
            }
            #expect(records.map(\.0) == records.indices.map { UInt64(records[..<$0].map(\.1.count).reduce(0, +)) })
            #expect(file.size == UInt64(records.map(\.1.count).reduce(0, +)))
            try file.truncate()
            #expect(file.size == 0)
        }
    }
}
