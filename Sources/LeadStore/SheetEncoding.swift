import Foundation

/// How a lead sheet's bytes are read as text.
///
/// Spreadsheets save "CSV" in the system's legacy code page on many
/// machines (Excel on Windows: Windows-1252 in western Europe and the
/// Americas), so `auto` reads a sheet as UTF-8 unless it cannot be: a sheet
/// with bytes that are not UTF-8 and not one sequence that is (a UTF-8
/// sheet with one bad byte still has its other accents as UTF-8) is read
/// as Windows-1252, with a warning that says so.
public enum SheetEncoding: String, CaseIterable, Sendable {
    case auto
    case utf8 = "utf-8"
    case windows1252 = "windows-1252"
    case latin1 = "latin-1"

    /// An encoding the reader uses.
    public enum Resolved: String, Sendable {
        case utf8 = "UTF-8"
        case windows1252 = "Windows-1252"
        case latin1 = "Latin-1"
    }

    /// Reads a name as people write it: `UTF8`, `cp1252`, `ISO-8859-1`.
    public init?(name: String) {
        let key = name.lowercased().filter { $0.isLetter || $0.isNumber }
        switch key {
        case "auto": self = .auto
        case "utf8": self = .utf8
        case "windows1252", "cp1252", "win1252", "ansi": self = .windows1252
        case "latin1", "iso88591", "l1": self = .latin1
        default: return nil
        }
    }

    /// What `auto` found in a file.
    public struct Detection: Sendable {
        public var encoding: Resolved
        /// The first byte that is not UTF-8, its offset in the file and its line (from 1).
        public var firstInvalid: (byte: UInt8, offset: Int, line: Int)?
    }

    /// Reads the file until it knows: the first UTF-8 sequence of two bytes
    /// or more settles it (most UTF-8 sheets have one in their first rows);
    /// a sheet of plain ASCII is read to its end (8 bytes a step). nil when
    /// the file cannot be read.
    public static func detect(path: String) -> Detection? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var validator = UTF8Check.Stream()
        var offset = 0
        var firstInvalid: (byte: UInt8, offset: Int, line: Int)?
        while true {
            let read = buffer.withUnsafeMutableBytes { fread($0.baseAddress!, 1, $0.count, file) }
            if read == 0 { break }
            var start = 0
            while start < read {
                let outcome = buffer.withUnsafeBufferPointer { validator.feed(UnsafeBufferPointer(rebasing: $0[start..<read])) }
                if outcome.sawMultibyte { return Detection(encoding: .utf8, firstInvalid: located(firstInvalid, in: file)) }
                guard let bad = outcome.firstInvalid.map({ $0 + start }) else { break }
                if firstInvalid == nil { firstInvalid = (buffer[bad], offset + bad, 0) }
                start = bad + 1
            }
            offset += read
        }
        return Detection(encoding: firstInvalid == nil ? .utf8 : .windows1252, firstInvalid: located(firstInvalid, in: file))
    }

    /// The first invalid byte with its line: the line breaks before it, counted again from the start.
    private static func located(_ invalid: (byte: UInt8, offset: Int, line: Int)?, in file: UnsafeMutablePointer<FILE>)
        -> (byte: UInt8, offset: Int, line: Int)?
    {
        guard var invalid else { return nil }
        rewind(file)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var remaining = invalid.offset, line = 1
        while remaining > 0 {
            let read = buffer.withUnsafeMutableBytes { fread($0.baseAddress!, 1, min($0.count, remaining), file) }
            if read == 0 { break }
            line += buffer[..<read].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            remaining -= read
        }
        invalid.line = line
        return invalid
    }

    /// Windows-1252 as the WHATWG Encoding Standard defines it (what
    /// browsers and Excel mean by it): Latin-1, but for 0x80–0x9F, whose
    /// five unassigned bytes stay the C1 controls of their value.
    /// Written here because Foundation's windowsCP1252 conversion refuses
    /// a whole text for one of those five bytes.
    static let windows1252High: [UInt16] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    /// Bytes of a single-byte encoding as a String.
    static func decode(_ bytes: [UInt8], as encoding: Resolved) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for byte in bytes {
            let value: UInt32 =
                encoding == .windows1252 && (0x80...0x9F).contains(byte)
                ? UInt32(windows1252High[Int(byte - 0x80)]) : UInt32(byte)
            scalars.append(Unicode.Scalar(value)!)
        }
        return String(scalars)
    }
}

