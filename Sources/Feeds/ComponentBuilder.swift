import Foundation
import FollowUp
import ICal

/// Turns a touchpoint into the VEVENT and VTODO that carry it.
///
/// Everything here derives from the touchpoint, never from the clock, so an
/// unchanged store gives byte-identical feeds.
public struct ComponentBuilder {
    /// Zones that libical can describe; a touch in another zone (one that
    /// Foundation knows and the system's zoneinfo lacks) is written in UTC.
    private let canWriteZone: (String) -> Bool
    /// Whether a zone is one yearly rule around a year (for profiles whose
    /// events need that, `FeedProfile.zonesAsOneYearlyRule`).
    private let hasYearlyRule: (String, Int) -> Bool
    private let options: FeedOptions
    private let organizers = OrganizerCache()
    /// The action pages each component links to; nil: no links.
    private let links: TouchLinks?

    public init(
        options: FeedOptions = FeedOptions(), canWriteZone: @escaping (String) -> Bool,
        hasYearlyRule: @escaping (String, Int) -> Bool = { _, _ in true }, links: ActionLinks? = nil, feeds: [OwnerFeed] = []
    ) {
        self.options = options
        self.canWriteZone = canWriteZone
        self.hasYearlyRule = hasYearlyRule
        self.links = links.map { TouchLinks($0, feeds: feeds) }
    }

    /// A builder whose zones are those `catalog` can write, in the form each
    /// profile needs; with `links`, each component of an owner of `feeds`
    /// links to its action page.
    public init(options: FeedOptions, catalog: TimeZoneCatalog, links: ActionLinks? = nil, feeds: [OwnerFeed] = []) {
        self.init(
            options: options, canWriteZone: { [catalog] in catalog.knows($0) },
            hasYearlyRule: { [catalog] in catalog.hasYearlyRule($0, around: $1) }, links: links, feeds: feeds)
    }

    /// A UID that is a pure function of the lead id and the touch's place
    /// in the plan. The lead id is percent-encoded so that any id gives a
    /// distinct UID and `.` can separate the parts.
    public static func uid(leadID: String, key: String, component: String) -> String {
        "\(encode(leadID)).\(encode(key)).\(component)@followup"
    }

    /// The touch's VEVENT and VTODO, which share their texts (made once).
    public func eventAndTodo(for touch: Touchpoint) -> (event: ICalEvent, todo: ICalTodo) {
        let text = TouchTexts(headline: headline(touch), description: description(touch))
        return (event(for: touch, text), todo(for: touch, text))
    }

    public func event(for touch: Touchpoint) -> ICalEvent {
        event(for: touch, TouchTexts(headline: headline(touch), description: description(touch)))
    }

    private func event(for touch: Touchpoint, _ text: TouchTexts) -> ICalEvent {
        let (start, end) = eventTimes(touch)
        let summary = (touch.overdue ? "Overdue: " : "") + text.headline
        // An all-day event starts at midnight: its alarm counts from there
        // to the touch time.
        let before = options.allDay ? touch.alarmMinutesBefore - touch.time.minutesSinceMidnight : touch.alarmMinutesBefore
        return ICalEvent(
            common: common(touch, component: "event", summary: summary, description: text.description),
            start: start, end: end, transparent: true,
            alarms: options.profile.alarms ? [ICalAlarm(minutesBefore: before, description: summary)] : [])
    }

