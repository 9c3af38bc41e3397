/// Where a lead stands, as the lead sheet's `status` column names it.
public enum LeadStatus: String, CaseIterable, Sendable {
    /// First contact still to make.
    case new
    /// In the cadence.
    case active
    /// They replied: the agreed next step governs.
    case engaged
    /// "Not now": snoozed, then nurtured.
    case notYet = "not_yet"
    case won, lost, closed, paused
}

/// Who owes the next step: me (a task on its date) or them (a check-in after it).
public enum StepOwner: String, CaseIterable, Sendable {
    case me, them
}

/// An industry event a lead attends.
public struct LeadEvent: Hashable, Sendable {
    public var date: LocalDate
    public var name: String

    public init(date: LocalDate, name: String) {
        self.date = date
        self.name = name
    }

    /// Reads one `YYYY-MM-DD Name` item, as the sheet's `events` column
    /// lists them; nil when it is not one.
    public init?(parsing text: some StringProtocol) {
        let entry = text.trimmed
        guard let date = LocalDate(iso: entry.prefix(10)), entry.dropFirst(10).first == " " else { return nil }
        let name = entry.dropFirst(10).trimmed
        guard !name.isEmpty else { return nil }
        self.init(date: date, name: name)
    }
}

/// One lead, typed and validated: what a store row becomes.
public struct Lead: Hashable, Sendable {
    public var id: String
    public var name: String
    public var company: String?
    public var email: String?
    public var phone: String?
    /// Who follows up; feeds are split by it.
    public var owner: String
    /// IANA zone; nil means the configured default.
    public var timeZone: String?
    /// nil means the sheet left it empty: `active` with a first contact, else `new`.
    public var status: LeadStatus?
    public var firstContact: LocalDate?
    public var lastContact: LocalDate?
    public var lastReply: LocalDate?
    /// The cadence step our last touch fulfilled, when it was recorded
    /// (`followup log --step`): that step and those before it are done.
    public var lastStep: String?
    public var nextStep: String?
    public var nextStepDue: LocalDate?
    public var nextStepOwner: StepOwner?
    public var snoozeUntil: LocalDate?
    public var fiscalYearStart: MonthDay?
    public var launchDate: LocalDate?
    public var events: [LeadEvent]
    public var notes: String?
    /// The lead's country for public holidays: an ISO 3166 code in upper
    /// case (`DE`), or a subdivision (`DE-BY`); nil takes it from the zone.
    public var country: String?
    /// Fields a store keeps beyond the method's, by column name (see
    /// `LeadColumns` in LeadStore): carried along, never planned with.
    public var extra: [String: String] = [:]

    public init(
        id: String, name: String, company: String? = nil, email: String? = nil, phone: String? = nil,
        owner: String = Lead.defaultOwner, timeZone: String? = nil, status: LeadStatus? = nil,
        firstContact: LocalDate? = nil, lastContact: LocalDate? = nil, lastReply: LocalDate? = nil,
        nextStep: String? = nil, nextStepDue: LocalDate? = nil, nextStepOwner: StepOwner? = nil,
        snoozeUntil: LocalDate? = nil, fiscalYearStart: MonthDay? = nil, launchDate: LocalDate? = nil,
        events: [LeadEvent] = [], notes: String? = nil, lastStep: String? = nil, country: String? = nil
    ) {
        self.id = id; self.name = name; self.company = company; self.email = email; self.phone = phone
        self.owner = owner; self.timeZone = timeZone; self.status = status
        self.firstContact = firstContact; self.lastContact = lastContact; self.lastReply = lastReply
        self.nextStep = nextStep; self.nextStepDue = nextStepDue; self.nextStepOwner = nextStepOwner
        self.snoozeUntil = snoozeUntil; self.fiscalYearStart = fiscalYearStart; self.launchDate = launchDate
        self.events = events; self.notes = notes; self.lastStep = lastStep; self.country = country
    }

    /// The owner a lead gets when the sheet names none.
    public static let defaultOwner = "me"

    /// The status the planner acts on: an empty status is `active` when the
    /// first contact is known, else `new`.
    public var effectiveStatus: LeadStatus {
        status ?? (firstContact != nil ? .active : .new)
    }

    /// A reply later than our last touch: it stops the cadence, and the
    /// next step governs.
    public var hasReplied: Bool {
        guard let reply = lastReply else { return false }
        let ourLastTouch = effectiveStatus == .active ? [lastContact, firstContact].compactMap { $0 }.max() : lastContact
        return ourLastTouch.map { reply > $0 } ?? true
    }

    /// The name to greet them by: the first word of their name.
    public var firstName: String {
        // The first run of non-spaces (`split` would make every word).
        guard let start = name.firstIndex(where: { $0 != " " }) else { return name }
        return String(name[start..<(name[start...].firstIndex(of: " ") ?? name.endIndex)])
    }
}