/// UTF-8 checks on bytes.
///
/// Why this exists: Swift validates a whole buffer (`String(validating:)`)
/// but says neither where it fails nor whether a sequence of two bytes or
/// more was seen, which is what telling UTF-8 from Windows-1252 needs.
enum UTF8Check {
    /// A validator across buffers (a sequence may span two).
    struct Stream {
        private var pending = 0  // continuation bytes still expected
        private var lowerBound: UInt8 = 0x80, upperBound: UInt8 = 0xBF  // for the next one

        /// Feeds bytes; returns the index of the first invalid byte in
        /// them, if any, and whether a whole multibyte sequence ended in them.
        mutating func feed(_ buffer: UnsafeBufferPointer<UInt8>) -> (firstInvalid: Int?, sawMultibyte: Bool) {
            var index = 0
            var sawMultibyte = false
            var lead: Int?
            let count = buffer.count
            while index < count {
                if pending == 0 {
                    // ASCII, 8 bytes a step.
                    while index + 8 <= count {
                        let word = UnsafeRawPointer(buffer.baseAddress! + index).loadUnaligned(as: UInt64.self)
                        if word & 0x8080_8080_8080_8080 != 0 { break }
                        index += 8
                    }
                    guard index < count else { break }
                }
                let byte = buffer[index]
                if pending > 0 {
                    guard byte >= lowerBound && byte <= upperBound else {
                        // The sequence is cut short: its lead byte is the bad one
                        // (this byte, when the lead was in an earlier buffer).
                        pending = 0
                        lowerBound = 0x80; upperBound = 0xBF
                        return (lead ?? index, sawMultibyte)
                    }
                    lowerBound = 0x80; upperBound = 0xBF
                    pending -= 1
                    if pending == 0 { sawMultibyte = true }
                } else if byte < 0x80 {
                    // ASCII
                } else if byte >= 0xC2 && byte <= 0xDF {
                    pending = 1; lead = index
                } else if byte >= 0xE0 && byte <= 0xEF {
                    pending = 2; lead = index
                    if byte == 0xE0 { lowerBound = 0xA0 } else if byte == 0xED { upperBound = 0x9F }
                } else if byte >= 0xF0 && byte <= 0xF4 {
                    pending = 3; lead = index
                    if byte == 0xF0 { lowerBound = 0x90 } else if byte == 0xF4 { upperBound = 0x8F }
                } else {
                    return (index, sawMultibyte)
                }
                index += 1
            }
            openLead = pending > 0 ? lead : nil
            return (nil, sawMultibyte)
        }

        /// The lead byte's index in the last buffer fed, when that buffer
        /// ends inside the sequence it starts.
        private(set) var openLead: Int?
    }

    /// The index of the first byte of `bytes` that is not UTF-8, if any:
    /// a byte that cannot start a sequence, or the lead byte of one cut short.
    static func firstInvalid(in bytes: [UInt8]) -> Int? {
        var stream = Stream()
        return bytes.withUnsafeBufferPointer { buffer in
            stream.feed(buffer).firstInvalid ?? stream.openLead
        }
    }

    /// Up to 24 bytes either side of `offset`, on its line, as text with
    /// every byte that is not UTF-8 written `\xHH`.
    static func context(of bytes: [UInt8], around offset: Int) -> String {
        let lineStart = bytes[..<offset].lastIndex(where: { $0 == 0x0A || $0 == 0x0D }).map { $0 + 1 } ?? 0
        let lineEnd = bytes[offset...].firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) ?? bytes.count
        let start = max(lineStart, offset - 24), end = min(lineEnd, offset + 25)
        var text = ""
        var index = start
        while index < end {
            let rest = Array(bytes[index..<end])
            if let bad = firstInvalid(in: rest) {
                text += String(decoding: rest[..<bad], as: UTF8.self)
                text += String(format: "\\x%02X", rest[bad])
                index += bad + 1
            } else {
                text += String(decoding: rest, as: UTF8.self)
                break
            }
        }
        return (start > lineStart ? "…" : "") + text + (end < lineEnd ? "…" : "")
    }

    /// Whether the bytes hold EF BB BF, a byte order mark.
    static func containsByteOrderMark(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            var index = 0
            while index + 3 <= buffer.count,
                let found = memchr(base + index, 0xEF, buffer.count - index)
            {
                index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if index + 3 <= buffer.count && buffer[index + 1] == 0xBB && buffer[index + 2] == 0xBF { return true }
                index += 1
            }
            return false
        }
    }
}
