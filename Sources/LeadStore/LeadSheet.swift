import CSV
import Foundation
import FollowUp

/// Reads the CSV lead sheet described in DESIGN.md.
///
/// A UTF-8 CSV with a header row (RFC 4180 quoting, a BOM tolerated),
/// parsed by CSV.swift as a stream. Column names match without regard to
/// case, spaces or hyphens (`First Contact` is `first_contact`). Every
/// problem is collected as a `Diagnostic`. A row without its id or name, or
/// whose fields do not line up with the header, is rejected whole and
/// reported; an optional field that is not a value is a warning, and the
/// lead is read without it (a bad fiscal year must not hide a lead from
/// every feed). Values are read as people write them (`LeadValues`).
public struct LeadSheet {
    /// Every column the sheet understands.
    public enum Column: String, CaseIterable, Sendable {
        case id, name, company, email, phone, owner, timezone, status
        case firstContact = "first_contact"
        case lastContact = "last_contact"
        case lastReply = "last_reply"
        case nextStep = "next_step"
        case nextStepDue = "next_step_due"
        case nextStepOwner = "next_step_owner"
        case snoozeUntil = "snooze_until"
        case fiscalYearStart = "fiscal_year_start"
        case launchDate = "launch_date"
        case events, notes
        /// Not in a hand-made sheet: the step our last touch fulfilled, as
        /// `followup log --step` records it and `export` writes it.
        case lastStep = "last_step"
        /// The lead's country for public holidays (else the zone's).
        case country

        public static let required: [Column] = [.id, .name]
    }

    /// Column names of the common CRM exports (HubSpot, Pipedrive, Salesforce),
    /// normalised, and the column each one is. A `name` may also be given as
    /// first and last name columns, which are joined.
    public static let aliases: [String: Column] = [
        // HubSpot contacts
        "record_id": .id, "contact_id": .id, "company_name": .company, "email_address": .email,
        "phone_number": .phone, "mobile_phone_number": .phone, "contact_owner": .owner, "hubspot_owner": .owner,
        "lead_status": .status, "last_activity_date": .lastContact, "last_contacted": .lastContact,
        "next_activity_date": .nextStepDue, "time_zone": .timezone,
        // Pipedrive people
        "person_id": .id, "person_name": .name, "person_organization": .company, "organization": .company,
        "person_email": .email, "person_email_work": .email, "person_phone": .phone, "person_phone_work": .phone,
        "person_owner": .owner, "person_last_activity_date": .lastContact, "person_next_activity_date": .nextStepDue,
        // Salesforce leads
        "lead_id": .id, "lead_owner": .owner, "last_activity": .lastContact, "description": .notes,
        "full_name": .name,
        // Country columns of the exports (HubSpot's "Country/Region").
        "country/region": .country, "country_region": .country, "country_code": .country, "person_country": .country,
    ]

    /// First and last name columns of CRM exports, joined into `name`.
    static let firstNameColumns: Set<String> = ["first_name", "firstname", "given_name", "person_first_name"]
    static let lastNameColumns: Set<String> = ["last_name", "lastname", "surname", "family_name", "person_last_name"]

    /// Says whether a time zone name can be used (known to the system's zoneinfo).
    /// Called from several threads at once.
    public typealias TimeZoneCheck = @Sendable (String) -> Bool

    public let path: String
    let displayName: String
    private let encoding: SheetEncoding
    private let isKnownTimeZone: TimeZoneCheck
    /// The columns the sheet may have (`LeadColumns`).
    public let columns: LeadColumns
    /// Which comes first in its numeric dates; nil: only unambiguous ones are read.
    public let dateOrder: DateOrder?

    /// The longest value a field may hold, in bytes of UTF-8.
    public static let maxFieldBytes = 64 * 1024
    /// The longest record, in bytes, quotes and line breaks included.
    public static var maxRowBytes: Int { SheetRows<Void>.maxRowBytes }
    /// The longest id, in characters: UIDs and file names derive from it.
    public static let maxIDLength = 200

