import Feeds
import Generation
import LeadStore
import FollowUp
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import ICal
import Publish
import Testing

func day(_ text: String) -> LocalDate { LocalDate(iso: text)! }

let leads = [
    Lead(id: "L1", name: "Ann Lee", company: "Acme", owner: "me", timeZone: "Europe/Berlin", status: .new, notes: "Secret notes"),
    Lead(id: "L2", name: "Bo", owner: "Alice", timeZone: "Asia/Tokyo", status: .active, firstContact: day("2026-11-20")),
]

/// Writes feeds for `leads` at `now` into `folder`.
func writeFeeds(into folder: URL, now: String = "2026-12-01") throws {
    let planner = try Planner(defaultTimeZone: "UTC", now: .date(day(now)))
    var options = GenerateOptions()
    options.followsClock = false
    _ = try GenerateJob(store: LeadList(leads), planner: planner, options: options, out: folder.path).run()
}

/// A real server on a free loopback port, over a folder of real feeds.
final class RunningServer: @unchecked Sendable {
    let folder: URL
    let tokensPath: String
    let port: Int
    private let task: Task<Void, Error>

    init(log: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("followup-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try writeFeeds(into: folder)
        tokensPath = folder.appendingPathComponent(".followup-tokens.json").path
        var tokens = TokenFile()
        tokens.ensure(try FeedFolder.stems(in: folder.path).map(\.stem))
        try tokens.save(tokensPath)
        let server = FeedServer(folder: folder.path, tokensPath: tokensPath, host: "127.0.0.1", port: 0, log: log)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        task = Task { try await server.run { port in continuation.yield(port) } }
        var iterator = ports.makeAsyncIterator()
        port = await iterator.next() ?? 0
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
        try? FileManager.default.removeItem(at: folder)
    }

    func token(_ stem: String) throws -> String {
        try #require(TokenFile.load(tokensPath).tokens[stem])
    }

    func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)\(path)")! }

    /// A request through URLSession, a real HTTP client.
    func fetch(_ path: String, method: String = "GET", headers: [String: String] = [:], timeout: TimeInterval = 60) async throws -> (
        Int, [String: String], Data
    ) {
        var request = URLRequest(url: url(path))
        request.timeoutInterval = timeout
        request.httpMethod = method
        request.cachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields[String(describing: name).lowercased()] = String(describing: value) }
        return (http.statusCode, fields, data)
    }

    /// A connection that has sent a request for `path` and reads nothing: a stalled client.
    func open(_ path: String) throws -> Int32 {
        let descriptor = try connected()
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        return descriptor
    }

    private func connected() throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        return descriptor
    }

    /// A request written byte for byte on a socket, for paths a URL client would normalise.
    func raw(_ path: String) throws -> (Int, String) {
        let descriptor = try connected()
        defer { close(descriptor) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return (status, body)
    }
}

