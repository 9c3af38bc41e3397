import FileKit
import FollowUp
import Foundation
import Generation
import ICal
import LeadStore
import Testing

@testable import Feeds

/// Everyone's feeds copy the owners' components with each owner's token
/// replaced by everyone's (`TokenSwap`), folds and all: what comes out
/// must be, byte for byte, what libical writes for the other token.
struct ActionLinkTests {
    static let owner = "hexSRr0ZQafs4aZK9UP0HrmYP4s_8BUH_gytzlquh-4"
    static let everyone = "ZpIyjbmDvZotI0ci13l26BHH_j2xeaYYMIljInW_VaM"

    /// A task linking with `token` under a base of `padding` more characters,
    /// so that libical's folds fall at every place inside the token.
    func task(token: String, padding: Int, notes: String = "Who: Ann") throws -> [UInt8] {
        let base = "https://cal.example.com/" + String(repeating: "p", count: padding)
        let links = ActionLinks(base: base, tokens: ["ann": token])
        let uid = "L001.day0.task@followup"
        let url = links.url(stem: "ann", uid: uid)!
        let todo = ICalTodo(
            common: ICalCommon(
                uid: uid, stamp: CivilDateTime(year: 2026, month: 12, day: 3),
                summary: "Day 0: Ann", description: notes + "\n\n" + ActionLinks.marker + url, url: url),
            start: .utc(CivilDateTime(year: 2026, month: 12, day: 3, hour: 9)), due: .utc(CivilDateTime(year: 2026, month: 12, day: 4, hour: 9)))
        return try ICalSerializer.serialize(todo)
    }

    /// `bytes` through `swap` in chunks of `chunk` bytes, as a file copy
    /// passes them (what a chunk leaves unscanned goes in front of the next).
    func swapped(_ bytes: [UInt8], _ swap: TokenSwap, chunk: Int) -> [UInt8] {
        var out: [UInt8] = [], carry: [UInt8] = []
        var start = 0
        repeat {
            carry += bytes[start..<min(start + chunk, bytes.count)]
            start += chunk
            let final = start >= bytes.count
            let done = swap.apply(to: &carry, final: final)
            out += carry[..<(final ? carry.count : done)]
            carry.removeFirst(final ? carry.count : done)
        } while start < bytes.count
        return out
    }

    @Test func theSwapGivesWhatLibicalWritesForTheOtherToken() throws {
        let swap = TokenSwap(from: Self.owner, to: Self.everyone)
        var foldsInside = 0
        for padding in 0..<80 {
            let mine = try task(token: Self.owner, padding: padding), theirs = try task(token: Self.everyone, padding: padding)
            #expect(mine.count == theirs.count)
            // A fold inside the token somewhere in the component?
            let text = String(decoding: mine, as: UTF8.self)
            if !text.contains(Self.owner) || text.components(separatedBy: Self.owner).count < 3 { foldsInside += 1 }
            for chunk in [1, 7, 50, 64, 4096] {
                #expect(swapped(mine, swap, chunk: chunk) == theirs, "base padded by \(padding), chunks of \(chunk)")
            }
        }
        #expect(foldsInside > 20, "libical folds inside the token for many lengths of the base (\(foldsInside) of 80)")
    }

