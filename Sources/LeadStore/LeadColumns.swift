import FollowUp
import Foundation

/// One field of a lead as stores keep it: a column's name, the field as
/// that column's text, and the text read back into the field.
public struct LeadField: Sendable {
    /// The column's name, in a sheet's header and in the store's table.
    public let column: String
    /// The field as text; nil when the lead has none.
    public let text: @Sendable (Lead) -> String?
    /// Reads a (non-empty, trimmed) text into the lead; returns what was
    /// expected when the text is not a value of the field, nil when it is.
    public let read: @Sendable (inout Lead, String) -> String?

    public init(column: String, text: @escaping @Sendable (Lead) -> String?, read: @escaping @Sendable (inout Lead, String) -> String?) {
        self.column = column
        self.text = text
        self.read = read
    }

    /// A text field kept in `Lead.extra` under the column's name: a field
    /// a store adds beyond the method's, which the planner does not read.
    public static func extra(_ column: String) -> LeadField {
        LeadField(
            column: column, text: { $0.extra[column] },
            read: { lead, text in
                lead.extra[column] = text; return nil
            })
    }

    static func text(_ column: String, _ field: WritableKeyPath<Lead, String?> & Sendable) -> LeadField {
        LeadField(
            column: column, text: { $0[keyPath: field] },
            read: { lead, text in
                lead[keyPath: field] = text; return nil
            })
    }

    static func date(_ column: String, _ field: WritableKeyPath<Lead, LocalDate?> & Sendable) -> LeadField {
        LeadField(
            column: column, text: { $0[keyPath: field]?.description },
            read: { lead, text in
                // A spreadsheet's date cell with a time ("2026-12-01 00:00:00"): the day counts.
                guard let date = LocalDate(iso: text) ?? LocalDateTime(iso: text)?.date else {
                    return "a date, YYYY-MM-DD, such as 2026-12-01"
                }
                lead[keyPath: field] = date
                return nil
            })
    }
}

/// Which fields of a lead a store keeps, in which columns, in what order:
/// the one mapping the lead sheet (reading and `export`), the SQLite store
/// (its table, its rows, `import`'s changed columns) follow. A new lead
/// field is one entry here.
public struct LeadColumns: Sendable {
    public var fields: [LeadField]

    public init(_ fields: [LeadField]) { self.fields = fields }

    /// Every column, in order.
    public var names: [String] { fields.map(\.column) }

    /// This mapping with one more field.
    public func adding(_ field: LeadField) -> LeadColumns { LeadColumns(fields + [field]) }

    public func field(named column: String) -> LeadField? { fields.first { $0.column == column } }

    /// A lead's columns as text, absent when empty.
    public func values(of lead: Lead) -> [String: String] {
        var values: [String: String] = [:]
        for field in fields {
            if let text = field.text(lead), !text.isEmpty { values[field.column] = text }
        }
        return values
    }

    /// A lead from trusted column texts (a store's own rows): values that
    /// do not read are left out.
    public func lead(_ value: (String) -> String?) -> Lead {
        var lead = Lead(id: "", name: "")
        for field in fields {
            if let text = value(field.column), !text.isEmpty { _ = field.read(&lead, text) }
        }
        return lead
    }

    /// The method's fields, in the order DESIGN.md lists the sheet's columns.
    public static let standard = LeadColumns([
        LeadField(
            column: "id", text: { $0.id },
            read: { lead, text in
                lead.id = text; return nil
            }),
        LeadField(
            column: "name", text: { $0.name },
            read: { lead, text in
                lead.name = text; return nil
            }),
        .text("company", \.company),
        .text("email", \.email),
        .text("phone", \.phone),
        LeadField(
            column: "owner", text: { $0.owner },
            read: { lead, text in
                lead.owner = text; return nil
            }),
        .text("timezone", \.timeZone),
        LeadField(
            column: "status", text: { $0.status?.rawValue },
            read: { lead, text in
                guard let status = LeadStatus(rawValue: text) else {
                    return "one of \(LeadStatus.allCases.map(\.rawValue).joined(separator: ", "))"
                }
                lead.status = status
                return nil
            }),
        .date("first_contact", \.firstContact),
        .date("last_contact", \.lastContact),
        .date("last_reply", \.lastReply),
        .text("next_step", \.nextStep),
        .date("next_step_due", \.nextStepDue),
        LeadField(
            column: "next_step_owner", text: { $0.nextStepOwner?.rawValue },
            read: { lead, text in
                guard let owner = StepOwner(rawValue: text.lowercased()) else { return "me or them" }
                lead.nextStepOwner = owner
                return nil
            }),
        .date("snooze_until", \.snoozeUntil),
        LeadField(
            column: "fiscal_year_start", text: { $0.fiscalYearStart?.description },
            read: { lead, text in
                guard let day = MonthDay(text) else { return "a month and day, MM-DD, such as 04-01" }
                lead.fiscalYearStart = day
                return nil
            }),
        .date("launch_date", \.launchDate),
        LeadField(
            column: "events", text: { $0.events.isEmpty ? nil : $0.events.map { "\($0.date) \($0.name)" }.joined(separator: "; ") },
            read: { lead, text in
                lead.events = text.split(separator: ";").compactMap { LeadEvent(parsing: $0) }
                return nil
            }),
        .text("notes", \.notes),
        .text("last_step", \.lastStep),
        LeadField(
            column: "country", text: { $0.country },
            read: { lead, text in
                guard let code = CountryNames.code(text) else {
                    return "a country: \(CountryNames.expected)"
                }
                lead.country = code
                return nil
            }),
    ])
}

/// A lead's country as a sheet may give it: an ISO 3166 code (`de`, `US-CA`)
/// or a country's English name as CRMs export it ("Germany", "United
/// States"), read through Foundation's region names rather than a list kept here.
public enum CountryNames {
    /// What a country value must be, for messages.
    public static let expected = "an ISO 3166 code such as DE, a subdivision such as US-CA, or a country's English name"

    /// The code (upper case) for `text`, nil when it is none.
    public static func code(_ text: String) -> String? {
        if let code = Region.code(text) { return code }
        return byName[normalised(text)]
    }

    private static func normalised(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .filter { $0.isLetter || $0.isNumber }
    }

    private static let byName: [String: String] = {
        let english = Locale(identifier: "en_US")
        var names: [String: String] = [:]
        for region in Locale.Region.isoRegions where region.identifier.count == 2 {
            if let name = english.localizedString(forRegionCode: region.identifier) { names[normalised(name)] = region.identifier }
        }
        // The short names CRMs use, beside Foundation's own.
        for (name, code) in ["usa": "US", "unitedstatesofamerica": "US", "uk": "GB", "greatbritain": "GB", "england": "GB", "southkorea": "KR", "russia": "RU"]
        {
            names[name] = names[name] ?? code
        }
        return names
    }()
}
