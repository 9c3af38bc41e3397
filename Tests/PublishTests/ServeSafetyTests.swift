import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
@testable import Publish
import Synchronization
import Testing

/// What the access log shows, and how the server holds up with large feeds.
@Suite(.serialized) struct ServeSafetyTests {
    static let token = "Zq3_xY-81bKpW0mNvA2sDfGhJkLzXcVbNm4QwErTyUi"

    @Test(arguments: [
        "/feeds/\(token)/me.events.ics", "//feeds/\(token)/x.ics", "/feeds//\(token)/x.ics", "/cal/feeds/\(token)/x.ics",
        "/\(token)/x.ics", "/feeds/x/\(token)", "/\(token)", "/feeds/\(token).ics", "/feeds/\(token)%2Fx.ics",
        "/feeds/\(String(token.prefix(20)))", "/a/b/c/\(token)?q=1", "/feeds/prefix\(token)suffix/me.tasks.ics",
        "/feeds/%5A%71%33\(token.dropFirst(3))/me.events.ics", "/feeds/\(token)\u{1B}[2J/x",
    ])
    func theAccessLogNeverHoldsAToken(_ path: String) {
        let line = FeedServer.redacted(path)
        #expect(!line.contains(Self.token.prefix(16)))
        #expect(!line.contains(Self.token.suffix(16)))
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 }, "no control character reaches the log")
        #expect(line.contains("<token>"))
    }

    @Test func aFeedsOwnNameStaysReadableInTheLog() {
        #expect(
            FeedServer.redacted("/feeds/\(Self.token)/zoe-odegaard-and-partners-gmbh.events.ics")
                == "/feeds/<token>/zoe-odegaard-and-partners-gmbh.events.ics")
        #expect(FeedServer.redacted("/favicon.ico") == "/favicon.ico")
    }

    @Test func everyTokenIsRedactedFromTheRealAccessLog() async throws {
        let lines = Mutex<[String]>([])
        let server = try await RunningServer(log: { line in lines.withLock { $0.append(line) } })
        let token = try server.token("me")
        for path in [
            "/feeds/\(token)/me.events.ics", "//feeds/\(token)/me.events.ics", "/feeds//\(token)/me.events.ics",
            "/cal/feeds/\(token)/me.events.ics", "/\(token)/me.events.ics", "/feeds/x/\(token)", "/feeds/\(token)",
        ] {
            _ = try server.raw(path)
        }
        await server.stop()
        let log = lines.withLock { $0 }.joined(separator: "\n")
        #expect(lines.withLock { $0.count } == 7)
        #expect(!log.contains(token) && !log.contains(token.prefix(16)) && !log.contains(token.suffix(16)))
    }

    @Test func aWeakEntityTagMatchesAndValidatorsComeFromTheCache() async throws {
        let server = try await RunningServer()
        let token = try server.token("me")
        let path = "/feeds/\(token)/me.events.ics"
        let (status, headers, body) = try await server.fetch(path)
        #expect(status == 200)
        let etag = try #require(headers["etag"])
        #expect(try await server.fetch(path, headers: ["If-None-Match": "W/\(etag)"]).0 == 304)
        #expect(try await server.fetch(path, headers: ["If-None-Match": "\"other\", W/\(etag)"]).0 == 304)
        #expect(try await server.fetch(path, headers: ["If-None-Match": "W/\"other\""]).0 == 200)
        // The same inode, size and modification time: the cached validators
        // stand (the file is not read again to answer).
        let file = server.folder.appendingPathComponent("me.events.ics").path
        var before = stat()
        stat(file, &before)
        var changed = Array(body)
        changed[changed.count - 3] ^= 0x20
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.write(contentsOf: Data(changed))
        try handle.close()
        var times = [before.st_atim, before.st_mtim]
        utimensat(AT_FDCWD, file, &times, 0)
        #expect(try await server.fetch(path, headers: ["If-None-Match": etag]).0 == 304)
        // A regenerated feed is a new file: new validators at once.
        let replacement = file + ".new"
        try Data(changed).write(to: URL(fileURLWithPath: replacement))
        rename(replacement, file)
        let (again, newHeaders, newBody) = try await server.fetch(path, headers: ["If-None-Match": etag])
        await server.stop()
        #expect(again == 200 && newHeaders["etag"] != etag && Array(newBody) == changed)
    }

    @Test func smallRequestsAreAnsweredWhileLargeFeedsStreamToStalledReaders() async throws {
        let server = try await RunningServer()
        let token = try server.token("me"), other = try server.token("alice")
        // A 40 MB feed, and clients that ask for it and then read nothing.
        let big = server.folder.appendingPathComponent("me.events.ics").path
        let line = Array("X-FILLER:0123456789012345678901234567890123456789012345678901234567890123456789\r\n".utf8)
        var bytes = Array("BEGIN:VCALENDAR\r\n".utf8)
        bytes.reserveCapacity(40 << 20)
        while bytes.count < 40 << 20 { bytes += line }
        bytes += Array("END:VCALENDAR\r\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: big))
        var stalled: [Int32] = []
        for _ in 0..<4 { stalled.append(try server.open("/feeds/\(token)/me.events.ics")) }
        defer { for descriptor in stalled { close(descriptor) } }
        try await Task.sleep(for: .milliseconds(200))
        // Meanwhile other feeds and 404s are answered. A liveness check, not
        // a timing (Benchmarks/serve measures those): a server whose event
        // loop waited on the stalled readers would answer none of them. The
        // time-out is generous because the whole suite shares two cores.
        for _ in 0..<5 {
            #expect(try await server.fetch("/feeds/\(other)/alice.tasks.ics", timeout: 60).0 == 200)
            #expect(try await server.fetch("/nothing", timeout: 60).0 == 404)
        }
        // And a reader that does read gets the whole large feed.
        let (status, _, body) = try await server.fetch("/feeds/\(token)/me.events.ics", timeout: 60)
        await server.stop()
        #expect(status == 200 && body.count == bytes.count && Array(body) == bytes)
    }
}
