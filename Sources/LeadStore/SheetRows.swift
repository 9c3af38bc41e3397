import CSV
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A lead sheet's rows, parsed by CSV.swift on several threads and handed
/// out in order.
///
/// Why this exists: CSV.swift parses one character at a time through
/// iterators, and on a sheet of a million rows it is the slowest part of a
/// run, so the sheet is cut into pieces that separate CSVReaders parse at
/// the same time. Cutting needs to know where a row ends, and a line break
/// inside quotes does not end one; the cut is made only where that is sure:
/// the scan below tracks quotes as RFC 4180 writes them (a quote opens a
/// field, `""` inside one is a quote, a quote closes it before a comma or a
/// line break). It does not parse anything: at the first byte it cannot
/// place (a quote in the middle of an unquoted field, a piece with no row
/// end in many megabytes), it stops cutting, and the rest of the sheet is
/// read by one CSVReader from there, in order, exactly as a single reader
/// would. Every field is still CSV.swift's.
///
/// Each row is also turned into `Row` (checked, typed) on the parsing
/// threads, by the transform given to `start`.
final class SheetRows<Row>: @unchecked Sendable {
    // @unchecked: the file and the cutting state are used under `condition`;
    // results are exchanged under it; the tail reader is the consumer's own.
    /// The header row; nil when the sheet has none (empty, or unreadable).
    private(set) var header: [String]?

    /// A piece of the sheet, or where the rest of it starts.
    private enum Piece {
        case bytes([UInt8], first: Bool)
        case rest(offset: UInt64, first: Bool)
    }

    /// What parsing a piece gave: rows (nil for a row that is not valid
    /// UTF-8, the last one), or the rest of the sheet to read in order.
    private enum Parsed {
        case rows([Row?], failure: Error?)
        case rest(offset: UInt64, first: Bool)
    }

    private let path: String
    private let chunkSize: Int
    private let file: UnsafeMutablePointer<FILE>
    private let condition = NSCondition()

    // Cutting (under `condition`).
    private var carry: [UInt8] = []
    private var block: [UInt8] = []
    private var carryOffset: UInt64 = 0
    private var scanned = 0
    private var endOfFile = false
    private var scan = QuoteScan()
    private var nextPiece = 0

    // Results (under `condition`).
    private var parsed: [Int: Parsed] = [:]
    private var nextToHandOut = 0
    private var stopped = false
    /// No piece is cut after those already numbered: the end of the sheet,
    /// an unreadable piece, or the rest handed to one reader.
    private var piecesEnded = false
    private static var piecesAhead: Int { 4 }
    /// Enough for the header and some rows: the threads start once it is parsed.
    private static var firstPieceSize: Int { 1 << 16 }

    // The consumer's own.
    private var transform: (([String]) -> Row)?
    /// The first piece's rows, parsed before the transform was known.
    private var firstRows: [[String]?] = []
    private var current: [Row?] = []
    private var position = 0
    private var restReader: CSVReader?
    private var restUndecodable = false
    private var finished = false
    private(set) var endError: Error?

    init?(path: String, chunkSize: Int) {
        guard let file = fopen(path, "rb") else { return nil }
        self.path = path
        self.chunkSize = max(chunkSize, 1)
        self.file = file
        // The first piece holds the header; it is parsed here, before anything else.
        condition.lock()
        let first = cut()
        condition.unlock()
        guard let first else { return }
        switch first {
        case .bytes(let bytes, _):
            let (rows, header, failure) = Self.parse(bytes, first: true)
            self.header = header
            firstRows = rows
            endError = failure
            // Nothing after an unreadable piece is read (no thread runs yet).
            if failure != nil || rows.last.map({ $0 == nil }) == true { piecesEnded = true }
        case .rest(let offset, _):
            openRest(at: offset, first: true)
        }
    }

    deinit { fclose(file) }

