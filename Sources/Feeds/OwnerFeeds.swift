import FileKit
import FollowUp
import Foundation
import Synchronization

/// One owner's share of the plan, and the file names of their feeds.
public struct OwnerFeed: Hashable, Sendable {
    /// The owner as the feeds name them (of several spellings, the smallest).
    public var owner: String
    /// The file-name stem: `<stem>.events.ics`, `<stem>.tasks.ics`.
    public var stem: String
}

/// Splits owners into feeds with safe, stable file names.
public enum OwnerNames {
    /// The stem of the feeds that hold everyone.
    public static let everyone = "all"

    /// The key owners are grouped by: owner names that differ only in case
    /// or surrounding spaces are one person in a hand-typed sheet.
    public static func key(_ owner: String) -> String {
        owner.trimmed.lowercased()
    }

    /// Feeds for these owners, in file-name order.
    ///
    /// Owner names that differ only in case are one owner.
    /// A name becomes lowercase ASCII letters, digits and hyphens (accents
    /// dropped, anything else a hyphen), so no owner name can make a path
    /// that leaves the output folder. When two owners would share a stem, or
    /// a stem would be empty or `all`, each such stem gets a suffix derived
    /// from the owner's name, so it stays the same from run to run.
    public static func feeds(for owners: [String]) -> [OwnerFeed] {
        preparing.wait()
        // Of several spellings the smallest is shown ("Alice" before
        // "alice"), so the feeds do not depend on the order of the rows.
        var spelling: [String: String] = [:]
        for owner in Set(owners) {
            let key = key(owner), trimmed = owner.trimmed
            spelling[key] = min(spelling[key] ?? trimmed, trimmed)
        }
        let keys = spelling.keys.sorted()
        var bySlug: [String: [String]] = [:]
        for key in keys { bySlug[slug(key), default: []].append(key) }
        var feeds: [OwnerFeed] = []
        for key in keys {
            let base = slug(key)
            let clash = bySlug[base, default: []].count > 1 || base.isEmpty || base == everyone
            let stem = clash ? (base.isEmpty ? "owner" : base) + "-" + stableHash(key) : base
            feeds.append(OwnerFeed(owner: spelling[key]!, stem: stem))
        }
        return feeds.sorted { $0.stem < $1.stem }
    }

    /// Sets ICU up for an owner's name on another thread, so that a run reading
    /// its leads does not wait for it after the last row: the first name in a
    /// script (Han above all) costs ICU tens of milliseconds to load that
    /// script's rules, which it keeps for the process. ASCII names need no ICU.
    public static func prepare(_ owner: String) {
        guard !isASCII(owner) else { return }
        DispatchQueue.global().async(group: preparing) { _ = latin(owner) }
    }

    /// What `prepare` set going; `feeds(for:)` waits for it.
    private static let preparing = DispatchGroup()

    /// A name as lowercase ASCII letters and digits joined by single hyphens,
    /// cut at 60 characters: "Zoë Ødegaard" is `zoe-odegaard`.
    public static func slug(_ name: String) -> String {
        var result = ""
        var pendingHyphen = false
        for scalar in latin(name).decomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                if pendingHyphen, !result.isEmpty { result.append("-") }
                pendingHyphen = false
                result.unicodeScalars.append(scalar)
            } else {
                pendingHyphen = true
            }
            if result.utf8.count >= 60 { break }
        }
        return result.lowercased()
    }

    /// ICU's transliteration turns "Zoë Ødegaard" into "Zoe Odegaard" and other
    /// scripts into Latin letters, so names stay recognisable. ASCII is already
    /// Latin and comes back unchanged, so it skips ICU, whose first
    /// transliteration in a process takes some 8 ms to set up (70 ms more for
    /// the first name in Han characters).
    public static func latin(_ name: String) -> String {
        if isASCII(name) { return name }
        if let known = transliterated.withLock({ $0[name] }) { return known }
        let result = name.applyingTransform(StringTransform("Any-Latin; Latin-ASCII"), reverse: false) ?? name
        transliterated.withLock { $0[name] = result }
        return result
    }

    /// Names transliterated in this process, or remembered from the last
    /// run: a run whose owners are the last run's needs no ICU at all
    /// (whose first transliteration costs tens of milliseconds, most of
    /// a run that finds nothing to write).
    private static let transliterated = Mutex<[String: String]>([:])

    /// Takes transliterations a run of the same executable made (the
    /// stamp keeps them), as `latin` would make them again.
    public static func remember(_ names: [String: String]) {
        transliterated.withLock { $0.merge(names) { current, _ in current } }
    }

    /// Every transliteration made or remembered so far, for the next run.
    public static var remembered: [String: String] {
        transliterated.withLock { $0 }
    }

    private static func isASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 }
    }

    /// A short digest of a name, stable across runs and platforms.
    static func stableHash(_ text: String) -> String {
        InputDigest.short(text)
    }
}