    /// - Parameters:
    ///   - path: the CSV file.
    ///   - displayName: how diagnostics name the file (defaults to `path`).
    ///   - encoding: how its bytes are text (`auto`: UTF-8, or Windows-1252 when it cannot be UTF-8).
    ///   - isKnownTimeZone: whether a `timezone` value can be used.
    ///   - columns: the fields the sheet's columns hold; the method's, or
    ///     those and more.
    public init(
        path: String, displayName: String? = nil, encoding: SheetEncoding = .auto,
        isKnownTimeZone: @escaping TimeZoneCheck, columns: LeadColumns = .standard, dateOrder: DateOrder? = nil
    ) {
        self.columns = columns
        self.dateOrder = dateOrder
        self.path = path
        self.displayName = displayName ?? path
        self.encoding = encoding
        self.isKnownTimeZone = isKnownTimeZone
    }

    /// Reads every row and hands each valid lead to `each` as its row is
    /// read, in row order; the result's `leads` stay empty, so a sheet of
    /// any size can be read without holding it.
    public func read(each: (Lead) -> Void) throws(LeadStoreError) -> LeadSheetResult {
        try read(chunkSize: Self.chunkSize, each: each)
    }

    /// About how many bytes of a sheet each CSVReader parses at a time.
    static let chunkSize = 1 << 21

    /// `read(each:)`, cutting the sheet into pieces of about `chunkSize`
    /// bytes for CSV.swift to parse on several threads (tests use small
    /// pieces to cut small sheets).
    public func read(chunkSize: Int, each: (Lead) -> Void) throws(LeadStoreError) -> LeadSheetResult {
        let shownName = Diagnostic.shownPlain(displayName, limit: 400)
        guard FileManager.default.isReadableFile(atPath: path), !Self.isFolder(path) else {
            throw LeadStoreError("\(shownName): cannot open the lead sheet (no such file, or not readable)")
        }
        var result = LeadSheetResult(leads: [], errors: [], warnings: [], rowsRead: 0, rejectedRows: 0, owners: [])
        let resolved: SheetEncoding.Resolved
        switch encoding {
        case .utf8: resolved = .utf8
        case .windows1252: resolved = .windows1252
        case .latin1: resolved = .latin1
        case .auto:
            guard let detection = SheetEncoding.detect(path: path) else {
                throw LeadStoreError("\(shownName): cannot open the lead sheet (no such file, or not readable)")
            }
            if let mark = Self.utf16Mark(path) {
                throw LeadStoreError("\(shownName): the sheet is \(mark) (\"Unicode text\"), not CSV: save it as \"CSV UTF-8\"")
            }
            resolved = detection.encoding
            if detection.encoding == .windows1252, let invalid = detection.firstInvalid {
                result.warnings.append(
                    Diagnostic(
                        .warning, file: displayName, row: nil, column: nil,
                        "the sheet is not UTF-8 (byte \(Self.hex(invalid.byte)) on line \(invalid.line), and no UTF-8 text anywhere), "
                            + "so it is read as Windows-1252, as Excel saves \"CSV\" on many systems; if its accents look wrong, "
                            + "save it as \"CSV UTF-8\" or name its encoding with --encoding"))
            }
        }
        result.encoding = resolved
        guard let rows = SheetRows<CheckedRow>(path: path, chunkSize: chunkSize, encoding: resolved) else {
            throw LeadStoreError("\(shownName): cannot open the lead sheet (no such file, or not readable)")
        }
        defer { rows.stop() }
        guard let header = rows.header else {
            if let problem = rows.headerProblem {
                throw LeadStoreError(
                    Diagnostic(
                        .error, file: displayName, row: 1, column: nil,
                        "the header row cannot be read: " + Self.describe(problem)
                            + "; nothing can be read before it is fixed"
                    ).description)
            }
            throw LeadStoreError("\(shownName): the lead sheet is empty or unreadable: it needs a header row naming its columns")
        }
        guard let columns = mapHeader(header, into: &result) else {
            result.headerIsUnusable = true
            return result
        }

        // Each row is checked on the parsing threads; what needs the rows
        // before it (duplicate ids, row numbers) is done here, in order.
        let displayName = displayName, isKnownTimeZone = isKnownTimeZone, headerCount = header.count, dateOrder = dateOrder
        rows.start { fields in
            if fields.allSatisfy({ $0.allSatisfy(\.isWhitespace) }) { return nil }
            var reader = RowReader(
                fields: fields, header: columns, file: displayName, row: 0,
                headerCount: headerCount, isKnownTimeZone: isKnownTimeZone, dateOrder: dateOrder)
            let lead = reader.lead()
            // Only what the reading in order needs is kept, not the row's
            // fields: pieces of checked rows wait in memory for their turn.
            return CheckedRow(
                lead: lead, owner: reader.text(.owner) ?? Lead.defaultOwner,
                errors: reader.errors, positions: reader.positions, warnings: reader.warnings, notes: reader.notes)
        }
        var notes = ReadingNotes()
        var firstRowOfID: [String: Int] = [:]
        var owners: Set<String> = []
        while let (rowNumber, item) = rows.next() {
            result.rowsRead += 1
            guard case .row(let checked) = item else {
                if case .bad(let record) = item {
                    // A row that is not UTF-8 still names its owner, whose feeds stay.
                    if case .undecodable(_, _, _, _, let fields) = record, let index = columns.index(of: .owner), index < fields.count {
                        let owner = fields[index].trimmed
                        if !owner.isEmpty, !owner.contains("\u{FFFD}"), owners.insert(owner).inserted { result.owners.append(owner) }
                    }
                    result.rejectedRows += 1
                    result.report([
                        Diagnostic(
                            .error, file: displayName, row: rowNumber,
                            column: Self.column(of: record, header: header),
                            Self.describe(record))
                    ])
                }
                continue
            }
            var row = checked
            let lead = checked.lead
            if owners.insert(row.owner).inserted { result.owners.append(row.owner) }
            if let lead {
                // Ids are unique across the sheet, rejected rows included.
                if let first = firstRowOfID[lead.id] {
                    let place = columns.columns[.id]
                    row.errors.append(
                        Diagnostic(
                            .error, file: displayName, row: rowNumber, column: place?.name ?? "id",
                            "duplicate id \(Diagnostic.shown(lead.id)): row \(first) has it already; this row is skipped"))
                    row.positions.append(place?.index ?? -1)
                } else {
                    firstRowOfID[lead.id] = rowNumber
                }
            }
            if row.errors.isEmpty, let lead {
                result.reportWarnings(
                    row.warnings.map { warning in
                        var warning = warning
                        warning.row = rowNumber
                        return warning
                    })
                for note in row.notes { notes.add(note, row: rowNumber) }
                each(lead)
            } else {
                result.rejectedRows += 1
                result.report(row.sortedErrors(row: rowNumber))
            }
        }
        result.warnings += notes.diagnostics(file: displayName)
        if let failure = rows.readFailure {
            result.errors.append(
                Diagnostic(
                    .error, file: displayName, row: nil, column: nil,
                    "the sheet could not be read to its end (\(String(cString: strerror(failure)))); the rows after the last one read were not read"))
        }
        return result
    }