    /// One event for an owner's day: "Follow-ups today (N)" at the start of
    /// their working day, listing each touch with its lead and what to bring,
    /// so a client that refreshes once a day still shows the whole day's work.
    /// - Parameter touches: the owner's touches on `date`, in time order.
    public func digest(owner: String, stem: String, date: LocalDate, touches: [Touchpoint]) -> ICalEvent {
        let summary = "Follow-ups today (\(touches.count))"
        let clock = options.clock(of: owner)
        // Each line has what the touch's task has (the lead, the step, what
        // to bring, the draft): a client that shows only events loses nothing.
        let items = touches.map { touch in
            let mine = ownerWallTime(touch)
            var when = "\(LocalDate.pad2(mine.hour)):\(LocalDate.pad2(mine.minute))"
            if touch.timeZone != clock.zone { when += " (\(touch.time) in \(touch.timeZone))" }
            var item = "- \(when)\(touch.overdue ? ", overdue" : ""): \(headline(touch))"
            if let email = touch.lead.email { item += " <\(email)>" }
            if let phone = touch.lead.phone { item += " \(phone)" }
            item += "\n  \(touch.kind == .cadence ? "\(touch.label), " : "")by \(touch.channel)\(touch.overdue ? ", due \(touch.windowEnd)" : "")."
            item += "\n  Bring: \(touch.prompt)"
            if !touch.draft.isEmpty {
                item +=
                    "\n  Draft:\n"
                    + touch.draft.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
            }
            return item
        }
        var description =
            "\(owner), \(touches.count) follow-up\(touches.count == 1 ? "" : "s") on \(date) (times in \(clock.zone)):\n\n"
            + items.joined(separator: "\n\n")
        // The owner's page lists the day's touches, each with its buttons.
        let page = links?.links.page(stem: stem)
        if let page { description += "\n\n" + ActionLinks.marker + page }
        let changed = touches.map(\.lastChanged).max() ?? date
        let stamp = CivilDateTime(year: changed.year, month: changed.month, day: changed.day)
        var categories = ["Follow-up", "Digest"]
        if touches.contains(where: \.overdue) { categories.append("Overdue") }
        let (start, end) = digestTimes(date, owner: owner)
        let before = options.allDay ? -clock.start.minutesSinceMidnight : 0
        return ICalEvent(
            common: ICalCommon(
                uid: "digest.\(Self.encode(stem)).\(date.description.filter { $0 != "-" })@followup",
                stamp: stamp, lastModified: stamp, sequence: touches.map(\.movedDays).max() ?? 0,
                summary: summary, description: description, categories: categories,
                priority: touches.contains(where: \.overdue) ? 1 : 5, url: page, organizer: organizers.organizer(for: owner)),
            start: start, end: end, transparent: true,
            alarms: options.profile.alarms ? [ICalAlarm(minutesBefore: before, description: summary)] : [])
    }

    public func todo(for touch: Touchpoint) -> ICalTodo {
        todo(for: touch, TouchTexts(headline: headline(touch), description: description(touch)))
    }

    private func todo(for touch: Touchpoint, _ text: TouchTexts) -> ICalTodo {
        let (start, due) = todoTimes(touch)
        return ICalTodo(
            common: common(touch, component: "task", summary: text.headline, description: text.description),
            start: start, due: due, status: .needsAction)
    }

    /// DTSTART and DTEND of the touch's event, without building the event.
    public func eventTimes(_ touch: Touchpoint) -> (start: ICalTime, end: ICalTime) {
        if options.allDay {
            // VALUE=DATE with the exclusive end RFC 5545 asks for: the next day.
            return (Self.day(touch.date), Self.day(touch.date.adding(days: 1)))
        }
        return (
            time(touch.date, touch.time, touch.timeZone, event: true),
            time(touch.date, touch.time, touch.timeZone, plusMinutes: touch.durationMinutes, event: true)
        )
    }

    /// When a touch happens on the owner's clock (in `ownerTimeZone`): the
    /// digest of that day lists it, at that time.
    public func ownerWallTime(_ touch: Touchpoint) -> CivilDateTime {
        let local = CivilDateTime(
            year: touch.date.year, month: touch.date.month, day: touch.date.day,
            hour: touch.time.hour, minute: touch.time.minute)
        let zone = options.clock(of: touch.owner).zone
        guard touch.timeZone != zone else { return local }
        return Self.convert(local, from: touch.timeZone, to: zone)
    }

    /// DTSTART and DTEND of `owner`'s digest on `date`: at the start of
    /// their working day, in their zone.
    public func digestTimes(_ date: LocalDate, owner: String) -> (start: ICalTime, end: ICalTime) {
        if options.allDay { return (Self.day(date), Self.day(date.adding(days: 1))) }
        let clock = options.clock(of: owner)
        return (
            time(date, clock.start, clock.zone, event: true),
            time(date, clock.start, clock.zone, plusMinutes: 15, event: true)
        )
    }

    private static func day(_ date: LocalDate) -> ICalTime {
        .date(year: date.year, month: date.month, day: date.day)
    }

    /// DTSTART and DUE of the touch's task: the window opens at the touch
    /// time and is due at the end of the working day it closes on.
    public func todoTimes(_ touch: Touchpoint) -> (start: ICalTime, due: ICalTime) {
        let start = time(touch.windowStart, touch.time, touch.timeZone)
        if touch.windowEnd == touch.windowStart, touch.dueTime <= touch.time {
            return (start, time(touch.windowEnd, touch.time, touch.timeZone, plusMinutes: touch.durationMinutes))
        }
        return (start, time(touch.windowEnd, touch.dueTime, touch.timeZone))
    }

