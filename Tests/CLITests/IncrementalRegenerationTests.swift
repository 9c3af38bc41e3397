import Foundation
import Testing

/// `generate` on a SQLite store plans again only the owners whose leads
/// changed since its last run into the folder, keeps the other owners'
/// feeds as they are and splices everyone's from them; what it writes is,
/// byte for byte, what a full run (`--force`, into a fresh folder) writes.
@Suite(.serialized) struct IncrementalRegenerationTests {
    static let now = "2026-12-01"

    /// A store holding the demo sheet (four owners, one of them spelt two ways).
    func demoStore(in folder: URL) async throws -> URL {
        let store = folder.appendingPathComponent("leads.sqlite")
        #expect(try await followup(["init", store.path]).status == 0)
        let imported = try await followup(["import", "Fixtures/demo/leads.csv", "--store", store.path, "--now", Self.now])
        #expect(imported.status == 0, "\(imported.stderr)")
        return store
    }

    func generate(_ store: URL, _ out: URL, _ extra: [String] = []) async throws -> Run {
        let run = try await followup(
            ["generate", "--store", store.path, "--out", out.path, "--now", Self.now, "--timezone", "America/New_York"] + extra)
        #expect(run.status == 0, "\(run.stderr)")
        return run
    }

    func capture(_ store: URL, _ arguments: [String]) async throws -> Run {
        try await followup(arguments + ["--store", store.path, "--now", Self.now])
    }

    /// Every file a run leaves for subscribers (the feeds and index.json), by name.
    func contents(_ folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for file in try files(in: folder) { result[file] = try Data(contentsOf: folder.appendingPathComponent(file)) }
        return result
    }

    /// What the run in `out` wrote against a full run of the same store into a fresh folder.
    func expectSameAsFullRun(_ store: URL, _ out: URL, _ comment: Comment) async throws {
        let full = out.deletingLastPathComponent().appendingPathComponent("full-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: full) }
        _ = try await generate(store, full)
        let made = try contents(out), expected = try contents(full)
        #expect(made.keys.sorted() == expected.keys.sorted(), comment)
        for (file, bytes) in expected where made[file] != bytes {
            Issue.record("\(file) differs from a full run's: \(comment)")
        }
    }

    @Test func aCaptureReplansOnlyThatLeadsOwner() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await demoStore(in: folder), out = folder.appendingPathComponent("out")
        let first = try await generate(store, out)
        #expect(!first.stderr.contains("planned again"), "a first run plans everyone: \(first.stderr)")
        let before = try modificationTimes(out)
        try await Task.sleep(for: .milliseconds(1_100))  // a rewrite would show in the modification time

        // Dmitri Volkov (owner "me") replied: his cadence stops.
        #expect(try await capture(store, ["log", "L030", "--channel", "email", "--in"]).status == 0)
        let second = try await generate(store, out)
        #expect(second.stderr.contains("33 leads planned"), "the feeds still hold every lead: \(second.stderr)")
        #expect(
            second.stderr.contains(
                "planned again only 1 of 4 owners (3 leads): the others' leads had not changed, and their feeds are as the last run wrote them"),
            "\(second.stderr)")
        let after = try modificationTimes(out)
        let changed = Set(after.keys.filter { after[$0] != before[$0] })
        #expect(changed == ["me.events.ics", "me.tasks.ics", "all.events.ics", "all.tasks.ics", "index.json"])
        try await expectSameAsFullRun(store, out, "after one touch logged")

