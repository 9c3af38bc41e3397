import CSV
import Foundation

/// A record of the sheet that is not handed to CSV.swift, and why: the
/// row is reported and skipped, and reading goes on after it.
enum BadRecord: Equatable, Sendable {
    /// A quoted value, opened in field `field` (from 0), that never closes:
    /// the end of the file, or the row limit, came first. The record is the
    /// lines up to the end of the line the quote opened on.
    case unclosedQuote(field: Int, atLimit: Bool)
    /// A record longer than the row limit (`bytes` of it were read before
    /// it was given up, up to the end of its line).
    case tooLong(bytes: Int)
    /// Text that is not valid UTF-8: `byte` in field `field`, the
    /// `offsetInValue`-th byte of its value (from 0), with the bytes around
    /// it as `context` (undecodable bytes written `\xHH`).
    /// `fields` are the record's values with each undecodable byte as
    /// U+FFFD: enough to know whose row it was (its owner keeps a feed).
    case undecodable(byte: UInt8, field: Int, offsetInValue: Int, context: String, fields: [String])
}

/// A lead sheet's rows, parsed by CSV.swift on several threads and handed
/// out in order, each with its row number.
///
/// Why this exists: parsing a sheet of a million rows is the slowest part
/// of reading it, so the sheet is cut into pieces that are split into
/// fields (`CSVFields`, CSV.swift's rules) on several threads at the same
/// time; and CSV.swift gives up on the first byte that is not
/// UTF-8 and reads an unclosed quote to the end of the file as one field,
/// so one bad byte or quote would lose every row after it. The cutter
/// (`RecordScanner`) finds where each record ends exactly as CSV.swift's
/// parser decides it (the same states: a quote at a field's start opens a
/// quoted value, `""` inside one is a quote, a quote before a comma or a
/// line break closes it, CR, LF and CRLF end a row), so every field is
/// still CSV.swift's; what it adds is recovery. A record whose quote never
/// closes (within the row limit, or by the end of the file) is cut at the
/// end of the line the quote opened on and reported; a record longer than
/// the row limit is cut at its next line break and reported; a record that
/// is not valid UTF-8 is reported on its own. The rows after each are read
/// as rows.
///
/// Blank records cost nothing but their number: they are never kept.
final class SheetRows<Row>: @unchecked Sendable {
    // @unchecked: the file and the cutting state are used under `condition`;
    // results are exchanged under it; the consumer's state is its own.

    /// A data row, or a record that could not be read.
    enum Item {
        case row(Row)
        case bad(BadRecord)
    }

    /// The header row; nil when the sheet has none (empty), or when its
    /// first record could not be read (`headerProblem`).
    private(set) var header: [String]?
    private(set) var headerProblem: BadRecord?
    /// How the bytes are read as text.
    let encoding: SheetEncoding.Resolved

    /// The longest record read, in bytes.
    static var maxRowBytes: Int { 1 << 20 }
    /// The longest header: a CRM export can have thousands of columns.
    static var maxHeaderBytes: Int { 16 << 20 }
    /// The most records in a piece: a piece of tiny rows (blank lines, a
    /// word a line) would otherwise hold hundreds of thousands of checked
    /// rows in memory while it waits; pieces of real rows end by size first.
    static var maxRecordsPerPiece: Int { 16_384 }

    /// Whole records, with those cut out as bad at their places.
    private struct Piece {
        var bytes: [UInt8]
        /// Bad records, by their index among the piece's records.
        var bad: [(index: Int, record: BadRecord)]
        /// Records in the piece, bad ones included.
        var records: Int
    }

    /// A parsed piece: the items that are not blank, by record index.
    private struct Parsed {
        var items: [(index: Int, item: Item)]
        var records: Int
    }

    private let chunkSize: Int
    private let file: UnsafeMutablePointer<FILE>
    private let condition = NSCondition()

