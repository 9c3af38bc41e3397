import Foundation
import Testing

@testable import FileKit

/// Feeds are written around the page cache (`O_DIRECT`) in whole blocks and
/// their last part buffered; whatever the sizes and offsets of the writes
/// and copies, the file must hold exactly the bytes given, as a buffered
/// file of the same writes does.
@Suite struct DirectIOTests {
    /// Random bytes of a seeded generator, so a failure can be replayed.
    struct Bytes: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
    }

    /// One way of filling a file: writes of these sizes, copies of these
    /// ranges of a source file, writeBacks in between.
    enum Step {
        case write([UInt8])
        case copy(offset: Int, length: Int)
        case transformedCopy(offset: Int, length: Int)
        case writeBack
    }

    static func steps(seed: UInt64, source: [UInt8]) -> [Step] {
        var random = Bytes(state: seed)
        var steps: [Step] = []
        // Sizes around the block (4 KiB) and the buffer (1 MiB), and larger than both.
        let sizes = [0, 1, 7, 4095, 4096, 4097, 8191, 65_536, (1 << 20) - 1, 1 << 20, (1 << 20) + 3, 2_500_000]
        for _ in 0..<40 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5: steps.append(.write(random.bytes(sizes.randomElement(using: &random)! % 300_000 + Int.random(in: 0..<3, using: &random))))
            case 5: steps.append(.write(random.bytes(sizes.randomElement(using: &random)!)))
            case 6, 7:
                let offset = Int.random(in: 0..<source.count, using: &random)
                steps.append(.copy(offset: offset, length: min(source.count - offset, sizes.randomElement(using: &random)!)))
            case 8:
                let offset = Int.random(in: 0..<source.count, using: &random)
                steps.append(.transformedCopy(offset: offset, length: min(source.count - offset, sizes.randomElement(using: &random)!)))
            default: steps.append(.writeBack)
            }
        }
        return steps
    }

    /// Fills a file at `path` by `steps`; returns the bytes it should hold.
    static func fill(_ path: String, direct: Bool, steps: [Step], source: String, sourceBytes: [UInt8]) throws -> (AtomicFile, [UInt8]) {
        let file = try AtomicFile(path: path, mode: 0o600, direct: direct)
        var expected: [UInt8] = []
        for step in steps {
            switch step {
            case .write(let bytes):
                try file.write(bytes)
                expected += bytes
            case .copy(let offset, let length):
                try file.append(from: source, offset: UInt64(offset), length: UInt64(length))
                expected += sourceBytes[offset..<(offset + length)]
            case .transformedCopy(let offset, let length):
                // Upper-cases ASCII letters, holding back the last byte of each chunk but the last.
                try file.append(from: source, offset: UInt64(offset), length: UInt64(length)) { bytes, final in
                    for index in bytes.indices where (0x61...0x7A).contains(bytes[index]) { bytes[index] -= 0x20 }
                    return final ? bytes.count : bytes.count - 1
                }
                expected += sourceBytes[offset..<(offset + length)].map { (0x61...0x7A).contains($0) ? $0 - 0x20 : $0 }
            case .writeBack:
                file.writeBack()
            }
            #expect(file.count == UInt64(expected.count))
        }
        return (file, expected)
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func aFileWrittenAroundThePageCacheHoldsWhatWasWrittenAsABufferedOneDoes(_ seed: UInt64) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var random = Bytes(state: seed &* 977)
        // The source's own last part was written buffered: its end is no block's end.
        let sourceBytes = random.bytes(3_000_001)
        let source = folder.appendingPathComponent("owner.events.ics").path
        let sourceFile = try AtomicFile(path: source, mode: 0o600, direct: true)
        try sourceFile.write(sourceBytes)
        try sourceFile.commit()
        let steps = Self.steps(seed: seed, source: sourceBytes)
        for direct in [true, false] {
            let path = folder.appendingPathComponent(direct ? "direct.ics" : "buffered.ics").path
            let (file, expected) = try Self.fill(path, direct: direct, steps: steps, source: source, sourceBytes: sourceBytes)
            #expect(try file.commit())
            let written = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(written.count == expected.count)
            #expect(written == Data(expected), "direct: \(direct), seed \(seed)")
        }
        #expect(AtomicFile.sameContents(folder.appendingPathComponent("direct.ics").path, folder.appendingPathComponent("buffered.ics").path))
        // Nothing of the writes is left beside the files.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["buffered.ics", "direct.ics", "owner.events.ics"])
    }

    /// Rewriting a feed with the same bytes leaves the file in place, and
    /// one byte changed anywhere (the first, one at a block's edge, the
    /// last) replaces it: the comparison reads every byte of both.
    @Test(arguments: [0, 1, 4095, 4096, 4097, 1 << 19, (1 << 19) + 1, (1 << 20) + 5000, 3_000_000])
    func sameBytesAreFoundSameAndOneByteChangedAnywhereIsFound(_ size: Int) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var random = Bytes(state: UInt64(size) &+ 11)
        let bytes = random.bytes(size)
        let path = folder.appendingPathComponent("all.events.ics").path
        let first = try AtomicFile(path: path, mode: 0o600, direct: true)
        try first.write(bytes)
        #expect(try first.commit())
        let placed = try #require(FileIdentity(regularFileAt: path))
        let again = try AtomicFile(path: path, mode: 0o600, direct: true)
        try again.write(bytes)
        #expect(try !again.commit(), "the same bytes: left in place")
        #expect(FileIdentity(regularFileAt: path) == placed)
        for position in Set([0, 4095, 4096, 1 << 19, size / 2, size - 1]) where position >= 0 && position < size {
            var changed = bytes
            changed[position] ^= 0x01
            let other = folder.appendingPathComponent("other.ics").path
            #expect(try AtomicFile.write(changed, to: other, mode: 0o600))
            #expect(!AtomicFile.sameContents(path, other), "byte \(position) of \(size)")
            #expect(!AtomicFile.sameContents(other, path), "byte \(position) of \(size)")
        }
        // A file one byte longer is not the same either, nor one missing.
        let longer = folder.appendingPathComponent("longer.ics").path
        #expect(try AtomicFile.write(bytes + [0x0A], to: longer, mode: 0o600))
        #expect(!AtomicFile.sameContents(path, longer))
        #expect(!AtomicFile.sameContents(path, folder.appendingPathComponent("missing.ics").path))
    }

    /// A reader hands out any range of a file, at any offset, and less at
    /// its end, whether its file system took direct reads or not.
    @Test func aReaderHandsOutAnyRangeOfAFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var random = Bytes(state: 42)
        let bytes = random.bytes(2_000_003)
        let path = folder.appendingPathComponent("source").path
        #expect(try AtomicFile.write(bytes, to: path, mode: 0o600))
        let reader = try #require(DirectReader(path))
        for _ in 0..<300 {
            let offset = Int.random(in: 0...bytes.count, using: &random)
            let count = [0, 1, 4096, 5000, 1 << 20, 1 << 21].randomElement(using: &random)!
            let read = reader.read(at: UInt64(offset), count: count) { Array($0) }
            let expectedCount = min(count, reader.capacity - DirectIO.blockSize, bytes.count - offset)
            #expect(read.map { Array($0) } == Array(bytes[offset..<(offset + expectedCount)]), "\(offset) + \(count)")
        }
        #expect(reader.read(at: UInt64(bytes.count + 10_000), count: 10) { $0.count } == 0, "past the end: nothing")
    }

    /// Writing a closed file is refused, not lost silently.
    @Test func aClosedFileRefusesMoreBytes() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try AtomicFile(path: folder.appendingPathComponent("x.ics").path, mode: 0o600, direct: true)
        try file.write(Array(repeating: 0x41, count: 5000))
        try file.close()
        #expect(throws: FileError.self) { try file.write([0x42]) }
        #expect(throws: FileError.self) { try file.append(from: file.temporaryPath, offset: 0, length: 1) }
        #expect(FileIdentity(regularFileAt: file.temporaryPath)?.size == 5000)
    }
}