    private static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// "UTF-16" when the file starts with a UTF-16 byte order mark.
    private static func utf16Mark(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let start = (try? handle.read(upToCount: 2)).map { Array($0) } ?? []
        return start == [0xFF, 0xFE] || start == [0xFE, 0xFF] ? "UTF-16" : nil
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
    }

    /// The header's name of the column a bad record's problem is in.
    private static func column(of record: BadRecord, header: [String]) -> String? {
        let field: Int
        switch record {
        case .unclosedQuote(let index, _), .undecodable(_, let index, _, _, _): field = index
        case .tooLong: return nil
        }
        guard field < header.count else { return "column \(field + 1)" }
        let name = header[field].trimmed
        return name.isEmpty ? "column \(field + 1)" : Diagnostic.shownPlain(name)
    }

    private static func describe(_ record: BadRecord) -> String {
        let limit = "\(maxRowBytes / 1024 / 1024) MiB"
        switch record {
        case .unclosedQuote(_, let atLimit):
            return atLimit
                ? "a quoted value opened here does not close within \(limit) (the longest row read): the quote is never closed, "
                    + "or the value is too long; this row is skipped up to the end of the line it opened on, and the lines after it are read as rows"
                : "a quoted value opened here is never closed: this row is skipped up to the end of the line it opened on, "
                    + "and the lines after it are read as rows; close the quote (a quote inside a quoted value is written \"\")"
        case .tooLong(let bytes):
            return
                "the row is longer than \(limit) (\(bytes) bytes): it is skipped; the longest row read is \(limit), and a value at most \(maxFieldBytes / 1024) KiB"
        case .undecodable(let byte, _, let offset, let context, _):
            return
                "not UTF-8 (byte \(hex(byte)) at byte \(offset + 1) of the value, in \(Diagnostic.shownPlain(context, limit: 80, quoted: true))): this row is skipped; "
                + "save the sheet as \"CSV UTF-8\", or name its encoding with --encoding (such as windows-1252)"
        }
    }