    // Cutting (under `condition`).
    private var carry: [UInt8] = []
    /// Where in `carry` the current record starts (just after the last record end).
    private var recordStart = 0
    /// How far `carry` has been scanned.
    private var scanned = 0
    private var scanner = RecordScanner()
    private var pieceBad: [(index: Int, record: BadRecord)] = []
    private var pieceRecords = 0
    /// An overlong record being passed over up to its line's end: what to report.
    private var skipping: BadRecord?
    private var skippedBytes = 0
    private var endOfFile = false
    /// The error that ended reading before the end of the file (an I/O error), if any.
    private var failure: Int32?
    private var cutAny = false
    private var nextPiece = 0

    // Results (under `condition`).
    private var parsed: [Int: Parsed] = [:]
    private var nextToHandOut = 0
    private var stopped = false
    /// No piece is cut after those already numbered.
    private var piecesEnded = false
    private static var piecesAhead: Int { 4 }
    /// Enough for the header and some rows: the threads start once it is parsed.
    private static var firstPieceSize: Int { 1 << 16 }

    // The consumer's own.
    private var transform: (([String]) -> Row?)?
    /// The first piece's items, parsed before the transform was known.
    private var firstItems: [(index: Int, fields: [String]?, bad: BadRecord?)] = []
    private var current: [(index: Int, item: Item)] = []
    private var position = 0
    /// The record index the current piece starts at (the header is 0).
    private var base = 0
    private var currentRecords = 0
    private var finished = false

    init?(path: String, chunkSize: Int, encoding: SheetEncoding.Resolved) {
        guard let file = fopen(path, "rb") else { return nil }
        self.chunkSize = max(chunkSize, 1)
        self.file = file
        self.encoding = encoding
        // CSV.swift skips a byte order mark at the start of a stream; so does the cutter.
        if encoding == .utf8 {
            var mark = [UInt8](repeating: 0, count: 3)
            if fread(&mark, 1, 3, file) != 3 || mark != [0xEF, 0xBB, 0xBF] { rewind(file) }
        }
        // The first piece holds the header; it is parsed here, before anything else.
        condition.lock()
        let first = cut()
        condition.unlock()
        guard let first else { return }
        let raw = Self.parse(first, encoding: encoding, isFirst: true)
        currentRecords = raw.records
        var items = raw.items
        if let headerItem = items.first, headerItem.index == 0 {
            items.removeFirst()
            if let fields = headerItem.fields { header = fields } else { headerProblem = headerItem.bad }
        }
        firstItems = items
    }

    deinit { fclose(file) }