    /// Starts the parsing threads, which turn each row into a `Row` with
    /// `transform` (it must be safe to call from several threads at once).
    func start(transform: @escaping @Sendable ([String]) -> Row) {
        self.transform = transform
        current = firstRows.map { $0.map(transform) }
        firstRows = []
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

    /// The next row: .some(nil) for a row that is not valid UTF-8 (then the
    /// last), nil at the end.
    func next() -> Row?? {
        while true {
            if position < current.count {
                position += 1
                return .some(current[position - 1])
            }
            if let reader = restReader {
                guard !restUndecodable, let fields = reader.next() else {
                    if !restUndecodable { endError = reader.error }
                    restReader = nil
                    finished = true
                    return nil
                }
                if let error = reader.error as? CSVError, case .unicodeDecoding = error {
                    restUndecodable = true
                    return .some(nil)
                }
                return .some(transform!(fields))
            }
            guard !finished, endError == nil, current.last.map({ $0 == nil }) != true else { return nil }
            condition.lock()
            while parsed[nextToHandOut] == nil && !(piecesEnded && nextToHandOut >= nextPiece) {
                condition.wait()
            }
            let piece = parsed.removeValue(forKey: nextToHandOut)
            nextToHandOut += 1
            condition.broadcast()
            condition.unlock()
            position = 0
            current = []
            switch piece {
            case nil:
                finished = true
                endError = endError ?? CSVError.cannotReadFile
                return nil
            case .rows(let rows, let failure)?:
                current = rows
                if let failure { endError = failure }
            case .rest(let offset, let first)?:
                openRest(at: offset, first: first)
            }
        }
    }

    /// Ends the parsing threads (the reader is done with the rows).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// The rest of the sheet from `offset`, read by one CSVReader.
    private func openRest(at offset: UInt64, first: Bool) {
        guard let stream = InputStream(fileAtPath: path) else { return }
        stream.open()
        var skip = offset
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        while skip > 0 {
            let read = stream.read(&scratch, maxLength: Int(min(skip, UInt64(scratch.count))))
            guard read > 0 else { break }
            skip -= UInt64(read)
        }
        guard let reader = try? CSVReader(stream: stream, hasHeaderRow: first) else { return }
        if first { header = reader.headerRow }
        restReader = reader
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
            let result: Parsed
            switch piece {
            case .rest(let offset, let first):
                result = .rest(offset: offset, first: first)
            case .bytes(let bytes, _):
                let (rows, _, failure) = Self.parse(bytes, first: false)
                result = .rows(rows.map { $0.map(transform!) }, failure: failure)
            }
            condition.lock()
            parsed[number] = result
            if case .rows(let rows, let failure) = result, failure != nil || rows.last.map({ $0 == nil }) == true {
                // Nothing after an unreadable piece is read.
                piecesEnded = true
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Parses one piece with CSV.swift: its rows (nil for one that is not
    /// valid UTF-8, the last), the header of the first piece, and a
    /// failure other than the end of the text.
    private static func parse(_ piece: [UInt8], first: Bool) -> ([[String]?], [String]?, Error?) {
        var bytes = piece
        // CSV.swift skips a byte order mark when it reads a stream; so does this.
        if first, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let reader: CSVReader
        do {
            // Valid UTF-8 goes in as a String (the faster way in); anything
            // else as a stream, so CSV.swift finds the undecodable row as
            // it does in a file.
            if let text = String(validating: bytes, as: UTF8.self) {
                reader = try CSVReader(string: text, hasHeaderRow: first)
            } else {
                reader = try CSVReader(stream: InputStream(data: Data(piece)), hasHeaderRow: first)
            }
        } catch {
            return ([], nil, first ? nil : error)
        }
        var rows: [[String]?] = []
        while let fields = reader.next() {
            if let error = reader.error as? CSVError, case .unicodeDecoding = error {
                rows.append(nil)
                break
            }
            rows.append(fields)
        }
        var failure: Error?
        if let error = reader.error, !isEnd(error) { failure = error }
        if rows.last.map({ $0 == nil }) == true { failure = nil }
        return (rows, first ? reader.headerRow : nil, failure)
    }

    private static func isEnd(_ error: Error) -> Bool {
        if let error = error as? CSVError {
            if case .cannotReadFile = error { return true }
            if case .unicodeDecoding = error { return true }
        }
        return false
    }

    // MARK: - Cutting (under `condition`)

    /// The next piece: bytes up to the last row end found in about
    /// `chunkSize` bytes (the first piece, which the caller's thread parses
    /// alone before the parsing threads start, in about `firstPieceSize`),
    /// or, when no sure row end turns up, the rest.
    private func cut() -> Piece? {
        let first = carryOffset == 0
        let size = first ? min(chunkSize, Self.firstPieceSize) : chunkSize
        guard !piecesEnded else { return nil }
        var lastEnd: Int?
        while true {
            if carry.count - scanned > 0 {
                if let end = scan.lastRowEnd(in: carry, from: scanned) { lastEnd = end }
                scanned = carry.count
                if scan.lost { return rest(first: first) }
            }
            if let end = lastEnd, carry.count >= size || endOfFile { return take(upTo: end, first: first) }
            if endOfFile {
                if carry.isEmpty { return first ? .bytes([], first: true) : nil }
                return take(upTo: carry.count, first: first)
            }
            // Many megabytes without a row end: not worth holding; read on in order.
            if carry.count > 32 * chunkSize && lastEnd == nil { return rest(first: first) }
            if block.count != size { block = [UInt8](repeating: 0, count: size) }
            let read = block.withUnsafeMutableBytes { fread($0.baseAddress!, 1, size, file) }
            carry.append(contentsOf: block[..<read])
            if read < size { endOfFile = true }
        }
    }

    private func take(upTo end: Int, first: Bool) -> Piece {
        let piece = Array(carry[..<end])
        carry.removeFirst(end)
        scanned = carry.count
        carryOffset += UInt64(end)
        if piece.isEmpty && !first { return cut() ?? .bytes([], first: false) }
        return .bytes(piece, first: first)
    }

    private func rest(first: Bool) -> Piece {
        piecesEnded = true
        return .rest(offset: carryOffset, first: first)
    }
}

/// Where rows end in CSV bytes, as RFC 4180 quotes them; `lost` once a
/// byte cannot be placed by those rules (then nothing is cut after it).
struct QuoteScan {
    private var inQuotes = false
    /// Inside quotes, a quote that closes the field or starts `""`.
    private var quotePending = false
    private var atFieldStart = true
    private(set) var lost = false

    /// Scans `bytes` from `start` on; returns the index just after the last
    /// line break that ends a row, if any.
    mutating func lastRowEnd(in bytes: [UInt8], from start: Int) -> Int? {
        var last: Int?
        bytes.withUnsafeBufferPointer { buffer in
            var index = start
            while index < buffer.count && !lost {
                let byte = buffer[index]
                index += 1
                if inQuotes {
                    if quotePending {
                        quotePending = false
                        if byte == 0x22 { continue }  // "" inside quotes
                        inQuotes = false
                        // A closing quote is followed by the end of the field.
                        switch byte {
                        case 0x2C: atFieldStart = true
                        case 0x0A: atFieldStart = true; last = index
                        case 0x0D: atFieldStart = true
                        default: lost = true
                        }
                    } else if byte == 0x22 {
                        quotePending = true
                    }
                    continue
                }
                switch byte {
                case 0x22:
                    if atFieldStart { inQuotes = true; atFieldStart = false } else { lost = true }
                case 0x2C, 0x0D: atFieldStart = true
                case 0x0A: atFieldStart = true; last = index
                default: atFieldStart = false
                }
            }
        }
        // A row end inside a piece that then turned out lost is still sure.
        return last
    }
}
