import Foundation

/// The fields of CSV records, split over UTF-8 bytes exactly as CSV.swift's
/// `CSVReader` splits them (its defaults: comma, no trimming, no header).
///
/// Why this is written here rather than left to CSV.swift: its reader takes
/// one Unicode scalar at a time through an `AnyIterator` and appends each
/// to a `String.UnicodeScalarView`, and on a sheet of long notes that was a
/// quarter of `generate`'s CPU time (issue 20's profile). The other CSV
/// library at hand, SwiftCSV, walks the text a Character (grapheme) at a
/// time, which is slower still, and answers otherwise than CSV.swift on
/// text RFC 4180 does not define (a quote inside a quoted value not
/// doubled, a value never closed), with which the sheet's rows, and the
/// record ends `RecordScanner` finds, have always been read. So the fields
/// are found here over bytes, a run at a time (memchr to the next quote, a
/// scan to the next comma or line break), and each becomes a String once;
/// CSV.swift's reader remains the reference: `CSVFieldsTests` holds this
/// to it on random texts of the characters that matter (quotes, commas,
/// CR, LF, multi-byte scalars).
///
/// CSV.swift's rules, as its `readRow` and `readField` apply them:
/// - a record ends at LF, CR or CRLF outside quotes, or at the end of the
///   text; an empty text has no record, an empty line is one empty field;
/// - a field that starts with a quote is quoted: `""` in it is a quote; a
///   quote followed by a comma ends the field, by CR, LF or the end of the
///   text ends the record; a quote followed by anything else is kept and
///   the scalar after it dropped; the end of the text inside the quotes
///   ends the value;
/// - any other field runs to the next comma, CR or LF; quotes in it are
///   text;
/// - a comma at the very end of the text is followed by one empty field.
enum CSVFields {
    /// Calls `record` with the fields of each record in `bytes`, which must
    /// be valid UTF-8; with `removingByteOrderMarks`, U+FEFF is taken out
    /// of every value.
    static func split(
        _ bytes: UnsafeBufferPointer<UInt8>, removingByteOrderMarks: Bool = false,
        record: ([String]) -> Void
    ) {
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
        var fields: [String] = []
        // A quoted value with quotes in it, put together byte by byte.
        var scratch: [UInt8] = []

        func string(_ start: Int, _ end: Int) -> String {
            let text = String(decoding: UnsafeBufferPointer(start: base + start, count: end - start), as: UTF8.self)
            return removingByteOrderMarks ? withoutMarks(text) : text
        }
        func scratchString() -> String {
            let text = String(decoding: scratch, as: UTF8.self)
            return removingByteOrderMarks ? withoutMarks(text) : text
        }

        var index = 0
        while index < count {
            // One record.
            fields.removeAll(keepingCapacity: true)
            fieldLoop: while true {
                if index >= count {
                    // A comma just before the end of the text.
                    fields.append("")
                    break fieldLoop
                }
                if bytes[index] == quote {
                    // A quoted value: runs between quotes, joined when a quote is doubled or stray.
                    var start = index + 1
                    var joined = false
                    scratch.removeAll(keepingCapacity: true)
                    while true {
                        guard let found = memchr(base + start, Int32(quote), count - start) else {
                            // The text ends inside the quotes: the value is what there is.
                            if joined {
                                scratch.append(contentsOf: bytes[start..<count])
                                fields.append(scratchString())
                            } else {
                                fields.append(string(start, count))
                            }
                            index = count
                            break fieldLoop
                        }
                        let at = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                        let next = at + 1
                        let after: UInt8? = next < count ? bytes[next] : nil
                        if after == nil || after == cr || after == lf || after == comma {
                            if joined {
                                scratch.append(contentsOf: bytes[start..<at])
                                fields.append(scratchString())
                            } else {
                                fields.append(string(start, at))
                            }
                            guard let after, after != comma else {
                                // A comma ends the field (the next one starts after it); the end of the text ends the record.
                                index = next + 1
                                if after == nil { break fieldLoop }
                                continue fieldLoop
                            }
                            index = next + 1
                            if after == cr, index < count, bytes[index] == lf { index += 1 }
                            break fieldLoop
                        }
                        // A doubled quote is one quote; a stray one is kept and the scalar after it dropped.
                        joined = true
                        scratch.append(contentsOf: bytes[start...at])
                        start = after == quote ? next + 1 : next + scalarLength(after!)
                    }
                } else {
                    // An unquoted value: to the next comma or line break.
                    var end = index
                    while end < count {
                        let byte = bytes[end]
                        if byte == comma || byte == lf || byte == cr { break }
                        end += 1
                    }
                    fields.append(string(index, end))
                    guard end < count else {
                        index = count
                        break fieldLoop
                    }
                    let byte = bytes[end]
                    index = end + 1
                    if byte == comma { continue fieldLoop }
                    if byte == cr, index < count, bytes[index] == lf { index += 1 }
                    break fieldLoop
                }
            }
            record(fields)
        }
    }

    /// The length of the UTF-8 sequence that starts with `lead`.
    private static func scalarLength(_ lead: UInt8) -> Int {
        if lead < 0xC0 { return 1 }
        if lead < 0xE0 { return 2 }
        if lead < 0xF0 { return 3 }
        return 4
    }

    private static func withoutMarks(_ text: String) -> String {
        guard text.utf8.contains(0xEF) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where scalar != "\u{FEFF}" { scalars.append(scalar) }
        return String(scalars)
    }
}