        // Nothing changed since: nothing is planned or written.
        let third = try await generate(store, out)
        #expect(third.stderr.contains("nothing to write"), "\(third.stderr)")
        // --force plans everyone, and finds every file as it is.
        let forced = try await generate(store, out, ["--force"])
        #expect(forced.stderr.contains("0 written, 10 unchanged") && !forced.stderr.contains("planned again"), "\(forced.stderr)")
    }

    @Test func anOwnerWhoseLeadMovesToANewZoneChangesEveryonesHeader() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await demoStore(in: folder), out = folder.appendingPathComponent("out")
        _ = try await generate(store, out)
        // "me" comes after two kept owners: everyone's feeds are begun
        // assuming me's zones, which no longer hold.
        #expect(try await capture(store, ["edit", "L030", "--timezone", "Pacific/Chatham"]).status == 0)
        let run = try await generate(store, out)
        #expect(run.stderr.contains("planned again only 1 of 4 owners"), "\(run.stderr)")
        let all = try String(contentsOf: out.appendingPathComponent("all.tasks.ics"), encoding: .utf8)
        #expect(all.contains("TZID:Pacific/Chatham"), "everyone's feed has the new zone")
        try await expectSameAsFullRun(store, out, "after a lead moved to a zone no one else uses")
        #expect(try files(in: out).allSatisfy { !$0.contains(".tmp-") })
    }

    @Test(arguments: [["--digest"], ["--all-day"]])
    func otherShapesOfFeedsToo(shape: [String]) async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await demoStore(in: folder), out = folder.appendingPathComponent("out")
        _ = try await generate(store, out, shape)
        #expect(try await capture(store, ["log", "L010", "--channel", "call", "--step", "day0"]).status == 0)
        let run = try await generate(store, out, shape)
        #expect(run.stderr.contains("planned again only 1 of 4 owners"), "\(run.stderr)")
        let full = folder.appendingPathComponent("full")
        _ = try await generate(store, full, shape)
        #expect(try contents(out) == contents(full), "the same bytes as a full run with \(shape)")
        // Feeds cut to a budget are cut against each other: everyone is planned.
        let google = try await generate(store, out, ["--profile", "google"])
        #expect(!google.stderr.contains("planned again"), "\(google.stderr)")
    }

    @Test func anOwnerSpeltTwoWaysIsOneFeedReplannedWhole() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await demoStore(in: folder), out = folder.appendingPathComponent("out")
        _ = try await generate(store, out)
        // L024's owner is "alice martin": Alice Martin's feed holds it.
        #expect(try await capture(store, ["snooze", "L024", "--until", "2027-03-01"]).status == 0)
        let run = try await generate(store, out)
        #expect(run.stderr.contains("planned again only 1 of 4 owners"), "\(run.stderr)")
        try await expectSameAsFullRun(store, out, "after a snooze of a lead of the second spelling")
    }

    @Test func aFeedFileChangedOrRemovedByHandIsWrittenAgain() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await demoStore(in: folder), out = folder.appendingPathComponent("out")
        _ = try await generate(store, out)
        // Someone edits one owner's feed, and removes everyone's events.
        let bo = out.appendingPathComponent("bo-zhang.tasks.ics")
        try (try String(contentsOf: bo, encoding: .utf8)).replacingOccurrences(of: "SUMMARY:", with: "SUMMARY:edited ").write(
            to: bo, atomically: false, encoding: .utf8)
        try FileManager.default.removeItem(at: out.appendingPathComponent("all.events.ics"))
        let run = try await generate(store, out)
        #expect(run.stderr.contains("planned again only 1 of 4 owners"), "Bo's feeds are planned again: \(run.stderr)")
        try await expectSameAsFullRun(store, out, "after a feed was edited and another removed")
        // Every owner's leads and feeds as they were, and everyone's tasks gone: only those are written.
        try FileManager.default.removeItem(at: out.appendingPathComponent("all.tasks.ics"))
        let again = try await generate(store, out)
        #expect(again.stderr.contains("no owner's leads had changed: their feeds are as the last run wrote them"), "\(again.stderr)")
        #expect(again.stderr.contains("1 written, 9 unchanged"), "\(again.stderr)")
        try await expectSameAsFullRun(store, out, "after everyone's tasks feed was removed")
    }

    @Test func anOwnerWhoseLastLeadGoesLosesTheirFeeds() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = folder.appendingPathComponent("leads.sqlite"), out = folder.appendingPathComponent("out")
        #expect(try await followup(["init", store.path]).status == 0)
        for (name, owner) in [("Ann Lee", "Ana"), ("Ben Ode", "Bo"), ("Cy Twombly", "Cat")] {
            #expect(try await capture(store, ["add", "--name", name, "--owner", owner]).status == 0)
        }
        _ = try await generate(store, out)
        #expect(try files(in: out).contains("bo.tasks.ics"))
        #expect(try await capture(store, ["delete", "L0002", "--yes"]).status == 0)
        let gone = try await generate(store, out)
        #expect(
            gone.stderr.contains("removed bo.events.ics, bo.tasks.ics: no lead in \(store.path) is their owner's any more"), "\(gone.stderr)")
        try await expectSameAsFullRun(store, out, "after an owner's only lead was deleted")
        // A new owner's first lead.
        #expect(try await capture(store, ["add", "--name", "Dee Dee", "--owner", "Dora"]).status == 0)
        let run = try await generate(store, out)
        #expect(run.stderr.contains("planned again only 1 of 3 owners (1 lead)"), "\(run.stderr)")
        try await expectSameAsFullRun(store, out, "after a new owner's first lead")
    }

    /// With action links, owners' feeds are kept and everyone's spliced
    /// from them with everyone's token; a token rotated or revoked writes
    /// again only the feeds that carry it.
    @Test func actionLinksAreKeptSplicedAndRotated() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await demoStore(in: folder), out = folder.appendingPathComponent("out")
        let tokensFile = folder.appendingPathComponent("tokens.json")
        let links = ["--base-url", "https://cal.example.com/team/", "--tokens", tokensFile.path]
        func tokens() throws -> [String: String] {
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: tokensFile)) as! [String: Any]
            return json["tokens"] as! [String: String]
        }
        func unfolded(_ name: String) throws -> String {
            try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8).replacingOccurrences(of: "\r\n ", with: "")
        }
        func expectSameAsFullRun(_ comment: Comment) async throws {
            let full = folder.appendingPathComponent("full-\(UUID().uuidString)")
            _ = try await generate(store, full, links)
            #expect(try contents(out) == contents(full), comment)
        }

        _ = try await generate(store, out, links)
        let first = try tokens()
        #expect(Set(first.keys) == ["all", "alice-martin", "bo-zhang", "me", "zoe-odegaard"], "generate made a token for every feed")
        #expect(try unfolded("me.tasks.ics").contains("URL:https://cal.example.com/team/feeds/\(first["me"]!)/t/L030."))
        #expect(try unfolded("all.tasks.ics").contains("URL:https://cal.example.com/team/feeds/\(first["all"]!)/t/L030."))
        #expect(try tokens() == first)

        // One capture: one owner planned again, everyone's spliced with its token swapped.
        #expect(try await capture(store, ["log", "L030", "--channel", "email", "--in"]).status == 0)
        let run = try await generate(store, out, links)
        #expect(run.stderr.contains("planned again only 1 of 4 owners"), "\(run.stderr)")
        try await expectSameAsFullRun("after one capture, with links")
        for name in ["all.events.ics", "all.tasks.ics"] {
            let text = try unfolded(name)
            for (stem, token) in first where stem != "all" { #expect(!text.contains(token), "\(stem)'s token in \(name)") }
        }

        // A rotated token: that owner's feeds are written again, no one else's.
        let rotate = try await followup(["token", "rotate", "me", "--dir", out.path, "--tokens", tokensFile.path])
        #expect(rotate.status == 0, "\(rotate.stderr)")
        let rotated = try tokens()["me"]!
        let before = try modificationTimes(out)
        try await Task.sleep(for: .milliseconds(1_100))
        _ = try await generate(store, out, links)
        let after = try modificationTimes(out)
        #expect(Set(after.keys.filter { after[$0] != before[$0] }) == ["me.events.ics", "me.tasks.ics", "index.json"])
        let mine = try unfolded("me.tasks.ics")
        #expect(mine.contains("/feeds/\(rotated)/t/") && !mine.contains(first["me"]!))
        try await expectSameAsFullRun("after a rotated token")

        // Revoked: Bo's components carry no links; everyone's, links that no server knows.
        #expect(try await followup(["token", "revoke", "bo-zhang", "--dir", out.path, "--tokens", tokensFile.path]).status == 0)
        #expect(try await followup(["token", "revoke", "all", "--dir", out.path, "--tokens", tokensFile.path]).status == 0)
        _ = try await generate(store, out, links)
        let bo = try unfolded("bo-zhang.tasks.ics")
        #expect(!bo.contains("URL:") && !bo.contains("not now:"))
        let everyone = try unfolded("all.tasks.ics")
        #expect(!everyone.contains(first["all"]!) && everyone.contains("/feeds/\(String(repeating: "0", count: 43))/t/"))
        #expect(try tokens()["bo-zhang"] == nil, "a revoked owner stays revoked")
        try await expectSameAsFullRun("after tokens were revoked")

        // Without --base-url the links go.
        _ = try await generate(store, out)
        #expect(!(try unfolded("me.tasks.ics")).contains("URL:"))
    }

    /// A random sequence of captures, each followed by a run into one
    /// folder that is compared with a full run.
    @Test(arguments: [UInt64(7), 2_026])
    func randomCapturesGiveWhatAFullRunGives(seed: UInt64) async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await demoStore(in: folder), out = folder.appendingPathComponent("out")
        _ = try await generate(store, out)
        var random = SyntheticSheet.SplitMix64(state: seed)
        var ids = (1...33).map { String(format: "L%03d", $0) }
        let owners = ["Alice Martin", "alice martin", "Bo Zhang", "me", "Zoë Ødegaard", "Nadia Novak"]
        var kept = 0
        for step in 0..<14 {
            let id = ids.randomElement(using: &random)!
            let arguments: [String]
            switch Int.random(in: 0..<9, using: &random) {
            case 0:
                arguments = [
                    "log", id, "--channel", ["email", "call", "meeting"].randomElement(using: &random)!, "--step",
                    ["day0", "day2", "day7"].randomElement(using: &random)!,
                ]
            case 1: arguments = ["log", id, "--channel", "call", "--in"]
            case 2: arguments = ["snooze", id, "--until", ["2026-12-20", "2027-01-15", "2027-04-01"].randomElement(using: &random)!]
            case 3: arguments = ["close", id, ["won", "lost", "no"].randomElement(using: &random)!]
            case 4: arguments = ["edit", id, "--owner", owners.randomElement(using: &random)!]
            case 5: arguments = ["next", id, "Send the pilot plan", "--due", ["2026-12-03", "2026-12-09"].randomElement(using: &random)!]
            case 6:
                arguments = ["delete", id, "--yes"]
                ids.removeAll { $0 == id }
            case 7: arguments = ["undo"]
            default: arguments = ["add", "--id", "N\(step)", "--name", "New Lead \(step)", "--owner", owners.randomElement(using: &random)!]
            }
            if arguments.first == "add" { ids.append("N\(step)") }
            let captured = try await capture(store, arguments)
            let run = try await generate(store, out)
            if run.stderr.contains("planned again only") { kept += 1 }
            try await expectSameAsFullRun(store, out, "seed \(seed), step \(step): \(arguments.joined(separator: " ")) (\(captured.status))")
        }
        #expect(kept >= 7, "most runs after one capture keep some owners' feeds (\(kept) of 14 did)")
    }
}
