import FileKit
import Foundation
import Feeds
import ICal
import Synchronization

/// One touch as an owner's tasks feed publishes it: what the owner's page
/// and a touch's action page show. Read back from the feed (not planned
/// again), so a page shows exactly what the calendars were given.
public struct FeedTouch: Sendable, Hashable {
    public var uid: String
    /// The lead id and the touch's key in the lead's plan, from the UID.
    public var leadID: String
    public var key: String
    public var summary: String
    /// The due day and time as the feed writes them (`20261201`, `1700`).
    public var dueDay: String
    public var dueTime: String?
    public var overdue: Bool
    public var categories: [String]
    /// The description's parts: "Who", "Owner", "Step", "Next step",
    /// "Why now", "Bring", "Notes", in the feed's order.
    public var fields: [(label: String, value: String)]
    public var draft: String

    public func field(_ label: String) -> String? { fields.first { $0.label == label }?.value }

    /// The channel the step's line ends with ("… by email").
    public var channel: String? {
        guard let step = field("Step"), let range = step.range(of: " by ", options: .backwards) else { return nil }
        return String(step[range.upperBound...]).trimmingCharacters(in: .whitespaces)
    }

    public static func == (a: FeedTouch, b: FeedTouch) -> Bool {
        a.uid == b.uid && a.summary == b.summary && a.dueDay == b.dueDay && a.dueTime == b.dueTime && a.draft == b.draft
            && a.fields.map(\.label) == b.fields.map(\.label) && a.fields.map(\.value) == b.fields.map(\.value)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(uid) }

    /// The labels `ComponentBuilder.description` writes, each at the start
    /// of a line; a line that starts with none continues the one before
    /// (a note of several lines).
    static let labels = ["Who", "Owner", "Step", "Next step", "Why now", "Bring", "Notes"]

    /// The touches of a tasks feed, in the feed's order (a UID that is not
    /// followup's own, as a hand-edited feed might have, is left out).
    public static func read(feed text: String) throws(ICalError) -> [FeedTouch] {
        var result: [FeedTouch] = []
        for calendar in try ICalParser.parse(text) {
            for todo in calendar.components(of: "VTODO") {
                guard let uid = todo.property("UID")?.value, let (leadID, key) = parse(uid: uid) else { continue }
                let due = todo.property("DUE")?.value ?? todo.property("DTSTART")?.value ?? ""
                let day = String(due.prefix(8))
                let time = due.count >= 13 ? String(due.dropFirst(9).prefix(4)) : nil
                let categories = todo.properties(named: "CATEGORIES").flatMap { $0.value.split(separator: ",").map(String.init) }
                let (fields, draft) = split(description: todo.property("DESCRIPTION")?.value ?? "")
                result.append(
                    FeedTouch(
                        uid: uid, leadID: leadID, key: key, summary: todo.property("SUMMARY")?.value ?? "", dueDay: day, dueTime: time,
                        overdue: categories.contains("Overdue"), categories: categories, fields: fields, draft: draft))
            }
        }
        return result
    }

    /// `<lead>.<key>.<component>@followup`, each part percent-encoded
    /// (`ComponentBuilder.uid`); nil for any other UID.
    public static func parse(uid: String) -> (leadID: String, key: String)? {
        guard uid.hasSuffix("@followup") else { return nil }
        let parts = uid.dropLast("@followup".count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2] == "task" || parts[2] == "event",
            let lead = String(parts[0]).removingPercentEncoding, let key = String(parts[1]).removingPercentEncoding,
            !lead.isEmpty, !key.isEmpty
        else { return nil }
        return (lead, key)
    }

    /// The task's UID for an event's (the two share lead and key).
    public static func taskUID(for uid: String) -> String {
        uid.hasSuffix(".event@followup") ? String(uid.dropLast(".event@followup".count)) + ".task@followup" : uid
    }

    static func split(description: String) -> ([(label: String, value: String)], String) {
        var head = description
        var draft = ""
        if let range = description.range(of: "\n\nDraft:\n") {
            head = String(description[..<range.lowerBound])
            draft = String(description[range.upperBound...])
        }
        // Lines of action links a feed ends with, when it has them, are not
        // part of the draft.
        if let range = draft.range(of: "\n\n" + ActionLinks.marker) { draft = String(draft[..<range.lowerBound]) }
        var fields: [(label: String, value: String)] = []
        for line in head.split(separator: "\n", omittingEmptySubsequences: false) {
            if let label = labels.first(where: { line.hasPrefix($0 + ": ") }) {
                fields.append((label, String(line.dropFirst(label.count + 2))))
            } else if !fields.isEmpty {
                fields[fields.count - 1].value += "\n" + line
            }
        }
        return (fields, draft)
    }
}

/// An owner's tasks feed, read once per version of the file: the page is
/// asked for far more often than the feed changes.
final class FeedTouchCache: Sendable {
    /// The largest tasks feed a page lists (an owner's is far smaller; a
    /// team's `all` feed of a million leads is not read into memory for a page).
    static let largest = 64 * 1024 * 1024

    private let entries = Mutex<[String: (identity: FileIdentity, touches: [FeedTouch])]>([:])

    /// The touches of the feed at `path` (its tasks feed), nil when it
    /// cannot be read. Runs on the calling thread: call it off the event loop.
    func touches(at path: String) -> [FeedTouch]? {
        guard let identity = FileIdentity(regularFileAt: path), identity.size <= Self.largest else { return nil }
        if let cached = entries.withLock({ $0[path] }), cached.identity == identity { return cached.touches }
        guard let file = ReadOnlyFile(path), let text = String(bytes: Self.contents(of: file), encoding: .utf8),
            let touches = try? FeedTouch.read(feed: text)
        else { return nil }
        entries.withLock { $0[path] = (file.identity, touches) }
        return touches
    }

    /// The whole of an opened file (the version opened, even if it is
    /// replaced meanwhile).
    private static func contents(of file: ReadOnlyFile) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(file.identity.size, 0))
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { file.read(at: offset, into: UnsafeMutableRawBufferPointer(rebasing: $0[offset...])) }
            if count <= 0 { break }
            offset += count
        }
        return Array(bytes[0..<offset])
    }
}
