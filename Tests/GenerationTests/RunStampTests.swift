import FileKit
import Foundation
import Generation
import Testing

@Suite struct RunStampTests {
    @Test func aStampCoversOnlyTheSameInputsBeforeItExpiresWithItsFilesInPlace() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("x".utf8).write(to: folder.appendingPathComponent("me.events.ics"))
        let now = Date()
        let stamp = RunStamp(input: "abc", validUntil: now.addingTimeInterval(60), files: ["me.events.ics"], rejectedRows: 0)
        try stamp.save(in: folder.path, mode: 0o600)
        let loaded = try #require(RunStamp.load(from: folder.path))
        #expect(loaded.input == "abc" && loaded.files == ["me.events.ics"])
        #expect(loaded.covers(input: "abc", at: now, in: folder.path))
        #expect(!loaded.covers(input: "abd", at: now, in: folder.path))
        #expect(!loaded.covers(input: "abc", at: now.addingTimeInterval(61), in: folder.path), "today moved on")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("me.events.ics"))
        #expect(!loaded.covers(input: "abc", at: now, in: folder.path), "a feed was removed")
    }

    @Test func theDigestSeparatesItsParts() {
        var a = InputDigest(), b = InputDigest(), c = InputDigest()
        a.add("ab"); a.add("c")
        b.add("a"); b.add("bc")
        c.add("ab"); c.add("c")
        #expect(a.hex != b.hex)
        #expect(a.hex == c.hex)
        #expect(a.hex.count == 32)
    }

    /// A change to any one byte, in the words or the tail, changes the digest.
    @Test func everyByteCounts() {
        let bytes = (0..<1_003).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        func digest(_ bytes: [UInt8]) -> String {
            var digest = InputDigest()
            bytes.withUnsafeBytes { digest.add($0) }
            return digest.hex
        }
        var seen: Set<String> = [digest(bytes)]
        for index in bytes.indices {
            for flip: UInt8 in [0x01, 0x80] {
                var changed = bytes
                changed[index] ^= flip
                #expect(seen.insert(digest(changed)).inserted, "byte \(index)")
            }
        }
    }
}