    @Test func onlyTheWholeTokenIsReplaced() {
        let swap = TokenSwap(from: Self.owner, to: Self.everyone)
        // Its start without its end, its end alone, and a fold before its
        // first character (not part of it): left as they are.
        let prefix = String(Self.owner.prefix(30))
        for text in [prefix + "!", "x" + String(Self.owner.dropFirst()), prefix + "\r\n", "a\r\n " + prefix + "?", prefix] {
            var bytes = Array(text.utf8)
            swap.apply(to: &bytes, final: true)
            #expect(bytes == Array(text.utf8), "\(text.debugDescription)")
        }
        // Twice in a row, and split by folds in two places.
        let folded = Array(Self.owner.utf8)
        var twice = folded + folded
        swap.apply(to: &twice, final: true)
        #expect(twice == Array((Self.everyone + Self.everyone).utf8))
        var split = Array(folded[..<5]) + Array("\r\n ".utf8) + Array(folded[5..<40]) + Array("\r\n\t".utf8) + Array(folded[40...])
        swap.apply(to: &split, final: true)
        #expect(
            String(decoding: split, as: UTF8.self).replacingOccurrences(of: "\r\n ", with: "").replacingOccurrences(of: "\r\n\t", with: "") == Self.everyone)
    }

    @Test func aRevokedEveryoneGetsAKeyNobodyHas() {
        let links = ActionLinks(base: "https://cal.example.com//", tokens: ["ann": Self.owner, "bo": Self.everyone])
        #expect(links.base == "https://cal.example.com")
        #expect(links.everyone == nil)
        let swap = links.swap(stem: "ann")!
        #expect(String(decoding: swap.to, as: UTF8.self) == String(repeating: "0", count: 43))
        #expect(links.swap(stem: "cy") == nil, "an owner without a token has no links to swap")
        #expect(links.url(stem: "cy", uid: "x@followup") == nil)
        #expect(links.url(stem: "ann", uid: "L 1/é.day0.task@followup") == "https://cal.example.com/feeds/\(Self.owner)/t/L%201%2F%C3%A9.day0.task@followup")
    }

    /// The copy of a file through the swap, a token across the boundary of
    /// its 1 MB chunks in every way.
    @Test func aFileCopiedThroughTheSwapChunkByChunk() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("followup-swap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let swap = TokenSwap(from: Self.owner, to: Self.everyone)
        for shift in [-60, -44, -43, -20, -3, -1, 0, 1, 2, 40] {
            var source = [UInt8](repeating: UInt8(ascii: "."), count: (1 << 20) + shift)
            source += Array(Self.owner.prefix(10).utf8) + Array("\r\n ".utf8) + Array(Self.owner.dropFirst(10).utf8)
            source += [UInt8](repeating: UInt8(ascii: ","), count: 5_000) + Array(Self.owner.utf8)
            let sourcePath = folder.appendingPathComponent("source").path
            try Data(source).write(to: URL(fileURLWithPath: sourcePath))
            let target = folder.appendingPathComponent("target.ics").path
            let file = try AtomicFile(path: target, mode: 0o600)
            try file.append(from: sourcePath, offset: 0, length: UInt64(source.count)) { bytes, final in swap.apply(to: &bytes, final: final) }
            _ = try file.commit()
            let copied = try Data(contentsOf: URL(fileURLWithPath: target))
            #expect(copied.count == source.count)
            let text = String(decoding: copied, as: UTF8.self).replacingOccurrences(of: "\r\n ", with: "")
            #expect(text.components(separatedBy: Self.everyone).count == 3 && !text.contains(Self.owner), "shift \(shift)")
        }
    }
}

/// What a run skips or keeps depends on the tokens its links were made with.
@Suite struct ActionLinkRunTests {
    /// Tokens that a test changes between (and during) runs.
    final class Tokens: @unchecked Sendable {
        let lock = NSLock()
        var file: [String: String]
        /// Applied to the file right after a run takes its tokens (a
        /// `token rotate` while the run writes).
        var afterTaking: (([String: String]) -> [String: String])?

        init(_ file: [String: String]) { self.file = file }

        var source: ActionLinkSource {
            ActionLinkSource(
                base: "https://cal.example.com",
                tokens: { [self] stems in
                    lock.lock()
                    defer { lock.unlock() }
                    for stem in stems where file[stem] == nil { file[stem] = String(repeating: "n", count: 43) }
                    let taken = file
                    if let change = afterTaking {
                        file = change(file)
                        afterTaking = nil
                    }
                    return taken
                },
                current: { [self] in
                    lock.lock()
                    defer { lock.unlock() }
                    return file
                })
        }
    }

    func run(_ sheet: URL, _ out: URL, _ tokens: Tokens, force: Bool = false) throws -> GenerateReport {
        let planner = try Planner(playbook: .standard, defaultTimeZone: "America/New_York", now: .date(LocalDate(iso: "2026-12-01")!))
        var options = GenerateOptions()
        options.followsClock = false
        options.links = tokens.source
        options.force = force
        let store = leadSource(at: sheet.path, isKnownTimeZone: { TimeZone(identifier: $0) != nil })
        return try GenerateJob(store: store, planner: planner, options: options, out: out.path).run()
    }

    @Test func aTokenChangedWhileARunWroteIsWrittenByTheNext() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("followup-links-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = folder.appendingPathComponent("leads.csv"), out = folder.appendingPathComponent("out")
        try Data("id,name,owner,first_contact\nL1,Ann Lee,Ana,2026-11-30\n".utf8).write(to: sheet)
        let old = String(repeating: "a", count: 43), new = String(repeating: "b", count: 43)
        let tokens = Tokens(["ana": old, "all": String(repeating: "z", count: 43)])

        #expect(try run(sheet, out, tokens).written != nil)
        #expect(try run(sheet, out, tokens).skipped, "the same sheet and tokens: nothing to write")
        // Rotated while the run writes: the feeds carry the old token, and the next run writes the new one.
        tokens.afterTaking = {
            var file = $0; file["ana"] = new; return file
        }
        #expect(try run(sheet, out, tokens, force: true).written != nil)
        #expect(try String(contentsOf: out.appendingPathComponent("ana.tasks.ics"), encoding: .utf8).contains(old))
        #expect(try run(sheet, out, tokens).written != nil, "the tokens are not those the feeds were made with")
        let feed = try String(contentsOf: out.appendingPathComponent("ana.tasks.ics"), encoding: .utf8).replacingOccurrences(of: "\r\n ", with: "")
        #expect(feed.contains("/feeds/\(new)/t/L1.") && !feed.contains(old))
        #expect(try run(sheet, out, tokens).skipped)
    }
}
