import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Testing

@Suite(.serialized) struct ServeTests {
    @Test func thePrintedLinkServesTheOwnersFeedAndTokensRotate() async throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try await followup(demoArguments + ["--out", out.path, "--quiet"]).status == 0)

        // Start the server on a free port and read the port it reports.
        let log = out.appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = followupBinary
        process.arguments = ["serve", "--dir", out.path, "--port", "0"]
        process.standardError = try FileHandle(forWritingTo: log)
        let child = try Child(process)
        defer { if process.isRunning { process.terminate() } }
        var port: Int?
        for _ in 0..<300 where port == nil {
            try await Task.sleep(for: .milliseconds(50))
            let text = try String(contentsOf: log, encoding: .utf8)
            if let range = text.range(of: #"http://127\.0\.0\.1:(\d+)/"#, options: .regularExpression) {
                port = Int(text[range].split(separator: ":").last!.dropLast())
            }
        }
        let listening = try #require(port, "the server reported its port")

        let printed = try await followup(["serve", "--dir", out.path, "--print-urls", "--base-url", "http://127.0.0.1:\(listening)"])
        #expect(printed.status == 0)
        let lines = printed.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains("Zoë Ødegaard:"))
        let link = try #require(lines.first { $0.hasPrefix("events: ") && $0.hasSuffix("/zoe-odegaard.events.ics") }?.dropFirst("events: ".count))
        #expect(lines.contains { $0 == "events (webcal): " + link.replacingOccurrences(of: "http://", with: "webcal://") })

        let (data, response) = try await URLSession.shared.data(from: URL(string: String(link))!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(data == (try Data(contentsOf: out.appendingPathComponent("zoe-odegaard.events.ics"))))

        let listed = try await followup(["token", "list", "--dir", out.path])
        #expect(listed.stdout.contains("zoe-odegaard\tZoë Ødegaard\t"))
        let rotated = try await followup(["token", "rotate", "zoë ødegaard", "--dir", out.path])
        #expect(rotated.status == 0)
        let (_, stale) = try await URLSession.shared.data(from: URL(string: String(link))!)
        #expect((stale as? HTTPURLResponse)?.statusCode == 404, "a rotated link stops working at once")
        #expect(try await followup(["token", "revoke", "nobody", "--dir", out.path]).status == 1)
        // A rotation with the public address prints links to subscribe with, which answer at once, with no redirect.
        let again = try await followup(["token", "rotate", "Zoë Ødegaard", "--dir", out.path, "--base-url", "http://127.0.0.1:\(listening)/"])
        let given = again.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let fresh = try #require(given.first { $0.hasPrefix("events: http://") }.map { String($0.dropFirst("events: ".count)) }, "\(again.stdout)")
        #expect(given.contains("events (webcal): " + fresh.replacingOccurrences(of: "http://", with: "webcal://")), "\(again.stdout)")
        #expect(!fresh.contains("//feeds"), "\(fresh)")
        // The folder of the links is the owner's page.
        for (url, status) in [(fresh, 200), (fresh + "/", 404), (String(fresh.dropLast("zoe-odegaard.events.ics".count)), 200)] {
            let (_, answer) = try await URLSession.shared.data(from: URL(string: url)!)
            #expect((answer as? HTTPURLResponse)?.statusCode == status && answer.url?.absoluteString == url, "\(url): no redirect")
        }

        let access = try String(contentsOf: log, encoding: .utf8)
        #expect(access.contains("\"GET /feeds/<token>/zoe-odegaard.events.ics\" 200"))
        let token = String(link.split(separator: "/").dropLast().last!)
        #expect(!access.contains(token), "no token in the access log")

        process.terminate()
        _ = await child.exited()
        #expect(process.terminationReason == .exit || process.terminationReason == .uncaughtSignal)
    }

    @Test func serveRegeneratesOnItsTimer() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sheet = folder.appendingPathComponent("leads.csv"), out = folder.appendingPathComponent("out")
        try "id,name,status\nA1,Ann,new\n".write(to: sheet, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = followupBinary
        // generate's own options, which each regeneration's job is run with.
        process.arguments = [
            "serve", "--dir", out.path, "--port", "0", "--regenerate-every", "1s", "--store", sheet.path,
            "--now", "2026-12-01", "--timezone", "UTC", "--profile", "google",
        ]
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let feed = out.appendingPathComponent("all.events.ics")
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: feed.path) { try await Task.sleep(for: .milliseconds(50)) }
        let first = try String(contentsOf: feed, encoding: .utf8)
        #expect(first.contains("UID:A1.day0.event@followup"), "generated before serving")
        #expect(first.contains("DTSTART:20261201T093000Z"), "--now and --timezone reach the job")
        #expect(!first.contains("BEGIN:VALARM"), "--profile google leaves alarms out")
        try "id,name,status\nA1,Ann,new\nB2,Bo,new\n".write(to: sheet, atomically: true, encoding: .utf8)
        var regenerated = false
        for _ in 0..<100 where !regenerated {
            try await Task.sleep(for: .milliseconds(100))
            regenerated = (try? String(contentsOf: feed, encoding: .utf8))?.contains("UID:B2.day0.event@followup") == true
        }
        #expect(regenerated, "the timer ran generate again")
    }

    @Test func serveNeedsItsArguments() async throws {
        #expect(try await followup(["serve", "--dir", "/tmp", "--print-urls"]).status == 64)
        #expect(try await followup(["serve", "--dir", "/tmp", "--regenerate-every", "soon", "--store", "x.csv"]).status == 64)
        #expect(try await followup(["serve", "--dir", "/tmp", "--regenerate-every", "15m"]).status == 64)
        let missing = try await followup(["token", "list", "--dir", "/nonexistent/feeds"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("index.json"))
    }
}