    /// A value as a sheet that spreadsheets open must hold it: one that
    /// starts with `=`, `+`, `-`, `@`, a tab or a CR is run as a formula by
    /// Excel, LibreOffice and Google Sheets (`=cmd|' /C calc'!A0`), so it
    /// gets a leading `'`, which they show as text, as OWASP's CSV
    /// injection advice has it. A value that starts with `'` gets one more,
    /// so that `restored` gives back exactly what was written.
    public static func neutralised(_ value: String) -> String {
        guard let first = value.utf8.first, formulaStarts.contains(first) || first == UInt8(ascii: "'") else { return value }
        return "'" + value
    }

    /// A value as `neutralised` wrote it, as it was: a leading `'` before
    /// a formula start or another `'` is taken away. (A person who typed
    /// `'+1 555` to keep a spreadsheet from reading a number meant `+1 555`.)
    public static func restored(_ value: String) -> String {
        let bytes = value.utf8
        guard bytes.first == UInt8(ascii: "'"), let second = bytes.dropFirst().first,
            formulaStarts.contains(second) || second == UInt8(ascii: "'")
        else { return value }
        return String(value.dropFirst())
    }

    /// The first bytes that make a spreadsheet cell a formula.
    private static let formulaStarts: Set<UInt8> = [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D]

    /// Finds each known column's index; reports missing, repeated and unknown ones.
    private func mapHeader(_ header: [String], into result: inout LeadSheetResult) -> Header? {
        var columns: [Column: (index: Int, name: String)] = [:]
        var unknown: [String] = []
        var extras: [(index: Int, field: LeadField)] = []
        var firstName: Int?, lastName: Int?
        for (index, raw) in header.enumerated() {
            let name = raw.trimmed
            if name.isEmpty { continue }
            let key = Self.normalise(name)
            if Self.firstNameColumns.contains(key), firstName == nil { firstName = index; continue }
            if Self.lastNameColumns.contains(key), lastName == nil { lastName = index; continue }
            guard let column = Column(rawValue: key) ?? Self.aliases[key] else {
                // A field the mapping adds beyond the method's columns.
                if let field = self.columns.field(named: key), !extras.contains(where: { $0.field.column == field.column }) {
                    extras.append((index, field))
                } else {
                    unknown.append(name)
                }
                continue
            }
            if let existing = columns[column] {
                result.errors.append(
                    Diagnostic(
                        .error, file: displayName, row: 1, column: String(name.prefix(100)),
                        "the column appears twice (columns \(existing.index + 1) and \(index + 1)); only the first is read, so remove or rename the other"))
                continue
            }
            columns[column] = (index, name)
        }
        if !unknown.isEmpty {
            // A sheet can have any number of columns: the warning names the first few.
            let named = unknown.prefix(10).map { Diagnostic.shown($0, limit: 40) }.joined(separator: ", ")
            let more = unknown.count > 10 ? " and \(unknown.count - 10) more" : ""
            var warning = Diagnostic(
                .warning, file: displayName, row: 1, column: nil,
                "unknown column\(unknown.count == 1 ? "" : "s") ignored: \(named)\(more); known columns are \(self.columns.names.joined(separator: ", "))")
            warning.isAboutUnknownColumns = true
            result.warnings.append(warning)
        }
        let missing = Column.required.filter { columns[$0] == nil && !($0 == .name && (firstName != nil || lastName != nil)) }
        // A sheet saved with semicolons (a common spreadsheet setting) reads as one column.
        let hint =
            header.count == 1 && header[0].contains(";")
            ? " (the header looks separated by semicolons: save the sheet as comma-separated CSV)" : ""
        for column in missing {
            result.errors.append(
                Diagnostic(
                    .error, file: displayName, row: 1, column: column.rawValue,
                    "missing required column \"\(column.rawValue)\"; the header row must name it" + hint))
        }
        return missing.isEmpty ? Header(columns: columns, extras: extras, firstName: firstName, lastName: lastName, names: header) : nil
    }