    /// Starts the parsing threads, which turn each row's fields into a
    /// `Row` with `transform` (nil for a blank row, which is dropped); it
    /// must be safe to call from several threads at once.
    func start(transform: @escaping @Sendable ([String]) -> Row?) {
        self.transform = transform
        current = firstItems.compactMap { entry in
            if let bad = entry.bad { return (entry.index, .bad(bad)) }
            return transform(entry.fields!).map { (entry.index, .row($0)) }
        }
        firstItems = []
        guard header != nil else { return }
        condition.lock()
        nextPiece = 1
        nextToHandOut = 1
        condition.unlock()
        for _ in 0..<max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4)) {
            let thread = Thread { [self] in work() }
            thread.stackSize = 1 << 22
            thread.start()
        }
    }

    /// The next data row or bad record with its row number (the header is
    /// row 1), in order; nil at the end.
    func next() -> (row: Int, item: Item)? {
        while true {
            if position < current.count {
                position += 1
                let entry = current[position - 1]
                return (base + entry.index + 1, entry.item)
            }
            guard !finished, header != nil else { return nil }
            condition.lock()
            while parsed[nextToHandOut] == nil && !(piecesEnded && nextToHandOut >= nextPiece) {
                condition.wait()
            }
            let piece = parsed.removeValue(forKey: nextToHandOut)
            nextToHandOut += 1
            condition.broadcast()
            condition.unlock()
            base += currentRecords
            position = 0
            current = []
            guard let piece else {
                finished = true
                return nil
            }
            current = piece.items
            currentRecords = piece.records
        }
    }

    /// Why the file could not be read to its end (errno), once `next`
    /// has returned nil; nil when it was read whole.
    var readFailure: Int32? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }

    /// Ends the parsing threads (the reader is done with the rows).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    // MARK: - Parsing threads

    private func work() {
        while true {
            condition.lock()
            while !stopped && !piecesEnded && nextPiece - nextToHandOut >= Self.piecesAhead { condition.wait() }
            guard !stopped, !piecesEnded else {
                condition.unlock()
                return
            }
            guard let piece = cut() else {
                // The end of the sheet: the reader gets no more pieces.
                piecesEnded = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let number = nextPiece
            nextPiece += 1
            condition.unlock()
            let raw = Self.parse(piece, encoding: encoding, isFirst: false)
            let items: [(index: Int, item: Item)] = raw.items.compactMap { entry in
                if let bad = entry.bad { return (entry.index, .bad(bad)) }
                return transform!(entry.fields!).map { (entry.index, .row($0)) }
            }
            condition.lock()
            parsed[number] = Parsed(items: items, records: raw.records)
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Parses one piece with CSV.swift: each record's fields (blank ones
    /// left out) or why it is bad, by record index.
    private static func parse(_ piece: Piece, encoding: SheetEncoding.Resolved, isFirst: Bool)
        -> (items: [(index: Int, fields: [String]?, bad: BadRecord?)], records: Int)
    {
        let bytes = piece.bytes
        // A byte order mark inside the sheet (two files joined) would end
        // up in a value, an id among them: it is taken out of the fields
        // (not out of the bytes, where the cutter saw it as text).
        let hasMarks = encoding == .utf8 && UTF8Check.containsByteOrderMark(bytes)
        var bad = piece.bad
        var text: String
        switch encoding {
        case .utf8:
            if let valid = String(validating: bytes, as: UTF8.self) {
                text = valid
            } else {
                (text, bad) = splitUndecodable(bytes, bad: bad)
            }
        case .windows1252, .latin1:
            text = SheetEncoding.decode(bytes, as: encoding)
        }
        var items: [(index: Int, fields: [String]?, bad: BadRecord?)] = []
        var badIterator = bad.makeIterator()
        var nextBad = badIterator.next()
        var index = 0
        func takeBad() {
            while let pending = nextBad, pending.index == index {
                items.append((index, nil, pending.record))
                index += 1
                nextBad = badIterator.next()
            }
        }
        takeBad()
        // The fields as CSV.swift reads them (CSVFields says why not through its reader).
        text.makeContiguousUTF8()
        _ = text.utf8.withContiguousStorageIfAvailable { utf8 in
            CSVFields.split(utf8, removingByteOrderMarks: hasMarks) { fields in
                let isBlank = fields.count == 1 && fields[0].isEmpty
                if !isBlank || (isFirst && index == 0) { items.append((index, fields, nil)) }
                index += 1
                takeBad()
            }
        }
        // Bad records after the last parsed one (or in a piece CSV.swift
        // found no row in).
        while let pending = nextBad {
            items.append((pending.index, nil, pending.record))
            index = pending.index + 1
            nextBad = badIterator.next()
        }
        return (items, max(piece.records, index))
    }

    /// A piece that is not valid UTF-8: its valid records as one text, and
    /// the others added to `bad` at their places.
    private static func splitUndecodable(_ bytes: [UInt8], bad: [(index: Int, record: BadRecord)])
        -> (String, [(index: Int, record: BadRecord)])
    {
        var good: [UInt8] = []
        good.reserveCapacity(bytes.count)
        var allBad = bad
        var badIndices = Set(bad.map(\.index))
        var scanner = RecordScanner(stopsAtBrokenQuotes: false)
        var start = 0, records = 0, index = 0
        // The index a record gets: bad records cut out by the cutter keep theirs.
        func nextIndex() -> Int {
            while badIndices.contains(index) { index += 1 }
            defer { index += 1 }
            return index
        }
        bytes.withUnsafeBufferPointer { buffer in
            var position = 0
            while position < buffer.count {
                var recordEnd = start
                let before = records
                // One byte at a time, to stop at this record's end (a rare path).
                position = scanner.scan(
                    UnsafeBufferPointer(rebasing: buffer[..<(position + 1)]), from: position,
                    recordStart: &recordEnd, records: &records, limit: Int.max)
                if records > before || position >= buffer.count {
                    let end = records > before ? recordEnd : buffer.count
                    let record = Array(buffer[start..<end])
                    let recordIndex = nextIndex()
                    if let offset = UTF8Check.firstInvalid(in: record) {
                        // The field the byte is in, and where that field's value starts.
                        var fieldScanner = RecordScanner(stopsAtBrokenQuotes: false)
                        var ignoredStart = 0, ignoredRecords = 0, fieldStart = 0
                        record.withUnsafeBufferPointer { bytes in
                            for index in 0..<offset {
                                let field = fieldScanner.field
                                _ = fieldScanner.scan(
                                    UnsafeBufferPointer(rebasing: bytes[..<(index + 1)]), from: index,
                                    recordStart: &ignoredStart, records: &ignoredRecords, limit: Int.max)
                                if fieldScanner.field != field { fieldStart = index + 1 }
                            }
                        }
                        if fieldStart < offset, record[fieldStart] == 0x22 { fieldStart += 1 }
                        let fields = (try? CSVReader(string: String(decoding: record, as: UTF8.self), hasHeaderRow: false))?.next() ?? []
                        allBad.append(
                            (
                                recordIndex,
                                .undecodable(
                                    byte: record[offset], field: fieldScanner.field,
                                    offsetInValue: offset - fieldStart,
                                    context: UTF8Check.context(of: record, around: offset),
                                    fields: fields)
                            ))
                        badIndices.insert(recordIndex)
                    } else {
                        good += record
                    }
                    start = end
                    // One record at a time: rescan from its end with fresh state.
                    scanner = RecordScanner(stopsAtBrokenQuotes: false)
                    position = end
                }
            }
        }
        allBad.sort { $0.index < $1.index }
        return (String(decoding: good, as: UTF8.self), allBad)
    }

    // MARK: - Cutting (under `condition`)

    /// The next piece: whole records in about `chunkSize` bytes (the
    /// first piece, which the caller's thread parses alone before the
    /// parsing threads start, in about `firstPieceSize`); nil at the end.
    private func cut() -> Piece? {
        guard !piecesEnded else { return nil }
        let size = cutAny ? chunkSize : min(chunkSize, Self.firstPieceSize)
        while true {
            scanCarry()
            if pieceRecords >= Self.maxRecordsPerPiece { return take(upTo: recordStart) }
            if endOfFile && scanned >= carry.count {
                finishAtEndOfFile()
                // Recovery from an unclosed quote leaves bytes to scan again.
                if scanned < carry.count { continue }
                if pieceRecords == 0 && !cutAny {
                    cutAny = true
                    return Piece(bytes: [], bad: [], records: 0)
                }
                return pieceRecords == 0 ? nil : take(upTo: recordStart)
            }
            if pieceRecords > 0 && recordStart >= size { return take(upTo: recordStart) }
            let block = size
            let old = carry.count
            carry.reserveCapacity(old + block)
            carry.append(contentsOf: repeatElement(0, count: block))
            let read = carry.withUnsafeMutableBytes { fread($0.baseAddress! + old, 1, block, file) }
            carry.removeLast(block - read)
            if read < block {
                endOfFile = true
                if ferror(file) != 0 { failure = errno }
            }
        }
    }

    /// Scans what is new in `carry`, cutting out overlong and unclosed records.
    private func scanCarry() {
        while scanned < carry.count && pieceRecords < Self.maxRecordsPerPiece {
            if skipping != nil {
                // Passing over the rest of an overlong record's line.
                let newline = carry[scanned...].firstIndex(of: 0x0A)
                let end = newline.map { $0 + 1 } ?? carry.count
                skippedBytes += end - scanned
                carry.removeSubrange(recordStart..<end)
                scanned = recordStart
                if newline != nil { endSkipping() }
                continue
            }
            let limit = cutAny || pieceRecords > 0 ? Self.maxRowBytes : Self.maxHeaderBytes
            let reached = carry.withUnsafeBufferPointer { buffer in
                scanner.scan(
                    buffer, from: scanned, recordStart: &recordStart, records: &pieceRecords, limit: limit,
                    recordLimit: Self.maxRecordsPerPiece)
            }
            scanned = reached
            if scanner.brokenQuote, let newline = carry[scanner.quoteStart..<scanned].firstIndex(of: 0x0A) {
                cutOut(upTo: newline + 1, as: .unclosedQuote(field: scanner.quoteField, atLimit: false))
            } else if reached - recordStart > limit {
                overflow()
            }
        }
    }

    /// The current record passed the row limit.
    private func overflow() {
        if scanner.isInQuotes, let newline = carry[scanner.quoteStart..<scanned].firstIndex(of: 0x0A) {
            // Most likely a quote that is never closed: the row it opened
            // on is cut out, and the lines after it are read as rows.
            cutOut(upTo: newline + 1, as: .unclosedQuote(field: scanner.quoteField, atLimit: true))
            return
        }
        let record: BadRecord = scanner.isInQuotes ? .unclosedQuote(field: scanner.quoteField, atLimit: true) : .tooLong(bytes: 0)
        skippedBytes = scanned - recordStart
        carry.removeSubrange(recordStart..<scanned)
        scanned = recordStart
        skipping = record
    }

    private func endSkipping() {
        var record = skipping!
        if case .tooLong = record { record = .tooLong(bytes: skippedBytes) }
        pieceBad.append((pieceRecords, record))
        pieceRecords += 1
        skipping = nil
        skippedBytes = 0
        scanner = RecordScanner()
    }

    /// Cuts the current record out up to `end`, as `record`, and scans on from there afresh.
    private func cutOut(upTo end: Int, as record: BadRecord) {
        carry.removeSubrange(recordStart..<end)
        pieceBad.append((pieceRecords, record))
        pieceRecords += 1
        scanned = recordStart
        scanner = RecordScanner()
    }

    /// At the end of the file: the last record, however it ends.
    private func finishAtEndOfFile() {
        if skipping != nil {
            endSkipping()
            return
        }
        guard carry.count > recordStart || scanner.isAfterCarriageReturn else { return }
        // A quote just before the end closed its value.
        if scanner.isInsideQuotes {
            let newline = carry[scanner.quoteStart...].firstIndex(of: 0x0A)
            cutOut(upTo: newline.map { $0 + 1 } ?? carry.count, as: .unclosedQuote(field: scanner.quoteField, atLimit: false))
            return
        }
        // A last row without a line break, or one ending in CR.
        recordStart = carry.count
        pieceRecords += 1
        scanner = RecordScanner()
    }

    private func take(upTo end: Int) -> Piece {
        let piece = Piece(bytes: Array(carry[..<end]), bad: pieceBad, records: pieceRecords)
        carry.removeFirst(end)
        scanner.shift(by: end)
        scanned -= end
        recordStart -= end
        pieceBad = []
        pieceRecords = 0
        cutAny = true
        return piece
    }
}

/// Where CSV records end, decided as CSV.swift's `readRow` and `readField`
/// decide it (with its defaults: comma, no trimming), one byte at a time.
/// The bytes it looks at are ASCII, which UTF-8, Windows-1252 and Latin-1
/// all write as themselves, so bytes are enough.
struct RecordScanner {
    private enum State: UInt8 { case fieldStart, unquoted, quoted, quotedQuote, afterCR }
    private var state = State.fieldStart
    /// The current field's index in its record (from 0).
    private(set) var field = 0
    /// Where the open quoted value started, and its field.
    private(set) var quoteStart = 0
    private(set) var quoteField = 0
    /// Whether to stop at a quote that cannot close a value that has run
    /// over lines (`brokenQuote`), rather than read on as CSV.swift does.
    private let stopsAtBrokenQuotes: Bool
    /// A quoted value that runs over lines and then holds a quote followed
    /// by something that neither ends the value nor doubles the quote
    /// (`"never closed` ... `,"Bo",`): RFC 4180 has no such text, and it
    /// is what a quote that was never closed looks like to the rows after
    /// it. CSV.swift would read on inside the quotes, swallowing the rows.
    private(set) var brokenQuote = false

    init(stopsAtBrokenQuotes: Bool = true) { self.stopsAtBrokenQuotes = stopsAtBrokenQuotes }

    /// Inside a quoted value, or just after a quote in one (which closes
    /// it if the record ends there).
    var isInQuotes: Bool { state == .quoted || state == .quotedQuote }
    /// Inside a quoted value, its last byte not a quote.
    var isInsideQuotes: Bool { state == .quoted }
    /// A CR that ends the record, unless an LF follows it.
    var isAfterCarriageReturn: Bool { state == .afterCR }

    mutating func shift(by offset: Int) { quoteStart -= offset }

    /// Scans `buffer` from `start`, counting each record end in `records`
    /// and moving `recordStart` just after it; stops at the end of the
    /// buffer or once the current record is over `limit` bytes. Returns
    /// the index it stopped at.
    mutating func scan(
        _ buffer: UnsafeBufferPointer<UInt8>, from start: Int,
        recordStart: inout Int, records: inout Int, limit: Int, recordLimit: Int = .max
    ) -> Int {
        let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
        var index = start
        let count = buffer.count
        while index < count {
            if index - recordStart > limit || records >= recordLimit { return index }
            let byte = buffer[index]
            switch state {
            case .fieldStart:
                if byte == quote {
                    state = .quoted; quoteStart = index; quoteField = field
                } else if byte == comma {
                    field += 1
                } else if byte == lf {
                    records += 1; recordStart = index + 1; field = 0
                } else if byte == cr {
                    state = .afterCR
                } else {
                    state = .unquoted
                }
            case .unquoted:
                if byte == comma {
                    state = .fieldStart; field += 1
                } else if byte == lf {
                    records += 1; recordStart = index + 1; field = 0; state = .fieldStart
                } else if byte == cr {
                    state = .afterCR
                }
            case .quoted:
                // Long quoted values (notes) are passed over to their next quote at once.
                let end = limit == Int.max ? count : min(count, recordStart + limit + 1)
                if let found = memchr(buffer.baseAddress! + index, Int32(quote), end - index) {
                    index = buffer.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    state = .quotedQuote
                } else {
                    index = end - 1
                }
            case .quotedQuote:
                if byte == quote {
                    state = .quoted
                } else if byte == comma {
                    state = .fieldStart; field += 1
                } else if byte == lf {
                    records += 1; recordStart = index + 1; field = 0; state = .fieldStart
                } else if byte == cr {
                    state = .afterCR
                } else {
                    if stopsAtBrokenQuotes, memchr(buffer.baseAddress! + quoteStart, 0x0A, index - quoteStart) != nil {
                        brokenQuote = true
                        return index
                    }
                    // CSV.swift keeps the quote, drops this character and reads on inside the quotes.
                    state = .quoted
                }
            case .afterCR:
                records += 1; field = 0; state = .fieldStart
                if byte == lf {
                    recordStart = index + 1
                } else {
                    recordStart = index
                    continue  // this byte starts the next record
                }
            }
            index += 1
        }
        return index
    }
}
