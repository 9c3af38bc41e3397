import Foundation
import Testing

/// A client profile's budget cuts each feed to its nearest touches: these
/// tests write a sheet too big for Google's, once as `generic` (everything)
/// and once as `google`, and hold the cut feeds to the whole ones.
@Suite(.serialized) struct FeedBudgetTests {
    static let now = "2026-12-01"

    /// Three owners: "Busy Owner" with 700 leads and short notes, "Notes
    /// Owner" with 150 leads and 2 kB notes, both beyond Google's budget,
    /// and "Small Owner" with three leads, within it. Every tenth busy lead
    /// is in Auckland and first contacted three weeks from now, so its
    /// touches are all beyond the cut, and so is its zone.
    static func sheet(in folder: URL) throws -> URL {
        var rows = ["id,name,owner,timezone,status,first_contact,last_contact,notes"]
        let zones = ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Sydney"]
        let today = try #require(ISO8601DateFormatter.day.date(from: now))
        func day(_ offset: Int) -> String { ISO8601DateFormatter.day.string(from: today.addingTimeInterval(Double(offset) * 86_400)) }
        for index in 0..<700 {
            let id = "B\(String(1000 + index))"
            if index % 10 == 9 {
                rows.append("\(id),Far Lead \(index),Busy Owner,Pacific/Auckland,new,\(day(21)),,")
            } else {
                let first = day(-(index % 50) + 5)
                rows.append("\(id),Lead \(index),Busy Owner,\(zones[index % zones.count]),\(index % 3 == 0 ? "new" : "active"),\(first),\(first),short")
            }
        }
        let note = String(repeating: "Zoë's board wants the numbers first — 予算 ", count: 45)
        for index in 0..<150 {
            let first = day(-(index % 40) + 3)
            rows.append("N\(String(1000 + index)),Noted \(index),Notes Owner,Europe/Kyiv,active,\(first),\(first),\(note)")
        }
        for index in 0..<3 {
            rows.append("S\(index),Small \(index),Small Owner,America/Chicago,active,\(day(-index * 3)),\(day(-index * 3)),")
        }
        let url = folder.appendingPathComponent("leads.csv")
        try (rows.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// One touch as `plan` gives it, with its place in cut order.
    struct Touch {
        var lead, key, date, time: String
        var overdue: Bool
        /// Day, overdue first, time, lead: the order in which a budget keeps touches.
        var cutOrder: [String] { [date, overdue ? "0" : "1", time, lead] }
    }

    /// A feed's components by UID, in feed order, its size, and its zones.
    struct Feed {
        var uids: [String]
        var lengths: [String: Int]
        var bytes: Int
        var zonesDefined: Set<String>
        var zonesUsed: Set<String>

        init(_ url: URL) throws {
            let data = try Data(contentsOf: url)
            bytes = data.count
            let text = try #require(String(data: data, encoding: .utf8))
            let unfolded = text.replacingOccurrences(of: "\r\n ", with: "")
            var uids: [String] = [], lengths: [String: Int] = [:], used: Set<String> = [], defined: Set<String> = []
            for kind in ["VEVENT", "VTODO"] {
                for block in text.components(separatedBy: "BEGIN:\(kind)\r\n").dropFirst() {
                    let component = block.components(separatedBy: "END:\(kind)\r\n")[0]
                    let uid = try #require(component.components(separatedBy: "\r\n").first { $0.hasPrefix("UID:") })
                    uids.append(String(uid.dropFirst(4)))
                    lengths[String(uid.dropFirst(4))] = "BEGIN:\(kind)\r\n\(component)END:\(kind)\r\n".utf8.count
                }
            }
            for line in unfolded.components(separatedBy: "\r\n") {
                if line.hasPrefix("TZID:") { defined.insert(String(line.dropFirst(5))) }
                if let range = line.range(of: ";TZID="), let end = line[range.upperBound...].firstIndex(where: { $0 == ":" || $0 == ";" }) {
                    used.insert(String(line[range.upperBound..<end]))
                }
            }
            // Components come in feed order, one kind a feed.
            self.uids = text.contains("BEGIN:VEVENT") && text.contains("BEGIN:VTODO") ? [] : uids
            self.lengths = lengths
            zonesDefined = defined
            zonesUsed = used
        }
    }

    static func index(_ folder: URL) throws -> [String: [String: Any]] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("index.json"))) as? [String: Any]
        let feeds = try #require(json?["feeds"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: feeds.map { ($0["file"] as? String ?? "?", $0) })
    }

    /// Touches by UID (`lead.key.event@followup`, `lead.key.task@followup`).
    static func plan(_ sheet: URL) async throws -> [String: Touch] {
        let result = try await followup(["plan", "--store", sheet.path, "--now", now, "--timezone", "UTC"])
        #expect(result.status == 0, "\(result.stderr)")
        var touches: [String: Touch] = [:]
        for line in result.stdout.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let touch = Touch(
                lead: object["lead"] as? String ?? "", key: object["key"] as? String ?? "", date: object["date"] as? String ?? "",
                time: object["time"] as? String ?? "", overdue: object["overdue"] as? Bool ?? false)
            touches["\(touch.lead).\(touch.key).event@followup"] = touch
            touches["\(touch.lead).\(touch.key).task@followup"] = touch
        }
        return touches
    }

    /// `uids` (in feed order) sorted into cut order; touches of one lead
    /// at one minute keep their feed order.
    static func cutOrder(_ uids: [String], _ touches: [String: Touch]) throws -> [String] {
        let placed = try uids.enumerated().map { (place, uid) in (try #require(touches[uid], "\(uid) is not planned"), place, uid) }
        return placed.sorted { a, b in
            a.0.cutOrder != b.0.cutOrder ? a.0.cutOrder.lexicographicallyPrecedes(b.0.cutOrder) : a.1 < b.1
        }.map(\.2)
    }

    @Test func eachFeedKeepsItsNearestTouchesWithinTheProfilesBudget() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = try Self.sheet(in: folder)
        let whole = folder.appendingPathComponent("generic"), cut = folder.appendingPathComponent("google")
        let base = ["generate", "--store", sheet.path, "--now", Self.now, "--timezone", "UTC"]
        let generic = try await followup(base + ["--out", whole.path])
        #expect(generic.status == 0 && !generic.stderr.contains("budget"), "\(generic.stderr)")
        let google = try await followup(base + ["--out", cut.path, "--profile", "google", "--threads", "2"])
        #expect(google.status == 0, "\(google.stderr)")
        #expect(
            google.stderr.contains("6 of 8 feeds cut to the google profile's budget of 1000 components and 1000000 bytes a feed"),
            "\(google.stderr)")
        let touches = try await Self.plan(sheet)
        let wholeIndex = try Self.index(whole), cutIndex = try Self.index(cut)
        #expect(wholeIndex.values.allSatisfy { $0["cut"] == nil }, "generic keeps everything")
        #expect(Set(wholeIndex.keys) == Set(cutIndex.keys))

        var kept: [String: [String]] = [:]
        for (file, entry) in cutIndex {
            let full = try Feed(whole.appendingPathComponent(file)), feed = try Feed(cut.appendingPathComponent(file))
            kept[file] = feed.uids
            #expect(!feed.uids.isEmpty && !full.uids.isEmpty, "\(file) has one kind of component")
            #expect(feed.bytes <= 1_000_000 && feed.uids.count <= 1000, "\(file): \(feed.bytes) bytes, \(feed.uids.count) components")
            #expect(entry["components"] as? Int == feed.uids.count, "\(file)")
            // Its zones are those its times name, no more.
            #expect(feed.zonesDefined == feed.zonesUsed, "\(file): defines \(feed.zonesDefined.sorted()), uses \(feed.zonesUsed.sorted())")
            // Written in feed order: the whole feed's order, less what is left out.
            let keptSet = Set(feed.uids)
            #expect(full.uids.filter(keptSet.contains) == feed.uids, "\(file) keeps the whole feed's order")
            guard let cutEntry = entry["cut"] as? [String: Any] else {
                #expect(feed.uids == full.uids, "\(file) has no cut and holds everything")
                continue
            }
            #expect(!file.hasPrefix("small-owner"), "\(file) is within the budget and was cut")
            let ordered = try Self.cutOrder(full.uids, touches)
            if !file.hasPrefix("all.") {
                // The nearest touches: a prefix of the whole feed in cut order.
                #expect(Array(ordered.prefix(feed.uids.count)) == ordered.filter(keptSet.contains), "\(file) keeps its nearest touches")
            }
            let leftOut = ordered.filter { !keptSet.contains($0) }
            #expect(cutEntry["left_out"] as? Int == leftOut.count, "\(file)")
            #expect(cutEntry["left_out_overdue"] as? Int == leftOut.filter { touches[$0]!.overdue }.count, "\(file)")
            let first = try #require(cutEntry["first_left_out"] as? [String: Any])
            let nearest = try #require(leftOut.first)
            let touch = try #require(touches[nearest])
            #expect(
                first["date"] as? String == touch.date && first["time"] as? String == touch.time
                    && first["overdue"] as? Bool == touch.overdue && first["lead"] as? String == touch.lead, "\(file): \(first)")
            // Full: either every component the budget allows, or no room for one more.
            let largest = feed.lengths.values.max() ?? 0
            #expect(feed.uids.count == 1000 || feed.bytes + largest > 1_000_000, "\(file): \(feed.bytes) bytes, largest component \(largest)")
            #expect(full.zonesDefined.isSuperset(of: feed.zonesDefined))
        }
        // The far Auckland leads are beyond the busy owner's cut, and so is their zone.
        let busy = try Feed(cut.appendingPathComponent("busy-owner.events.ics"))
        #expect(try Feed(whole.appendingPathComponent("busy-owner.events.ics")).zonesDefined.contains("Pacific/Auckland"))
        #expect(!busy.zonesDefined.contains("Pacific/Auckland") && !busy.uids.contains { $0.hasPrefix("B1009.") })
        // Everyone's feeds are cut from the owners' cut feeds: the nearest of what they keep.
        for kind in ["events", "tasks"] {
            let owners = ["busy-owner", "notes-owner", "small-owner"].flatMap { kept["\($0).\(kind).ics"] ?? [] }
            let all = try #require(kept["all.\(kind).ics"])
            let ordered = try Self.cutOrder(owners, touches)
            #expect(Set(all).isSubset(of: Set(owners)), "all.\(kind).ics holds only what the owners' feeds keep")
            #expect(Array(ordered.prefix(all.count)) == ordered.filter(Set(all).contains), "all.\(kind).ics keeps the nearest")
        }
        // The manifest counts every touch, those left out included.
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: cut.appendingPathComponent("index.json"))) as? [String: Any]
        #expect(manifest?["touchpoints"] as? Int == touches.count / 2)

        // The same feeds, byte for byte, on one thread.
        let single = folder.appendingPathComponent("single")
        #expect(try await followup(base + ["--out", single.path, "--profile", "google", "--threads", "1", "--quiet"]).status == 0)
        #expect(try files(in: single) == files(in: cut))
        for file in try files(in: cut) {
            #expect(try Data(contentsOf: single.appendingPathComponent(file)) == Data(contentsOf: cut.appendingPathComponent(file)), "\(file)")
        }

        // Real consumers read the cut feeds.
        if let gauntlet {
            let result = try await run(
                gauntlet, ["busy-owner.events.ics", "notes-owner.tasks.ics", "all.events.ics"].map { cut.appendingPathComponent($0).path })
            #expect(result.status == 0 && !result.stdout.contains("FAIL"), "\(result.stdout)\n\(result.stderr)")
        }
    }

    /// Digests are cut by day: the nearest days are kept, whole, and the
    /// point where the feed stops is a day with no lead. Owners' clocks in
    /// UTC write digests with no VTIMEZONE at all.
    @Test func digestsAreCutByDay() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = try Self.sheet(in: folder)
        let whole = folder.appendingPathComponent("generic"), cut = folder.appendingPathComponent("google")
        let base = ["generate", "--store", sheet.path, "--now", Self.now, "--timezone", "UTC", "--digest", "--quiet"]
        #expect(try await followup(base + ["--out", whole.path]).status == 0)
        let google = try await followup(base + ["--out", cut.path, "--profile", "google"])
        #expect(google.status == 0, "\(google.stderr)")
        let entry = try #require(try Self.index(cut)["busy-owner.events.ics"])
        let full = try Feed(whole.appendingPathComponent("busy-owner.events.ics"))
        let feed = try Feed(cut.appendingPathComponent("busy-owner.events.ics"))
        #expect(feed.bytes <= 1_000_000 && feed.uids.count <= 1000 && feed.zonesDefined.isEmpty && feed.zonesUsed.isEmpty)
        let cutEntry = try #require(entry["cut"] as? [String: Any], "\(entry)")
        // Digests are one a day, in day order: the kept ones are the first days.
        #expect(!feed.uids.isEmpty && Array(full.uids.prefix(feed.uids.count)) == feed.uids, "\(feed.uids)")
        #expect(cutEntry["left_out"] as? Int == full.uids.count - feed.uids.count)
        let first = try #require(cutEntry["first_left_out"] as? [String: Any])
        #expect(first["lead"] == nil && first["date"] is String, "\(first)")
        let text = try String(contentsOf: whole.appendingPathComponent("busy-owner.events.ics"), encoding: .utf8)
        let nextDay = try #require(full.uids.dropFirst(feed.uids.count).first)
        let block = try #require(text.components(separatedBy: "BEGIN:VEVENT").first { $0.contains("UID:\(nextDay)") })
        let date = (first["date"] as? String ?? "").replacingOccurrences(of: "-", with: "")
        #expect(block.contains("DTSTART:\(date)T"), "the first digest left out is of \(date): \(block.prefix(300))")
    }

    /// `explain` says which of a lead's touches the budget leaves out of
    /// its owner's feeds, from the same cut as `generate`.
    @Test func explainSaysWhichTouchesAreBeyondTheBudget() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = try Self.sheet(in: folder)
        let base = ["--store", sheet.path, "--now", Self.now, "--timezone", "UTC", "--profile", "google"]
        // B1009 is a far lead, first contacted in three weeks; B1040's Day 2–3 is overdue.
        let far = try await followup(["explain", "B1009"] + base)
        #expect(far.status == 0, "\(far.stderr)")
        #expect(far.stdout.contains("--profile google keeps each feed within"), "\(far.stdout)")
        #expect(far.stdout.contains("beyond the google budget: not in Busy Owner's events and tasks feeds yet"), "\(far.stdout)")
        let farRun = try await followup(["explain", "B1009", "--json"] + base)
        let farJSON = try #require(try JSONSerialization.jsonObject(with: Data(farRun.stdout.utf8)) as? [String: Any])
        let farTouches = try #require(farJSON["touchpoints"] as? [[String: Any]])
        #expect(!farTouches.isEmpty && farTouches.allSatisfy { $0["beyond_budget"] as? [String] == ["events", "tasks"] }, "\(farTouches)")
        let budget = try #require(farJSON["budget"] as? [String: Any])
        #expect(budget["profile"] as? String == "google" && budget["components"] as? Int == 1000 && budget["bytes"] as? Int == 1_000_000)

        let nearRun = try await followup(["explain", "B1040", "--json"] + base)
        let near = try #require(try JSONSerialization.jsonObject(with: Data(nearRun.stdout.utf8)) as? [String: Any])
        let nearTouches = try #require(near["touchpoints"] as? [[String: Any]])
        let overdue = try #require(nearTouches.first { $0["overdue"] as? Bool == true }, "\(nearTouches)")
        #expect(overdue["beyond_budget"] as? [String] == [], "\(overdue)")
        // Without a budget nothing is beyond it.
        let generic = try await followup(["explain", "B1009", "--store", sheet.path, "--now", Self.now, "--timezone", "UTC"])
        #expect(generic.status == 0 && !generic.stdout.contains("budget"), "\(generic.stdout)")
    }
}

extension ISO8601DateFormatter {
    /// Days as `YYYY-MM-DD`, in UTC.
    static var day: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter
    }
}