    /// Lower case, with every run of spaces, hyphens and underscores as one
    /// underscore: `First Contact` and `Person - Name` read as `first_contact`
    /// and `person_name`.
    static func normalise(_ name: String) -> String {
        var result = ""
        for character in name.lowercased() {
            if character == " " || character == "-" || character == "_" {
                if !result.isEmpty, result.last != "_" { result.append("_") }
            } else {
                result.append(character)
            }
        }
        while result.last == "_" { result.removeLast() }
        return result
    }

}

/// Where each column of a sheet is.
private struct Header {
    let columns: [LeadSheet.Column: (index: Int, name: String)]
    /// Columns of fields beyond the method's, read through their `LeadField`.
    let extras: [(index: Int, field: LeadField)]
    /// First and last name columns (CRM exports), when there is no `name`.
    let firstName: Int?
    let lastName: Int?
    /// Each column's field index (-1 when the sheet lacks it), by the
    /// column's place in `Column.allCases`: every field of every row is
    /// looked up, and an enum with String raw values hashes its raw value.
    let fieldIndex: [Int]
    /// The header's names, by field index.
    let names: [String]

    init(
        columns: [LeadSheet.Column: (index: Int, name: String)], extras: [(index: Int, field: LeadField)],
        firstName: Int?, lastName: Int?, names: [String]
    ) {
        self.columns = columns
        self.extras = extras
        self.names = names
        self.firstName = firstName
        self.lastName = lastName
        fieldIndex = LeadSheet.Column.allCases.map { columns[$0]?.index ?? -1 }
    }

    func index(of column: LeadSheet.Column) -> Int? {
        let index = fieldIndex[column.ordinal]
        return index < 0 ? nil : index
    }
}

extension LeadSheet.Column {
    /// The column's place in `allCases`.
    var ordinal: Int {
        switch self {
        case .id: 0
        case .name: 1
        case .company: 2
        case .email: 3
        case .phone: 4
        case .owner: 5
        case .timezone: 6
        case .status: 7
        case .firstContact: 8
        case .lastContact: 9
        case .lastReply: 10
        case .nextStep: 11
        case .nextStepDue: 12
        case .nextStepOwner: 13
        case .snoozeUntil: 14
        case .fiscalYearStart: 15
        case .launchDate: 16
        case .events: 17
        case .notes: 18
        case .lastStep: 19
        case .country: 20
        }
    }
}

/// Reads one row's fields into a `Lead`, collecting every problem.
/// A data row as a parsing thread checked it: its lead (nil when it has no
/// id), its owner, and its problems with the field index of each.
private struct CheckedRow {
    var lead: Lead?
    var owner: String
    var errors: [Diagnostic]
    var positions: [Int]
    var warnings: [Diagnostic] = []
    var notes: [ReadingNote] = []

    /// The row's errors from left to right, as a person reads the row,
    /// each with the row's number, known only once the rows are in order.
    func sortedErrors(row: Int) -> [Diagnostic] {
        zip(positions, errors).enumerated()
            .sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }
            .map { entry in
                var error = entry.element.1
                error.row = row
                return error
            }
    }
}

private struct RowReader {
    let fields: [String]
    let header: Header
    var columns: [LeadSheet.Column: (index: Int, name: String)] { header.columns }
    let file: String
    /// The row's number in the sheet; known in order, after the row is checked.
    var row: Int
    let headerCount: Int
    let isKnownTimeZone: LeadSheet.TimeZoneCheck
    let dateOrder: DateOrder?
    var errors: [Diagnostic] = []
    private(set) var positions: [Int] = []
    /// Optional fields that were not values: the lead is read without them.
    var warnings: [Diagnostic] = []
    /// Values read in a form that needed a guess or a mapping.
    var notes: [ReadingNote] = []

