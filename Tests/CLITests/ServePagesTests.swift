import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Testing

/// `followup serve` with a SQLite store, as an owner uses it: the owner's
/// page, a touch's page and its buttons, through a real HTTP client on
/// loopback, then the store and the feeds read back.
@Suite(.serialized) struct ServePagesTests {
    /// A demo store, its feeds, and a server on a free port.
    final class Served: @unchecked Sendable {
        let folder: URL
        let store: URL
        let out: URL
        let process = Process()
        let child: Child
        let port: Int

        init(storeKind: String = "sqlite", extra: [String] = [], generating: [String] = []) async throws {
            folder = try temporaryFolder()
            out = folder.appendingPathComponent("feeds")
            let sheet = packageRoot.appendingPathComponent("Fixtures/demo/leads.csv")
            if storeKind == "sqlite" {
                store = folder.appendingPathComponent("team.sqlite")
                #expect(try await followup(["init", store.path]).status == 0)
                #expect(try await followup(["import", sheet.path, "--store", store.path, "--now", "2026-12-02"]).status == 0)
            } else {
                store = sheet
            }
            #expect(try await followup(["generate", "--store", store.path, "--out", out.path, "--now", "2026-12-02", "--quiet"] + generating).status == 0)
            let log = folder.appendingPathComponent("serve.log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.executableURL = followupBinary
            process.arguments = ["serve", "--dir", out.path, "--port", "0", "--store", store.path, "--now", "2026-12-02"] + extra
            process.standardError = try FileHandle(forWritingTo: log)
            child = try Child(process)
            var port: Int?
            for _ in 0..<400 where port == nil {
                try await Task.sleep(for: .milliseconds(50))
                let text = try String(contentsOf: log, encoding: .utf8)
                if let range = text.range(of: #"http://127\.0\.0\.1:(\d+)/"#, options: .regularExpression) {
                    port = Int(text[range].split(separator: ":").last!.dropLast())
                }
            }
            self.port = try #require(port, "the server reported its port")
        }

        var log: String { (try? String(contentsOf: folder.appendingPathComponent("serve.log"), encoding: .utf8)) ?? "" }

        func tokens() throws -> (feeds: [String: String], forms: [String: String]) {
            let data = try Data(contentsOf: out.appendingPathComponent(".followup-tokens.json"))
            let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            return (json["tokens"] as! [String: String], json["forms"] as! [String: String])
        }

        func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)\(path)")! }

        func feed(_ name: String) throws -> String { try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8) }

