#if canImport(Glibc)
    import Glibc
#endif

/// A digest of bytes: a run's inputs, a served file's validator.
///
/// Two 64-bit FNV-1a-style hashes taken eight bytes a step (with different
/// offset bases and multipliers, each folding its high bits down after every
/// step) make a 128-bit change detector. It is not a cryptographic hash and
/// need not be: it only tells whether the same inputs came again, and
/// streams a large store in blocks without holding it. Word by word, as the
/// store and this executable (tens of megabytes) pass here on every run.
public struct InputDigest {
    private var first: UInt64 = 0xcbf2_9ce4_8422_2325
    private var second: UInt64 = 0x84222325_cbf29ce4

    public init() {}

    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var a = first, b = second
        var index = 0
        if let base = bytes.baseAddress {
            while index + 8 <= bytes.count {
                let word = UInt64(littleEndian: (base + index).loadUnaligned(as: UInt64.self))
                a = (a ^ word) &* 0x100_0000_01b3
                a ^= a >> 32
                b = (b ^ word) &* 0x9e37_79b9_7f4a_7c15
                b ^= b >> 29
                index += 8
            }
        }
        for byte in bytes[index...] {
            a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x9e37_79b9_7f4a_7c15
        }
        first = a
        second = b
    }

    public mutating func add(_ text: String) {
        var text = text + "\u{0}"  // a separator, so "ab"+"c" differs from "a"+"bc"
        text.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    /// Adds a file's bytes; false when it cannot be read.
    public mutating func add(fileAt path: String) -> Bool {
        guard let file = fopen(path, "rb") else { return false }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            buffer.withUnsafeBytes { add(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        return ferror(file) == 0
    }

    public var hex: String {
        let a = String(first, radix: 16), b = String(second, radix: 16)
        return String(repeating: "0", count: 16 - a.count) + a + String(repeating: "0", count: 16 - b.count) + b
    }
}

extension InputDigest {
    /// 32-bit FNV-1a of the UTF-8 bytes, as 8 hex digits: short, stable
    /// across runs and platforms (Swift's `hashValue` is seeded per
    /// process), for names that stand in for a text (an owner's mail
    /// address). Not the 128-bit digest: these names are in subscribers'
    /// feeds already and must not change.
    public static func short(_ text: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