    init(
        fields: [String], header: Header, file: String, row: Int,
        headerCount: Int, isKnownTimeZone: @escaping LeadSheet.TimeZoneCheck, dateOrder: DateOrder?
    ) {
        self.fields = fields; self.header = header; self.file = file; self.row = row
        self.headerCount = headerCount; self.isKnownTimeZone = isKnownTimeZone; self.dateOrder = dateOrder
    }

    /// An optional field that is not a value: the lead is kept without it.
    mutating func drop(_ column: LeadSheet.Column, _ value: String, expected: String, without: String = "without it") {
        let name = columns[column]?.name ?? column.rawValue
        warnings.append(
            Diagnostic(.warning, file: file, row: row, column: name, "\(Diagnostic.shown(value)) is not \(expected); the lead is planned \(without)"))
    }

    /// Keeps the value of a reading, noting a guessed one, warning of a bad one.
    mutating func take<Value>(_ reading: Reading<Value>, _ column: LeadSheet.Column, _ value: String, without: String = "without it") -> Value? {
        switch reading {
        case .exact(let value): return value
        case .read(let result, let how):
            notes.append(ReadingNote(column: columns[column]?.name ?? column.rawValue, how: how, value: value, result: "\(result)"))
            return result
        case .invalid(let expected):
            drop(column, value, expected: expected, without: without)
            return nil
        }
    }

    /// A problem of the field at `index`, by the header's name for it.
    mutating func failField(_ index: Int, _ message: String) {
        let name = index < header.names.count && !header.names[index].trimmed.isEmpty ? header.names[index].trimmed : "column \(index + 1)"
        errors.append(Diagnostic(.error, file: file, row: row, column: name, message))
        positions.append(index)
    }

    mutating func fail(_ column: LeadSheet.Column?, _ message: String) {
        let name = column.flatMap { columns[$0]?.name } ?? column?.rawValue
        errors.append(Diagnostic(.error, file: file, row: row, column: name, message))
        positions.append(column.flatMap { columns[$0]?.index } ?? -1)
    }

    /// The trimmed value of a column; nil when absent or empty.
    func text(_ column: LeadSheet.Column) -> String? {
        header.index(of: column).flatMap(text(at:))
    }

    /// The trimmed value of the field at `index`, as `neutralised` wrote
    /// it restored; nil when absent or empty.
    func text(at index: Int) -> String? {
        guard index < fields.count else { return nil }
        let value = fields[index].trimmed
        if value.isEmpty { return nil }
        return value.utf8.first == UInt8(ascii: "'") ? LeadSheet.restored(value) : value
    }