    // MARK: - Text

    func headline(_ touch: Touchpoint) -> String {
        let who = touch.lead.company.map { "\(touch.lead.name) (\($0))" } ?? touch.lead.name
        return Self.singleLine("\(touch.title): \(who)")
    }

    /// A text for a one-line property (SUMMARY, an alarm's DESCRIPTION, an
    /// organizer's CN): every run of line breaks and other control
    /// characters becomes one space. A name or company cell with a line
    /// break otherwise puts `\n` in the title: calcurse skips such an event
    /// ("line break in summary") and Thunderbird shows a title of several
    /// lines. Line breaks stay in DESCRIPTION, where they belong.
    public static func singleLine(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        var result = String.UnicodeScalarView()
        var afterBreak = false
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029:
                if !result.isEmpty, result.last != " " { result.append(" ") }
                afterBreak = true
            case 0x20 where afterBreak && (result.isEmpty || result.last == " "):
                continue  // spaces around a break fold into its one space
            default:
                afterBreak = false
                result.append(scalar)
            }
        }
        if afterBreak, result.last == " " { result.removeLast() }
        return String(result)
    }

    /// Who, which step, why now, what to bring, their notes, a draft.
    func description(_ touch: Touchpoint) -> String {
        let lead = touch.lead
        // One string appended to in place: it is made for every touch.
        var text = ""
        text.reserveCapacity(512 + touch.draft.utf8.count + (lead.notes?.utf8.count ?? 0) + touch.prompt.utf8.count)
        text += "Who: "
        text += lead.name
        if let company = lead.company { text += ", "; text += company }
        switch (lead.email, lead.phone) {
        case let (email?, phone?): text += " ("; text += email; text += ", "; text += phone; text += ")"
        case let (email?, nil): text += " ("; text += email; text += ")"
        case let (nil, phone?): text += " ("; text += phone; text += ")"
        case (nil, nil): break
        }
        text += "\nOwner: "
        text += lead.owner
        text += "\nStep: "
        if touch.kind == .cadence { text += touch.label; text += ": " }
        text += touch.title
        if let number = touch.stepNumber, let count = touch.stepCount { text += " (step \(number) of \(count))" }
        text += " by "
        text += touch.channel
        if let next = lead.nextStep, touch.kind != .cadence {
            text += "\nNext step: "
            text += next
            if let due = lead.nextStepDue { text += ", due "; text += due.description }
            if let owner = lead.nextStepOwner { text += " (owner: "; text += owner.rawValue; text += ")" }
        }
        text += "\nWhy now: "
        text += touch.reason
        text += "\nBring: "
        text += touch.prompt
        if let notes = lead.notes { text += "\nNotes: "; text += notes }
        text += "\n\nDraft:\n"
        text += touch.draft
        return text
    }

    /// The texts a touch's event and task both carry.
    private struct TouchTexts {
        var headline: String
        var description: String
    }

    private func common(_ touch: Touchpoint, component: String, summary: String, description: String) -> ICalCommon {
        let stamp = CivilDateTime(year: touch.lastChanged.year, month: touch.lastChanged.month, day: touch.lastChanged.day)
        var categories = ["Follow-up", category(touch.kind)]
        if touch.overdue { categories.append("Overdue") }
        let uid = Self.uid(leadID: touch.lead.id, key: touch.key, component: component)
        // The action page, as URL (which Apple Calendar and Thunderbird show
        // as a link) and as the description's last line (which every client
        // shows, Google's and Outlook's included).
        let url = links?.url(owner: touch.owner, uid: uid)
        return ICalCommon(
            uid: uid, stamp: stamp, lastModified: stamp, sequence: touch.movedDays,
            summary: summary, description: url.map { description + "\n\n" + ActionLinks.marker + $0 } ?? description, categories: categories,
            priority: touch.overdue ? 1 : (touch.kind == .cadence ? 5 : 3), url: url,
            organizer: organizers.organizer(for: touch.owner))
    }

    /// The feeds say METHOD:PUBLISH (RFC 5546), and PUBLISH requires an
    /// ORGANIZER on every component; libical's restriction check and strict
    /// servers flag a component without one. Dropping METHOD instead would
    /// silence the check too, but subscribed feeds conventionally carry
    /// METHOD:PUBLISH, so the owner becomes the organizer: their own address
    /// when the owner is written as an e-mail address, otherwise an address
    /// under the reserved `.invalid` domain (RFC 2606) that names them and
    /// can never reach anyone.
    static func makeOrganizer(_ owner: String) -> ICalOrganizer {
        let trimmed = singleLine(owner.trimmed)
        if trimmed.range(of: "^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$", options: .regularExpression) != nil {
            return ICalOrganizer(name: trimmed, address: "mailto:\(trimmed)")
        }
        let local = OwnerNames.slug(trimmed)
        return ICalOrganizer(name: trimmed, address: "mailto:\(local.isEmpty ? "owner-" + OwnerNames.stableHash(trimmed) : local)@followup.invalid")
    }

    private func category(_ kind: Touchpoint.Kind) -> String {
        switch kind {
        case .cadence: "Cadence"
        case .nextStepMine, .nextStepTheirs: "Next step"
        case .agreeNextStep: "Agree next step"
        case .checkBack: "Check back"
        case .nurture: "Nurture"
        }
    }

    // MARK: - Time

    /// A local time in `zone`, with its TZID where the feed can name the
    /// zone (for an event, in the form the profile's client keeps), else in UTC.
    private func time(_ date: LocalDate, _ time: TimeOfDay, _ zone: String, plusMinutes: Int = 0, event: Bool = false) -> ICalTime {
        let minutes = time.minutesSinceMidnight + plusMinutes
        let day = date.adding(days: minutes / 1440)
        let civil = CivilDateTime(
            year: day.year, month: day.month, day: day.day,
            hour: (minutes % 1440) / 60, minute: minutes % 60)
        if TimeZoneCatalog.isUTC(zone) { return .utc(civil) }
        if canWriteZone(zone), !(event && options.profile.zonesAsOneYearlyRule && !hasYearlyRule(zone, day.year)) {
            return .zoned(civil, tzid: zone)
        }
        return .utc(Self.utc(civil, in: zone))
    }

    /// The UTC wall time of a local time in `zone` (through Foundation's
    /// zone rules), for zones libical cannot describe.
    static func utc(_ local: CivilDateTime, in zone: String) -> CivilDateTime {
        convert(local, from: zone, to: "UTC")
    }

    /// A wall time in one zone as the wall time in another, by Foundation's
    /// zone rules (daylight saving included).
    static func convert(_ local: CivilDateTime, from zone: String, to other: String) -> CivilDateTime {
        guard let source = TimeZone(identifier: zone), let target = TimeZone(identifier: other) else { return local }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = source
        let components = DateComponents(
            year: local.year, month: local.month, day: local.day,
            hour: local.hour, minute: local.minute, second: local.second)
        guard let instant = calendar.date(from: components) else { return local }
        calendar.timeZone = target
        let converted = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
        return CivilDateTime(
            year: converted.year!, month: converted.month!, day: converted.day!,
            hour: converted.hour!, minute: converted.minute!, second: converted.second!)
    }

    /// RFC 3986's unreserved characters but `.`, which separates a UID's parts.
    /// Asked for every byte of every UID: ranges, not a hashed set.
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    static func encode(_ text: String) -> String {
        // Most ids and keys need no escape: they are kept as they are.
        if text.utf8.allSatisfy(isUnreserved) { return text }
        var result = ""
        for byte in text.utf8 {
            if isUnreserved(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                result += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return result
    }
}

/// An owner's ORGANIZER is the same for every touch: worked out once per owner
/// (it transliterates the name) and kept.
/// Action links by owner, for one builder (one thread): an owner's
/// spelling is looked up once.
private final class TouchLinks {
    let links: ActionLinks
    private let stemByKey: [String: String]
    private var pageByOwner: [String: String?] = [:]

    init(_ links: ActionLinks, feeds: [OwnerFeed]) {
        self.links = links
        var stems: [String: String] = [:]
        for feed in feeds { stems[OwnerNames.key(feed.owner)] = feed.stem }
        stemByKey = stems
    }

    func url(owner: String, uid: String) -> String? {
        let page: String?
        if let known = pageByOwner[owner] {
            page = known
        } else {
            page = stemByKey[OwnerNames.key(owner)].flatMap { links.page(stem: $0) }
            pageByOwner[owner] = page
        }
        return page.map { $0 + "t/" + ActionLinks.encode(uid) }
    }
}

private final class OrganizerCache {
    private var byOwner: [String: ICalOrganizer] = [:]

    func organizer(for owner: String) -> ICalOrganizer {
        if let known = byOwner[owner] { return known }
        let organizer = ComponentBuilder.makeOrganizer(owner)
        byOwner[owner] = organizer
        return organizer
    }
}