        func stop() async {
            if process.isRunning { process.terminate() }
            _ = await child.exited()
            try? FileManager.default.removeItem(at: folder)
        }
    }

    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    static func get(_ url: URL) async throws -> Answer {
        let (data, response) = try await URLSession.shared.data(from: url)
        return answer(data, response)
    }

    static func post(_ url: URL, _ fields: [String: String], headers: [String: String] = [:]) async throws -> Answer {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = Data(form(fields).utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        return answer(data, response)
    }

    static func form(_ fields: [String: String]) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
    }

    static func answer(_ data: Data, _ response: URLResponse) -> Answer {
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headers[String(describing: name).lowercased()] = String(describing: value) }
        return Answer(status: http.statusCode, headers: headers, body: String(decoding: data, as: UTF8.self))
    }

    /// The hidden request id of an action page's forms.
    static func requestID(_ page: String) -> String? {
        guard let range = page.range(of: #"name="request" value="[A-Za-z0-9_-]+""#, options: .regularExpression) else { return nil }
        return String(page[range].dropFirst(#"name="request" value=""#.count).dropLast())
    }

    static func history(_ lead: String, _ served: Served) async throws -> String {
        try await followup(["show", lead, "--store", served.store.path, "--now", "2026-12-02"]).stdout
    }

    @Test func theOwnersPageListsTheirWeekAndHowToSubscribe() async throws {
        let served = try await Served(extra: ["--base-url", "https://cal.example.com/"])
        defer { Task { await served.stop() } }
        let (tokens, _) = try served.tokens()
        let alice = try #require(tokens["alice-martin"])
        let page = try await Self.get(served.url("/feeds/\(alice)/"))
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.headers["cache-control"] == "private, no-store")
        #expect(page.headers["referrer-policy"] == "no-referrer")
        #expect(page.headers["x-content-type-options"] == "nosniff")
        let policy = page.headers["content-security-policy"] ?? ""
        #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"))
        #expect(page.body.contains("<h1>Follow-ups for Alice Martin</h1>"))
        // Every touch of her tasks feed due by the end of the week is on the page, overdue first; no one else's.
        let tasks = try served.feed("alice-martin.tasks.ics")
        #expect(tasks.contains("UID:L032.day2-3.task@followup"))
        #expect(page.body.contains("href=\"t/L032.day2-3.task@followup\""))
        #expect(page.body.range(of: "<h2>Overdue</h2>")!.lowerBound < page.body.range(of: "<h2>This week</h2>")!.lowerBound)
        #expect(!page.body.contains("Bo Zhang"), "another owner's lead")
        #expect(page.body.contains("O&#39;Brien &amp; Sons"), "values are escaped")
        // Subscribe links, at the public address.
        let events = "https://cal.example.com/feeds/\(alice)/alice-martin.events.ics"
        let webcal = "webcal://cal.example.com/feeds/\(alice)/alice-martin.events.ics"
        let encoded = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))! }
        #expect(page.body.contains("https://calendar.google.com/calendar/r?cid=\(encoded(webcal))"))
        #expect(page.body.contains("https://outlook.live.com/calendar/0/addfromweb?url=\(encoded(events))&amp;name="))
        #expect(page.body.contains("href=\"\(webcal)\""))
        #expect(page.body.contains("value=\"\(events)\""))
        #expect(page.body.contains("<svg") && page.body.contains("aria-label=\"QR code of \(webcal)\""))
        // The page's own files.
        let css = try await Self.get(served.url("/static/followup.css"))
        #expect(css.status == 200 && css.headers["content-type"]?.hasPrefix("text/css") == true)
        #expect(try await Self.get(served.url("/static/copy.js")).body.contains("clipboard"))

        // Everyone's page is read-only: the touches, no buttons.
        let all = try await Self.get(served.url("/feeds/\(try #require(tokens["all"]))/"))
        #expect(all.status == 200 && all.body.contains("Everyone"))
        #expect(!all.body.contains("Done, replied, not now"))
        // No page without a token, or with another's.
        for path in ["/feeds/", "/feeds/nope/", "/feeds/\(alice.dropLast())/", "/feeds/alice-martin/", "/feeds/\(alice)/t/"] {
            #expect(try await Self.get(served.url(path)).status == 404, "\(path)")
        }
        // --print-urls gives each owner's page.
        let printed = try await followup(["serve", "--dir", served.out.path, "--print-urls", "--base-url", "https://cal.example.com"])
        #expect(printed.stdout.contains("  page: https://cal.example.com/feeds/\(alice)/\n"), "\(printed.stdout)")
        // A rotated token's page is gone at once.
        #expect(try await followup(["token", "rotate", "Alice Martin", "--dir", served.out.path]).status == 0)
        #expect(try await Self.get(served.url("/feeds/\(alice)/")).status == 404)
        #expect(!served.log.contains(alice), "no token in the log")
    }

    @Test func doneLogsTheStepOnceAndUndoPutsItBack() async throws {
        let served = try await Served()
        defer { Task { await served.stop() } }
        let (tokens, forms) = try served.tokens()
        let alice = try #require(tokens["alice-martin"]), csrf = try #require(forms["alice-martin"])
        let touch = served.url("/feeds/\(alice)/t/L032.day2-3.task@followup")
        let before = try await Self.history("L032", served)
        let feedBefore = try served.feed("alice-martin.tasks.ics")

        // A GET (a calendar app, a link previewer) changes nothing.
        let page = try await Self.get(touch)
        #expect(page.status == 200 && page.body.contains("<button name=\"action\" value=\"done\""))
        #expect(page.headers["cache-control"] == "private, no-store")
        _ = try await Self.get(served.url("/feeds/\(alice)/t/L032.day2-3.event@followup"))
        #expect(try await Self.history("L032", served) == before)
        #expect(try served.feed("alice-martin.tasks.ics") == feedBefore)
        let request = try #require(Self.requestID(page.body))

        // Refused: no form token, a wrong one, another owner's, a form from another site, JSON.
        let bo = try #require(forms["bo-zhang"])
        for (fields, headers, status) in [
            (["request": request, "action": "done"], [String: String](), 403),
            (["csrf": "x" + csrf, "request": request, "action": "done"], [:], 403),
            (["csrf": bo, "request": request, "action": "done"], [:], 403),
            (["csrf": csrf, "request": request, "action": "done"], ["Sec-Fetch-Site": "cross-site"], 403),
            (["csrf": csrf, "request": request, "action": "done"], ["Origin": "https://evil.example"], 403),
            (["csrf": csrf, "request": request, "action": "explode"], [:], 400),
            (["csrf": csrf, "action": "done"], [:], 400),
        ] {
            #expect(try await Self.post(touch, fields, headers: headers).status == status, "\(fields) \(headers)")
        }
        var json = URLRequest(url: touch)
        json.httpMethod = "POST"
        json.setValue("application/json", forHTTPHeaderField: "Content-Type")
        json.httpBody = Data(#"{"action":"done"}"#.utf8)
        let (_, jsonResponse) = try await URLSession.shared.data(for: json)
        #expect((jsonResponse as! HTTPURLResponse).statusCode == 415)
        #expect(try await Self.history("L032", served) == before, "nothing refused changed the store")

        // Done: the step is logged, as `log --step` would, and her feeds are written again.
        let done = try await Self.post(touch, ["csrf": csrf, "request": request, "action": "done"], headers: ["Origin": "http://127.0.0.1:\(served.port)"])
        #expect(done.status == 200)
        #expect(done.body.contains("log L032: your email on 2026-12-02 (day2-3)"))
        let after = try await Self.history("L032", served)
        #expect(after.contains("2026-12-02  your email (day2-3)"))
        #expect(!(try served.feed("alice-martin.tasks.ics")).contains("UID:L032.day2-3.task@followup"), "regenerated at once")
        #expect(!(try served.feed("all.tasks.ics")).contains("UID:L032.day2-3.task@followup"))
        #expect(try served.feed("alice-martin.tasks.ics").contains("UID:L032.day7-10.task@followup"), "the cadence moved on")

        // The same form again (a reload, a replay): nothing more is logged.
        let again = try await Self.post(touch, ["csrf": csrf, "request": request, "action": "done"])
        #expect(again.status == 200 && again.body.contains("Done already"))
        let replied = try await Self.post(touch, ["csrf": csrf, "request": request, "action": "replied"])
        #expect(replied.body.contains("Done already"))
        #expect(try await Self.history("L032", served) == after)

        // Undo: the lead as it was, and the touch planned again.
        let undo = try #require(Self.hidden("undo", in: done.body))
        let undone = try await Self.post(touch, ["csrf": csrf, "undo": undo, "action": "undo"])
        #expect(undone.status == 200 && undone.body.contains("Undone: log L032"))
        #expect(try await Self.history("L032", served) == before)
        #expect(try served.feed("alice-martin.tasks.ics").contains("UID:L032.day2-3.task@followup"))
        let twice = try await Self.post(touch, ["csrf": csrf, "undo": undo, "action": "undo"])
        #expect(twice.body.contains("undone already"))
        #expect(try await Self.history("L032", served) == before)
        #expect(served.log.contains("action done on L032 (alice-martin)"))
        #expect(!served.log.contains(alice) && !served.log.contains(csrf), "no token in the log")
    }

    static func hidden(_ name: String, in page: String) -> String? {
        guard let range = page.range(of: "name=\"\(name)\" value=\"[A-Za-z0-9_-]+\"", options: .regularExpression) else { return nil }
        return String(page[range].dropFirst("name=\"\(name)\" value=\"".count).dropLast())
    }

    @Test func repliedSnoozeAndNoEachDoWhatTheCommandWould() async throws {
        let served = try await Served()
        defer { Task { await served.stop() } }
        let (tokens, forms) = try served.tokens()
        let alice = try #require(tokens["alice-martin"]), csrf = try #require(forms["alice-martin"])
        func act(_ uid: String, _ fields: [String: String]) async throws -> Answer {
            let url = served.url("/feeds/\(alice)/t/\(uid)")
            let request = try #require(Self.requestID(try await Self.get(url).body), "\(uid) has an action page")
            return try await Self.post(url, fields.merging(["csrf": csrf, "request": request]) { a, _ in a })
        }
        // They replied: an incoming touch, the cadence stops.
        let replied = try await act("L032.day2-3.task@followup", ["action": "replied"])
        #expect(replied.status == 200, "\(replied.body)")
        #expect(try await Self.history("L032", served).contains("their reply by email"))
        #expect(!(try served.feed("alice-martin.tasks.ics")).contains("UID:L032.day7-10.task@followup"))

        // Not now, until a day picked; a day not after today is refused.
        let tasks = try served.feed("alice-martin.tasks.ics")
        let uids = tasks.split(separator: "\r\n").filter { $0.hasPrefix("UID:") }.map { String($0.dropFirst(4)) }
        let cadence = try #require(uids.first { $0.hasPrefix("L004.") })
        let past = try await act(cadence, ["action": "snooze", "until": "date", "date": "2026-12-01"])
        #expect(past.status == 422 && past.body.contains("after today"))
        let bad = try await act(cadence, ["action": "snooze", "until": "date", "date": "next tuesday"])
        #expect(bad.status == 400)
        let snoozed = try await act(cadence, ["action": "snooze", "until": "date", "date": "2027-02-15"])
        #expect(snoozed.status == 200 && snoozed.body.contains("snooze L004 until 2027-02-15"), "\(snoozed.body)")
        #expect(try await Self.history("L004", served).contains("2027-02-15"))
        #expect(try served.feed("alice-martin.tasks.ics").contains("UID:L004.check-back.task@followup"), "checked back on the day")

        // No: closed, nothing more planned.
        let other = try #require(
            try served.feed("alice-martin.tasks.ics").split(separator: "\r\n").filter { $0.hasPrefix("UID:") }.map { String($0.dropFirst(4)) }
                .first { !$0.hasPrefix("L004.") && !$0.hasPrefix("L032.") })
        let lead = String(other.prefix { $0 != "." })
        let closed = try await act(other, ["action": "no"])
        #expect(closed.status == 200 && closed.body.contains("close \(lead) as closed"), "\(closed.body)")
        #expect(!(try served.feed("alice-martin.tasks.ics")).contains("UID:\(lead)."))
        // `followup undo` knows what the pages did.
        let list = try await followup(["undo", "--list", "--store", served.store.path])
        #expect(list.stdout.contains("close \(lead) as closed") && list.stdout.contains("snooze L004 until 2027-02-15"))
    }

    @Test func concurrentActionsOnOneLeadAreAllKept() async throws {
        let served = try await Served()
        defer { Task { await served.stop() } }
        let (tokens, forms) = try served.tokens()
        let alice = try #require(tokens["alice-martin"]), csrf = try #require(forms["alice-martin"])
        let url = served.url("/feeds/\(alice)/t/L032.day2-3.task@followup")
        // Two pages of one touch (two tabs, two people), each sending twice at once.
        let first = try #require(Self.requestID(try await Self.get(url).body))
        let second = try #require(Self.requestID(try await Self.get(url).body))
        #expect(first != second)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for (request, action) in [(first, "done"), (first, "done"), (second, "replied"), (second, "replied")] {
                group.addTask { try await Self.post(url, ["csrf": csrf, "request": request, "action": action]).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
        let history = try await Self.history("L032", served)
        #expect(history.components(separatedBy: "your email (day2-3)").count - 1 == 1, "\(history)")
        #expect(history.components(separatedBy: "their reply by email").count - 1 == 1, "\(history)")
    }

    @Test func hostileRequestsAreRefusedAndChangeNothing() async throws {
        let served = try await Served()
        defer { Task { await served.stop() } }
        let (tokens, forms) = try served.tokens()
        let alice = try #require(tokens["alice-martin"]), csrf = try #require(forms["alice-martin"])
        let url = served.url("/feeds/\(alice)/t/L032.day2-3.task@followup")
        let request = try #require(Self.requestID(try await Self.get(url).body))
        let before = try await Self.history("L032", served)
        // A huge body, a malformed form, a touch that is not planned, hostile UIDs, the `all` token.
        var huge = URLRequest(url: url)
        huge.httpMethod = "POST"
        huge.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        huge.httpBody = Data(("csrf=\(csrf)&request=\(request)&action=done&note=" + String(repeating: "A", count: 5_000_000)).utf8)
        let (_, hugeResponse) = try await URLSession.shared.data(for: huge)
        #expect((hugeResponse as! HTTPURLResponse).statusCode == 413)
        var broken = URLRequest(url: url)
        broken.httpMethod = "POST"
        broken.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        broken.httpBody = Data("csrf=%ZZ&&&request[=1&action=%00done".utf8)
        let (_, brokenResponse) = try await URLSession.shared.data(for: broken)
        #expect([400, 403].contains((brokenResponse as! HTTPURLResponse).statusCode))
        for uid in [
            "L999.day0.task@followup", "..%2F..%2Fetc%2Fpasswd", "%00", "L032.day2-3.task@followup%0d%0aX-Injected:%201", String(repeating: "A", count: 4000),
        ] {
            let page = try await Self.get(served.url("/feeds/\(alice)/t/\(uid)"))
            #expect(page.status == 404, "\(uid.prefix(40))")
            let posted = try await Self.post(served.url("/feeds/\(alice)/t/\(uid)"), ["csrf": csrf, "request": request, "action": "no"])
            #expect(posted.status == 404, "\(uid.prefix(40))")
            #expect(posted.headers["x-injected"] == nil)
        }
        let all = try #require(tokens["all"])
        let readOnly = try await Self.post(
            served.url("/feeds/\(all)/t/L032.day2-3.task@followup"), ["csrf": csrf, "request": request, "action": "done"])
        #expect(readOnly.status == 403)
        let allPage = try await Self.get(served.url("/feeds/\(all)/t/L032.day2-3.task@followup"))
        #expect(allPage.status == 200 && !allPage.body.contains("<button name=\"action\""))
        #expect(try await Self.history("L032", served) == before)
        // A link may take only so many actions a minute.
        var limited = false
        for index in 0..<40 where !limited {
            let answer = try await Self.post(url, ["csrf": csrf, "request": "flood\(index)-aaaaaaaaaaaaaaaa", "action": "bogus"])
            limited = answer.status == 429
        }
        #expect(limited, "the 31st action in a minute is refused")
    }

    /// A feed's component with `uid`, unfolded, as property name (with its
    /// parameters) and value; nil when the feed has none.
    static func component(_ uid: String, in feed: String) -> [String: String]? {
        let unfolded = feed.replacingOccurrences(of: "\r\n ", with: "")
        for block in unfolded.components(separatedBy: "BEGIN:").dropFirst() where block.contains("\r\nUID:\(uid)\r\n") {
            var properties: [String: String] = [:]
            for line in block.components(separatedBy: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                properties[String(line[..<colon]).components(separatedBy: ";")[0], default: ""] += String(line[line.index(after: colon)...])
            }
            return properties
        }
        return nil
    }

    /// The links `generate --base-url` writes into every event and task
    /// open the touch's page on this server, as a person clicks them in a
    /// calendar; the feeds written again after an action keep them, and
    /// everyone's feed links only to read-only pages.
    @Test func theLinksInTheFeedsOpenEachTouchsPage() async throws {
        let base = "https://cal.example.com"
        let served = try await Served(extra: ["--base-url", base], generating: ["--base-url", base])
        defer { Task { await served.stop() } }
        let (tokens, forms) = try served.tokens()
        let alice = try #require(tokens["alice-martin"]), all = try #require(tokens["all"]), csrf = try #require(forms["alice-martin"])
        let local = { (link: String) in served.url(String(link.dropFirst(base.count))) }

        for (uid, file) in [("L032.day2-3.task@followup", "alice-martin.tasks.ics"), ("L032.day2-3.event@followup", "alice-martin.events.ics")] {
            let component = try #require(Self.component(uid, in: try served.feed(file)), "\(uid) in \(file)")
            let link = "\(base)/feeds/\(alice)/t/\(uid)"
            #expect(component["URL"] == link)
            #expect(component["DESCRIPTION"]?.hasSuffix("\\n\\nDone\\, replied\\, not now: \(link)") == true, "\(component["DESCRIPTION"] ?? "")")
            let page = try await Self.get(local(link))
            #expect(page.status == 200 && page.body.contains("<button name=\"action\" value=\"done\""), "\(uid)")
            #expect(!page.body.contains("not now: https://"), "the line of links is not shown as part of the draft")
        }
        // Every component of every owner's feeds has its link, with that owner's token.
        for (stem, token) in tokens where stem != "all" {
            for kind in ["events", "tasks"] {
                let feed = try served.feed("\(stem).\(kind).ics").replacingOccurrences(of: "\r\n ", with: "")
                let count = feed.components(separatedBy: kind == "events" ? "BEGIN:VEVENT" : "BEGIN:VTODO").count - 1
                #expect(feed.components(separatedBy: "\r\nURL:\(base)/feeds/\(token)/t/").count - 1 == count, "\(stem).\(kind)")
                for (other, otherToken) in tokens where other != stem { #expect(!feed.contains(otherToken), "\(other)'s token in \(stem).\(kind)") }
            }
        }

        // Done from the link: the feeds written again still link, the next step included.
        let task = "\(base)/feeds/\(alice)/t/L032.day2-3.task@followup"
        let request = try #require(Self.requestID(try await Self.get(local(task)).body))
        let done = try await Self.post(local(task), ["csrf": csrf, "request": request, "action": "done"])
        #expect(done.status == 200 && done.body.contains("log L032"))
        let next = try #require(Self.component("L032.day7-10.task@followup", in: try served.feed("alice-martin.tasks.ics")))
        #expect(next["URL"] == "\(base)/feeds/\(alice)/t/L032.day7-10.task@followup")

        // Everyone's feed: the same touch, linked with everyone's token, to a page without buttons.
        let everyone = try served.feed("all.tasks.ics")
        for (stem, token) in tokens where stem != "all" { #expect(!everyone.replacingOccurrences(of: "\r\n ", with: "").contains(token), "\(stem)'s token") }
        let shared = try #require(Self.component("L032.day7-10.task@followup", in: everyone))
        let readOnly = "\(base)/feeds/\(all)/t/L032.day7-10.task@followup"
        #expect(shared["URL"] == readOnly)
        let page = try await Self.get(local(readOnly))
        #expect(page.status == 200 && !page.body.contains("<button name=\"action\""))
        let before = try await Self.history("L032", served)
        let nextPage = try await Self.get(local(try #require(next["URL"])))
        let refused = try await Self.post(local(readOnly), ["csrf": csrf, "request": try #require(Self.requestID(nextPage.body)), "action": "done"])
        #expect(refused.status == 403)
        #expect(try await Self.history("L032", served) == before)
        // The components are what an owner's feed has, but for the token.
        let mine = try #require(Self.component("L032.day7-10.task@followup", in: try served.feed("alice-martin.tasks.ics")))
        #expect(shared.mapValues { $0.replacingOccurrences(of: all, with: alice) } == mine)
    }

    /// A store that is not there stops `serve` at once, saying how to make one.
    @Test func aStoreThatIsNotThereIsAnErrorAtStart() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("feeds"), missing = folder.appendingPathComponent("tema.sqlite")
        let sheet = packageRoot.appendingPathComponent("Fixtures/demo/leads.csv")
        #expect(try await followup(["generate", "--store", sheet.path, "--out", out.path, "--now", "2026-12-02", "--quiet"]).status == 0)
        let served = try await followup(["serve", "--dir", out.path, "--port", "0", "--store", missing.path])
        #expect(served.status == 1)
        #expect(served.stderr.contains("\(missing.path): no such lead store; `followup init \(missing.path)` makes one"), "\(served.stderr)")
        #expect(!FileManager.default.fileExists(atPath: missing.path), "nothing is made in its place")
        let missingSheet = folder.appendingPathComponent("leeds.csv")
        let sheetServed = try await followup(["serve", "--dir", out.path, "--port", "0", "--store", missingSheet.path])
        #expect(sheetServed.status == 1)
        #expect(sheetServed.stderr.contains("\(missingSheet.path): no such lead sheet"), "\(sheetServed.stderr)")
    }

    @Test func aLeadSheetServesPagesButRefusesActions() async throws {
        let served = try await Served(storeKind: "csv")
        defer { Task { await served.stop() } }
        let (tokens, forms) = try served.tokens()
        let alice = try #require(tokens["alice-martin"]), csrf = try #require(forms["alice-martin"])
        let page = try await Self.get(served.url("/feeds/\(alice)/"))
        #expect(page.status == 200 && page.body.contains("Actions need a SQLite store") && page.body.contains("followup import leads.csv"))
        let url = served.url("/feeds/\(alice)/t/L032.day2-3.task@followup")
        let touch = try await Self.get(url)
        #expect(touch.status == 200 && !touch.body.contains("<button name=\"action\""))
        let refused = try await Self.post(url, ["csrf": csrf, "request": "aaaaaaaaaaaaaaaaaaaa", "action": "done"])
        #expect(refused.status == 409 && refused.body.contains("SQLite store"))
    }
}

/// The owner's page in a real browser: headless Chromium driven by
/// Selenium (Tests/Browser/owner_page.py, in the venv install-deps makes).
/// Screenshots at phone and desktop widths are kept in
/// .build/test-artifacts/browser/.
@Suite(.serialized) struct BrowserTests {
    @Test func anOwnerSubscribesScansAndClicksDoneInChromium() async throws {
        let python = packageRoot.appendingPathComponent(".build/browser-venv/bin/python")
        try #require(
            FileManager.default.isExecutableFile(atPath: python.path) && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"),
            "the browser test needs Chromium and Selenium: run scripts/install-deps")
        let served = try await ServePagesTests.Served()
        defer { Task { await served.stop() } }
        let (tokens, _) = try served.tokens()
        let alice = try #require(tokens["alice-martin"])
        let artifacts = packageRoot.appendingPathComponent(".build/test-artifacts/browser")
        let page = "http://127.0.0.1:\(served.port)/feeds/\(alice)/"
        let result = try await run(python, [packageRoot.appendingPathComponent("Tests/Browser/owner_page.py").path, page, artifacts.path])
        #expect(result.status == 0, "\(result.stderr)")
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        #expect(seen["title"] as? String == "Follow-ups for Alice Martin")
        #expect((seen["phoneScrollWidth"] as? Int ?? 9999) <= 390, "nothing wider than a phone")
        let events = "http://127.0.0.1:\(served.port)/feeds/\(alice)/alice-martin.events.ics"
        let webcal = "webcal://127.0.0.1:\(served.port)/feeds/\(alice)/alice-martin.events.ics"
        #expect(seen["eventsURL"] as? String == events)
        #expect(seen["qr"] as? String == webcal, "the QR code scans back to the webcal link")
        let links = seen["links"] as? [String: String] ?? [:]
        #expect(links["Apple Calendar"] == webcal)
        #expect(links["Google Calendar"]?.hasPrefix("https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2F127.0.0.1") == true)
        #expect(links["Outlook.com"]?.hasPrefix("https://outlook.live.com/calendar/0/addfromweb?url=http%3A%2F%2F127.0.0.1") == true)
        #expect(seen["copied"] as? String == "Copied", "the copy button's script runs under the page's policy")
        #expect((seen["console"] as? [String])?.isEmpty == true, "no errors in the console (a CSP violation would be one): \(seen["console"] ?? "")")
        #expect((seen["message"] as? String)?.contains("The feeds are written again") == true, "\(seen["message"] ?? "")")
        #expect(seen["undo"] as? Int == 1)
        // What was clicked is in the store, and out of the regenerated feed.
        let touch = try #require((seen["touch"] as? String)?.components(separatedBy: "/t/").last?.removingPercentEncoding)
        let lead = String(touch.prefix { $0 != "." })
        let shown = try await followup(["show", lead, "--store", served.store.path, "--now", "2026-12-02"])
        #expect(shown.stdout.contains("2026-12-02  your "), "\(shown.stdout)")
        #expect(!(try served.feed("alice-martin.tasks.ics")).contains("UID:\(touch)"))
        for name in ["owner-page-phone.png", "owner-page-desktop.png", "touch-page-phone.png", "done-phone.png"] {
            #expect(FileManager.default.fileExists(atPath: artifacts.appendingPathComponent(name).path), "\(name) kept")
        }
    }
}