    mutating func lead() -> Lead? {
        if fields.count > headerCount {
            fail(nil, "the row has \(fields.count) fields but the header has \(headerCount): a value with a comma in it needs double quotes around it")
        } else if fields.count < headerCount, let last = fields.last, last.contains("\n") {
            // CSV.swift reads an unclosed quote to the end of the file as one field.
            fail(nil, "a quoted value starting on this row is never closed, so the rest of the file was read as part of it: close the quote")
        }
        for (index, field) in fields.enumerated() where field.utf8.count > LeadSheet.maxFieldBytes {
            failField(index, "the value is \(field.utf8.count) bytes long; a value may hold at most \(LeadSheet.maxFieldBytes / 1024) KiB")
        }
        let id = text(.id)
        if let value = id, value.count > LeadSheet.maxIDLength {
            fail(.id, "the id \(Diagnostic.shown(value, limit: 40)) is longer than \(LeadSheet.maxIDLength) characters; ids name events and must stay short")
        }
        var name = text(.name)
        if name == nil {
            let parts = [header.firstName, header.lastName].compactMap { index -> String? in
                guard let index, index < fields.count else { return nil }
                let value = fields[index].trimmed
                return value.isEmpty ? nil : value
            }
            if !parts.isEmpty { name = parts.joined(separator: " ") }
        }
        if id == nil { fail(.id, "the id is empty; every lead needs a unique, stable id") }
        if name == nil { fail(.name, "the name is empty; every lead needs the name of a person") }

        let timeZone = text(.timezone).flatMap { value in
            take(LeadValues.timeZone(value, isKnown: isKnownTimeZone), .timezone, value, without: "in the default time zone")
        }
        let status = text(.status).flatMap { value in
            take(LeadValues.status(value), .status, value, without: "as if its status were empty")
        }
        var nextStepOwner: StepOwner?
        if let value = text(.nextStepOwner) {
            nextStepOwner = StepOwner(rawValue: value.lowercased())
            if nextStepOwner == nil { drop(.nextStepOwner, value, expected: "me or them", without: "with the next step as yours") }
        }
        let fiscalYearStart = text(.fiscalYearStart).flatMap { value in
            take(LeadValues.fiscalYearStart(value, order: dateOrder), .fiscalYearStart, value, without: "with no fiscal-year milestone")
        }
        let events = parseEvents()
        let country = text(.country).flatMap { value in
            take(
                CountryNames.code(value).map { Reading.exact($0) } ?? .invalid(expected: "a country; expected \(CountryNames.expected)"), .country,
                value, without: "with its time zone's holidays")
        }
        var lead = Lead(
            id: id ?? "", name: name ?? "", company: text(.company), email: text(.email), phone: text(.phone),
            owner: text(.owner) ?? Lead.defaultOwner, timeZone: timeZone, status: status,
            firstContact: date(.firstContact), lastContact: date(.lastContact), lastReply: date(.lastReply),
            nextStep: text(.nextStep), nextStepDue: date(.nextStepDue), nextStepOwner: nextStepOwner,
            snoozeUntil: date(.snoozeUntil), fiscalYearStart: fiscalYearStart, launchDate: date(.launchDate),
            events: events, notes: text(.notes), lastStep: text(.lastStep), country: country)
        for (index, field) in header.extras {
            guard let value = text(at: index) else { continue }
            if let expected = field.read(&lead, value) {
                warnings.append(
                    Diagnostic(
                        .warning, file: file, row: row, column: header.names[index].trimmed,
                        "\(Diagnostic.shown(value)) is not \(expected); the lead is kept without it"))
            }
        }
        return id == nil ? nil : lead
    }

    private mutating func date(_ column: LeadSheet.Column) -> LocalDate? {
        guard let value = text(column) else { return nil }
        if let date = LocalDate(iso: value) { return date }
        return take(LeadValues.date(value, order: dateOrder), column, value)
    }

    private mutating func parseEvents() -> [LeadEvent] {
        guard let value = text(.events) else { return [] }
        var events: [LeadEvent] = []
        for item in value.split(separator: ";") {
            let entry = item.trimmed
            if entry.isEmpty { continue }
            guard let event = LeadEvent(parsing: entry) else {
                let name = columns[.events]?.name ?? "events"
                warnings.append(
                    Diagnostic(
                        .warning, file: file, row: row, column: name,
                        "event \(Diagnostic.shown(entry)) is not \"YYYY-MM-DD Name\" (separate several events with ;); the lead is planned without it"))
                continue
            }
            events.append(event)
        }
        return events
    }
}

/// A value read in a form that needed a guess or a mapping.
struct ReadingNote: Sendable {
    var column: String
    var how: String
    var value: String
    var result: String
}

/// Notes of one sheet, one warning per column and kind of reading (a
/// CRM export has the same form on every row: one line, not thousands).
struct ReadingNotes {
    private var groups: [String: (note: ReadingNote, row: Int, count: Int)] = [:]
    private var order: [String] = []

    mutating func add(_ note: ReadingNote, row: Int) {
        let key = note.column + "\u{0}" + note.how
        if let group = groups[key] {
            groups[key] = (group.note, group.row, group.count + 1)
        } else {
            groups[key] = (note, row, 1)
            order.append(key)
        }
    }

    func diagnostics(file: String) -> [Diagnostic] {
        order.map { key in
            let (note, row, count) = groups[key]!
            let more = count > 1 ? ", and \(count - 1) more value\(count == 2 ? "" : "s") of this column like it" : ""
            let fix = note.how.hasPrefix("as ") ? "" : "; give --date-order dmy or mdy (or write YYYY-MM-DD) to say which order the sheet uses"
            let how = note.how.hasPrefix("as ") ? "" : " (\(note.how))"
            return Diagnostic(.warning, file: file, row: row, column: note.column, "\(Diagnostic.shown(note.value)) read as \(note.result)\(how)\(more)\(fix)")
        }
    }
}
