internal import CLibical

/// Re-folds lines that libical left longer than 75 octets.
///
/// Why this exists: libical 3.0's folder looks for a space or punctuation to
/// break at, and on a long run without one (Japanese or Chinese text, a long
/// URL) it writes lines of well over 75 octets, which RFC 5545 §3.1 says a
/// writer must not do and strict parsers and linters reject. libical's output
/// is otherwise kept as it is: escaping and its own fold points are libical's.
/// This pass only splits physical lines that are still too long, at UTF-8
/// character boundaries, inserting CRLF + SPACE (unfolding restores the text).
enum LineFolder {
    static let maxOctets = 75

    /// Appends the re-folded text of a NUL-terminated string from libical's
    /// serialisers to `output`.
    static func refold(_ text: UnsafePointer<CChar>, appendingTo output: inout [UInt8]) {
        let count = Int(bitPattern: UInt(strlen(text)))
        let input = UnsafeBufferPointer(start: UnsafeRawPointer(text).assumingMemoryBound(to: UInt8.self), count: count)
        // Most texts have no line too long: then they are copied as they are.
        if !hasLongLine(input) { output.append(contentsOf: input); return }
        refold(input, appendingTo: &output)
    }

    /// Appends `input` to `output` with every physical line over
    /// `maxOctets` folded.
    private static func refold(_ input: UnsafeBufferPointer<UInt8>, appendingTo output: inout [UInt8]) {
        let count = input.count
        output.reserveCapacity(output.count + count + count / 64)
        var lineStart = 0
        var index = 0
        while index <= count {
            let atEnd = index == count
            if atEnd || (input[index] == 0x0A) {
                // The physical line is lineStart..<contentEnd (CR excluded).
                var contentEnd = index
                if !atEnd, contentEnd > lineStart, input[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                appendFolded(input, lineStart..<contentEnd, to: &output)
                if !atEnd { output.append(contentsOf: input[contentEnd...index]) }
                lineStart = index + 1
            }
            index += 1
        }
    }

    /// `text` with every physical line over 75 octets folded, for libical's
    /// parser: its line reader takes time quadratic in a physical line's
    /// length (an 8 MB line takes it 6 s, folded 0.3 s), and unfolding
    /// gives the same content lines, so a hostile or careless file (a
    /// holiday calendar, a file given to `lint`) is read in linear time.
    static func forParsing(_ text: String) -> String {
        var text = text
        let folded: [UInt8]? = text.withUTF8 { input in
            guard hasLongLine(input) else { return nil }
            var output: [UInt8] = []
            refold(input, appendingTo: &output)
            return output
        }
        return folded.map { String(decoding: $0, as: UTF8.self) } ?? text
    }

    /// Whether a physical line (CR excluded) is longer than `maxOctets`.
    private static func hasLongLine(_ input: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = input.baseAddress else { return false }
        var start = 0
        while start < input.count {
            var end = input.count
            if let found = memchr(base + start, 0x0A, input.count - start) {
                end = UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) - base
            }
            var contentEnd = end
            if end < input.count, contentEnd > start, input[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            if contentEnd - start > maxOctets { return true }
            start = end + 1
        }
        return false
    }

    private static func appendFolded(_ input: UnsafeBufferPointer<UInt8>, _ line: Range<Int>, to output: inout [UInt8]) {
        var start = line.lowerBound
        var limit = maxOctets
        while line.upperBound - start > limit {
            var cut = start + limit
            // Never cut inside a UTF-8 sequence: back off over continuation bytes.
            while cut > start + 1, input[cut] & 0xC0 == 0x80 { cut -= 1 }
            output.append(contentsOf: input[start..<cut])
            output.append(contentsOf: [0x0D, 0x0A, 0x20])
            start = cut
            limit = maxOctets - 1  // the leading space counts toward the line
        }
        output.append(contentsOf: input[start..<line.upperBound])
    }
}