@Suite(.serialized) struct FeedServerTests {
    @Test func aFeedIsServedWithCalendarHeaders() async throws {
        let server = try await RunningServer()
        let token = try server.token("me")
        let (status, headers, body) = try await server.fetch("/feeds/\(token)/me.events.ics", headers: ["Accept-Encoding": "gzip, deflate"])
        await server.stop()
        #expect(status == 200)
        #expect(headers["content-type"] == "text/calendar; charset=utf-8")
        #expect(headers["etag"]?.hasPrefix("\"") == true && headers["etag"]?.hasSuffix("\"") == true)
        #expect(headers["last-modified"]?.hasSuffix(" GMT") == true)
        #expect(headers["cache-control"] == FeedServer.cacheControl)
        #expect(headers["content-encoding"] == nil, "no compression: Outlook fails on gzip feeds")
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.hasPrefix("BEGIN:VCALENDAR\r\n") && text.hasSuffix("END:VCALENDAR\r\n"))
        #expect(try ICalParser.parse(text).first?.parseErrors.isEmpty == true)
        #expect(text.contains("Ann Lee") && !text.contains("UID:L2."), "only the owner's own touches")
    }

    @Test func headAndConditionalRequests() async throws {
        let server = try await RunningServer()
        let token = try server.token("alice")
        let path = "/feeds/\(token)/alice.tasks.ics"
        let size = try Data(contentsOf: server.folder.appendingPathComponent("alice.tasks.ics")).count
        let (headStatus, headHeaders, headBody) = try await server.fetch(path, method: "HEAD")
        #expect(headStatus == 200)
        #expect(headBody.isEmpty)
        #expect(headHeaders["content-length"] == String(size))
        let etag = try #require(headHeaders["etag"]), modified = try #require(headHeaders["last-modified"])

        #expect(try await server.fetch(path, headers: ["If-None-Match": etag]).0 == 304)
        #expect(try await server.fetch(path, headers: ["If-None-Match": "\"other\", \(etag)"]).0 == 304)
        #expect(try await server.fetch(path, headers: ["If-None-Match": "\"other\""]).0 == 200)
        #expect(try await server.fetch(path, headers: ["If-Modified-Since": modified]).0 == 304)
        #expect(try await server.fetch(path, headers: ["If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"]).0 == 200)
        await server.stop()
    }

    @Test func everyWrongRequestGetsTheSameNotFound() async throws {
        let server = try await RunningServer()
        let mine = try server.token("me")
        let paths = [
            "/", "/feeds", "/feeds/", "/feeds/\(mine)", "/me.events.ics", "/feeds/me/", "/feeds/\(mine)x/", "/feeds/\(mine)/t/",
            "/feeds/\(mine)/t/a/b", "/static/", "/static/x.js", "/feeds/me/me.events.ics",
            "/feeds/\(String(mine.dropLast()))/me.events.ics", "/feeds/\(mine)x/me.events.ics", "/feeds//me.events.ics",
            "/feeds/\(mine)/alice.events.ics", "/feeds/\(mine)/index.json", "/feeds/\(mine)/.followup-tokens.json",
            "/index.json", "/.followup-tokens.json", "/feeds/\(mine)/me.events.ics/extra",
        ]
        var answers = Set<String>()
        for path in paths {
            let (status, _, body) = try await server.fetch(path)
            #expect(status == 404, "\(path)")
            answers.insert(String(decoding: body, as: UTF8.self))
        }
        #expect(try await server.fetch("/feeds/\(mine)/me.events.ics", method: "POST").0 == 404)
        #expect(answers == ["Not found\n"], "one answer for every wrong request")
        // With the right token, a touch no longer planned says so (still 404).
        let (status, _, body) = try await server.fetch("/feeds/\(mine)/t/nope.day0.task@followup")
        #expect(status == 404 && String(decoding: body, as: UTF8.self).contains("no longer planned"))
        await server.stop()
    }

    @Test func pathTraversalNeverLeavesTheFolder() async throws {
        let server = try await RunningServer()
        let mine = try server.token("me")
        let attempts = [
            "/feeds/\(mine)/../index.json", "/feeds/\(mine)/..%2Findex.json", "/feeds/\(mine)/%2e%2e%2f.followup-tokens.json",
            "/feeds/\(mine)/..%2F..%2F..%2Fetc%2Fpasswd", "//etc/passwd", "/feeds/\(mine)//etc/passwd",
            "/feeds/\(mine)/me.events.ics/../../.followup-tokens.json", "/feeds/../../../../etc/passwd",
            "/feeds/\(mine)/%2Fetc%2Fpasswd", "/feeds/\(mine)/me.events.ics%00.json",
        ]
        for path in attempts {
            let (status, body) = try server.raw(path)
            #expect(status == 404 || status == 400, "\(path) gave \(status)")
            #expect(!body.contains(mine) && !body.contains("root:") && !body.contains("\"feeds\""), "\(path)")
        }
        await server.stop()
    }

    @Test func aRotatedTokenStopsWorkingAtOnce() async throws {
        let server = try await RunningServer()
        let old = try server.token("me")
        #expect(try await server.fetch("/feeds/\(old)/me.events.ics").0 == 200)
        var tokens = try TokenFile.load(server.tokensPath)
        let new = tokens.rotate("me")
        try tokens.save(server.tokensPath)
        #expect(new != old && new.count == 43)
        #expect(try await server.fetch("/feeds/\(old)/me.events.ics").0 == 404)
        #expect(try await server.fetch("/feeds/\(new)/me.events.ics").0 == 200)
        tokens.revoke("me")
        try tokens.save(server.tokensPath)
        #expect(try await server.fetch("/feeds/\(new)/me.events.ics").0 == 404)
        #expect(try await server.fetch("/feeds/\(server.token("alice"))/alice.events.ics").0 == 200, "others are untouched")
        await server.stop()
    }

    @Test func aHundredClientsReadWholeFeedsWhileGenerateRewritesThem() async throws {
        let server = try await RunningServer()
        let token = try server.token("all")
        let folder = server.folder
        let writer = Task.detached {
            for round in 0..<30 {
                try writeFeeds(into: folder, now: round % 2 == 0 ? "2026-12-02" : "2026-12-09")
            }
        }
        let bodies = try await withThrowingTaskGroup(of: (Int, Data).self) { group in
            for index in 0..<100 {
                group.addTask {
                    let (status, _, body) = try await server.fetch("/feeds/\(token)/all.\(index % 2 == 0 ? "events" : "tasks").ics")
                    return (status, body)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        try await writer.value
        await server.stop()
        #expect(bodies.count == 100)
        for (status, body) in bodies {
            #expect(status == 200)
            let text = String(decoding: body, as: UTF8.self)
            #expect(text.hasPrefix("BEGIN:VCALENDAR\r\n") && text.hasSuffix("END:VCALENDAR\r\n"), "a whole feed")
            #expect(try ICalParser.parse(text).first?.parseErrors.isEmpty == true)
        }
    }

    @Test func tokensAreLongRandomAndOwnerOnly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("followup-tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokens = (0..<200).map { _ in TokenFile.newToken() }
        #expect(Set(tokens).count == 200)
        #expect(tokens.allSatisfy { $0.count == 43 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } })
        var file = TokenFile()
        file.ensure(["me", "all"])
        let path = folder.appendingPathComponent("tokens.json").path
        try file.save(path)
        let mode = try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        #expect(try TokenFile.load(path) == file)
        file.revoke("me")
        let changed = file.ensure(["me"])
        #expect(!changed, "a revoked owner gets no new token by itself")
    }
}
