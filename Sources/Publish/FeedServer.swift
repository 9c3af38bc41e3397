import Foundation
import Feeds
import FileKit
import FollowUp
import Hummingbird
import NIOCore
import NIOPosix
import Logging
import ServiceLifecycle
import Synchronization

/// Serves an output folder's feeds over HTTP, each owner's only behind their
/// token: `/feeds/<token>/<stem>.events.ics` and `.tasks.ics`.
///
/// Every request goes through one handler, so an unknown path, a missing
/// token and a wrong token get the same 404 after the same work: the token
/// is compared with every known token in constant time. Only the exact file
/// names of the token's own feeds are ever opened, so no path (`..`, encoded
/// slashes, absolute paths) can reach another file. The tokens file is read
/// again whenever it changes, so a rotated token stops working at once.
///
/// Nothing blocks the event loop on a feed's size: a request costs one
/// `stat`, and the validators (a content ETag and Last-Modified) come from
/// a cache kept per file and refreshed when its inode, size or
/// modification time changes (a regenerated feed is renamed into place,
/// so it is a new inode), so a 304 never reads the file. A body is opened
/// once and streamed from that descriptor in chunks read on NIO's thread
/// pool, each written only when the client takes it, so one slow reader
/// of a large feed delays nobody else.
public final class FeedServer: Sendable {
    public let folder: String
    public let tokensPath: String
    public let host: String
    public let port: Int
    let log: @Sendable (String) -> Void
    private let tokens = Mutex<TokenSnapshot>(TokenSnapshot())
    private let validatorCache = Mutex<[String: Validators]>([:])
    /// The owners' pages: where they are reached, today, the actions.
    public let pages: PageSettings
    let touchCache = FeedTouchCache()
    let actionTimes = Mutex<[String: [Double]]>([:])

    /// A freshness window that suits calendar polling: clients may reuse a
    /// copy for five minutes, then revalidate with the ETag (a 304 costs
    /// nothing). `private`, because a feed holds personal data.
    public static let cacheControl = "private, max-age=300"

    /// How much of a feed is read from the disk and written at a time.
    static let chunkSize = 128 * 1024

    public init(
        folder: String, tokensPath: String, host: String = "127.0.0.1", port: Int = 8080, pages: PageSettings = PageSettings(),
        log: @escaping @Sendable (String) -> Void
    ) {
        self.pages = pages
        self.folder = folder
        self.tokensPath = tokensPath
        self.host = host
        self.port = port
        self.log = log
    }

    /// Runs until the task is cancelled or the process gets SIGINT/SIGTERM.
    /// - Parameter onRunning: called with the bound port once the server listens.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let responder = CallbackResponder<BasicRequestContext> { [self] request, _ in
            var body = ByteBuffer()
            var tooLarge = false
            if request.method == .post {
                do { body = try await request.body.collect(upTo: Self.formLimit) } catch { tooLarge = true }
            }
            let reply =
                tooLarge
                ? Self.plain(.contentTooLarge, "A form of at most \(Self.formLimit) bytes is expected\n")
                : await self.respond(
                    method: request.method, path: request.uri.path, headers: request.headers, body: String(buffer: body),
                    authority: request.head.authority)
            log("\"\(Self.redacted(request.method.rawValue)) \(Self.redacted(request.uri.path))\" \(reply.status.code) \(reply.bodyCount)")
            return reply.response
        }
        var logger = Logger(label: "followup.serve")
        logger.logLevel = .warning
        let application = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await withTaskCancellationHandler {
            try await group.run()
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }

    /// What the server answers, and how many body bytes that is.
    struct Reply {
        var status: HTTPResponse.Status
        var response: Response
        var bodyCount: Int
    }

    /// The whole of the serving logic, apart from the socket.
    func respond(method: HTTPRequest.Method, path: String, headers: HTTPFields, body: String = "", authority: String? = nil) async -> Reply {
        let notFoundBody = ByteBuffer(string: "Not found\n")
        let notFound = Reply(
            status: .notFound,
            response: Response(
                status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: notFoundBody)),
            bodyCount: notFoundBody.readableBytes)
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 3, parts[0].isEmpty, parts[1] == "static", method == .get || method == .head {
            switch parts[2] {
            case "followup.css": return Self.asset(OwnerPages.css, type: "text/css; charset=utf-8", head: method == .head)
            case "copy.js": return Self.asset(OwnerPages.script, type: "text/javascript; charset=utf-8", head: method == .head)
            default: return notFound
            }
        }
        // "", "feeds", token, file — or "", "feeds", token, "" (the page),
        // or "", "feeds", token, "t", uid (a touch's action page).
        let token = (4...5).contains(parts.count) && parts[0].isEmpty && parts[1] == "feeds" ? String(parts[2]) : ""
        let snapshot = currentTokens()
        guard let (stem, formToken) = snapshot.entry(for: token) else { return notFound }
        if parts.count == 4, parts[3].isEmpty, method == .get || method == .head {
            return await ownerPage(stem: stem, token: token, authority: authority, head: method == .head)
        }
        if parts.count == 5, parts[3] == "t", let uid = String(parts[4]).removingPercentEncoding, !uid.isEmpty {
            let page = PageRequest(
                stem: stem, token: token, formToken: formToken, uid: FeedTouch.taskUID(for: uid), authority: authority)
            switch method {
            case .get, .head: return await actionPage(page, head: method == .head)
            case .post: return await action(page, headers: headers, body: body)
            default: return notFound
            }
        }
        guard method == .get || method == .head, parts.count == 4 else { return notFound }
        let file = String(parts[3])
        guard file == "\(stem).events.ics" || file == "\(stem).tasks.ics" else { return notFound }
        let path = (folder as NSString).appendingPathComponent(file)

        // The validators of the file as it is now (one stat, and the cache):
        // a 304 and a HEAD never open it.
        guard let identity = FileIdentity(regularFileAt: path),
            var current = await validators(of: path, identity: identity)
        else { return notFound }
        var fields = Self.fields(current)
        if Self.isNotModified(current, headers: headers) {
            return Reply(status: .notModified, response: Response(status: .notModified, headers: fields), bodyCount: 0)
        }
        guard method == .get else {
            fields[.contentLength] = String(current.identity.size)
            return Reply(status: .ok, response: Response(status: .ok, headers: fields, body: ResponseBody()), bodyCount: 0)
        }
        // The body is read from one descriptor; if the file was replaced
        // since the stat, the validators sent are the opened version's.
        guard let body = await OpenFeed.open(path) else { return notFound }
        if body.identity != current.identity {
            guard let opened = await validators(of: body) else { return notFound }
            current = opened
            fields = Self.fields(current)
        }
        let size = current.identity.size
        fields[.contentLength] = String(size)
        let stream = ResponseBody(contentLength: size) { writer in
            var offset = 0
            while offset < size {
                let chunk = try await body.read(at: offset, count: min(Self.chunkSize, size - offset))
                if chunk.readableBytes == 0 { break }
                offset += chunk.readableBytes
                try await writer.write(chunk)
            }
            try await writer.finish(nil)
        }
        return Reply(status: .ok, response: Response(status: .ok, headers: fields, body: stream), bodyCount: size)
    }

    private static func fields(_ validators: Validators) -> HTTPFields {
        [
            .contentType: "text/calendar; charset=utf-8",
            .eTag: validators.etag,
            .lastModified: validators.lastModified,
            .cacheControl: cacheControl,
        ]
    }

    /// Whether the client's copy is current: `If-None-Match` by the weak
    /// comparison RFC 9110 prescribes for it (`W/"x"` matches `"x"`), else
    /// `If-Modified-Since`.
    static func isNotModified(_ validators: Validators, headers: HTTPFields) -> Bool {
        if let match = headers[values: .ifNoneMatch].joined(separator: ",").nilIfEmpty {
            let ours = opaque(validators.etag)
            return match.split(separator: ",").contains { tag in
                let tag = tag.trimmingCharacters(in: .whitespaces)
                return tag == "*" || opaque(tag) == ours
            }
        }
        if let since = headers[.ifModifiedSince].flatMap(parseHTTPDate) {
            return validators.modified.timeIntervalSince1970.rounded(.down) <= since.timeIntervalSince1970
        }
        return false
    }

    /// An entity tag without its weakness mark.
    private static func opaque<S: StringProtocol>(_ tag: S) -> Substring {
        let text = Substring(tag)
        return text.hasPrefix("W/") ? text.dropFirst(2) : text
    }

    // MARK: - Validators

    /// A file's validators, as the cache keeps them.
    struct Validators: Sendable {
        var identity: FileIdentity
        var etag: String
        var modified: Date
        var lastModified: String
    }

    /// The validators of an opened feed: from the cache when its identity
    /// is the one cached, else its content digested (on the thread pool).
    private func validators(of feed: OpenFeed) async -> Validators? {
        if let cached = validatorCache.withLock({ $0[feed.path] }), cached.identity == feed.identity { return cached }
        guard let digest = try? await feed.digest() else { return nil }
        return remember(feed.path, feed.identity, digest)
    }

    private func validators(of path: String, identity: FileIdentity) async -> Validators? {
        if let cached = validatorCache.withLock({ $0[path] }), cached.identity == identity { return cached }
        guard let opened = await OpenFeed.open(path) else { return nil }
        return await validators(of: opened)
    }

    private func remember(_ path: String, _ identity: FileIdentity, _ digest: String) -> Validators {
        let modified = Date(timeIntervalSince1970: TimeInterval(identity.seconds))
        let entry = Validators(identity: identity, etag: "\"\(digest)\"", modified: modified, lastModified: Self.httpDate(modified))
        validatorCache.withLock { $0[path] = entry }
        return entry
    }

    // MARK: - Tokens

    struct TokenSnapshot: Sendable {
        /// nil while there is no tokens file. A tokens file saved again is a
        /// new file (renamed into place): the inode tells, even within the
        /// file system's timestamp granularity.
        var identity: FileIdentity?
        var byToken: [(token: [UInt8], stem: String, form: String?)] = []

        /// The stem whose token this is, comparing with every token, each in
        /// constant time, so the time taken says nothing about the secret.
        func stem(for token: String) -> String? { entry(for: token)?.stem }

        /// The stem and its form token.
        func entry(for token: String) -> (stem: String, form: String?)? {
            let candidate = Array(token.utf8)
            var found: (String, String?)?
            for entry in byToken where Self.constantTimeEqual(entry.token, candidate) && found == nil {
                found = (entry.stem, entry.form)
            }
            return found
        }

        static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
            var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
            for index in 0..<max(a.count, b.count) {
                difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
            }
            return difference == 0
        }
    }

    private func currentTokens() -> TokenSnapshot {
        let identity = FileIdentity(anyFileAt: tokensPath)
        return tokens.withLock { snapshot in
            if identity != snapshot.identity {
                let file = (try? TokenFile.load(tokensPath)) ?? TokenFile()
                snapshot = TokenSnapshot(
                    identity: identity,
                    byToken: file.tokens.sorted { $0.key < $1.key }.map { (Array($0.value.utf8), $0.key, file.formToken($0.key)) })
            }
            return snapshot
        }
    }

    // MARK: - Files

    /// A strong validator from the content: 128 bits of `InputDigest` (not
    /// a cryptographic hash, and not meant as one: it only tells versions
    /// of one feed apart) and the length.
    static func contentDigest(_ digest: InputDigest, length: Int) -> String {
        digest.hex + "-" + String(length, radix: 16)
    }

    /// The path as the access log shows it: anything that could be a
    /// token taken out, wherever it stands (`//feeds/T/x.ics`,
    /// `/cal/feeds/T/x.ics` behind a prefixing proxy, `/T/x.ics`,
    /// `/feeds/x/T`, `T` percent-encoded), so the log never holds a live
    /// link. A token is 43 characters of URL-safe base64: every run of 16
    /// or more such characters (percent escapes included) is cut, except a
    /// feed's own file name (`alice-martin.events.ics`). Control
    /// characters are escaped, so a request cannot forge log lines.
    static func redacted(_ path: String) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return segments.map { segment -> String in
            if isFeedFileName(segment) { return String(segment) }
            var result = ""
            var run = ""
            func flush() {
                result += run.count >= 16 ? "<token>" : run
                run = ""
            }
            for scalar in segment.unicodeScalars {
                if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_" || scalar == "%" {
                    run.unicodeScalars.append(scalar)
                } else {
                    flush()
                    if scalar.value < 0x20 || scalar.value == 0x7F || !scalar.isASCII {
                        result += "\\x" + String(scalar.value, radix: 16)
                    } else {
                        result.unicodeScalars.append(scalar)
                    }
                }
            }
            flush()
            return result
        }.joined(separator: "/")
    }

    /// `<slug>.events.ics` or `<slug>.tasks.ics`, the slug as `generate`
    /// makes them: lower-case letters, digits and hyphens.
    private static func isFeedFileName(_ segment: Substring) -> Bool {
        let stem: Substring
        if segment.hasSuffix(".events.ics") {
            stem = segment.dropLast(11)
        } else if segment.hasSuffix(".tasks.ics") {
            stem = segment.dropLast(10)
        } else {
            return false
        }
        return !stem.isEmpty && stem.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    private static let httpDateFormat: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter
    }()

    static func httpDate(_ date: Date) -> String { httpDateFormat.string(from: date) }

    static func parseHTTPDate(_ text: String) -> Date? { httpDateFormat.date(from: text) }
}

/// A feed opened for one response: its descriptor, closed when the last
/// reference goes (the response sent, or dropped unsent), and what it was
/// when opened. Reads run on NIO's thread pool, never on the event loop.
final class OpenFeed: Sendable {
    let file: ReadOnlyFile
    var path: String { file.path }
    var identity: FileIdentity { file.identity }

    private init(_ file: ReadOnlyFile) { self.file = file }

    /// Opens a regular file (on the thread pool); nil when there is none.
    static func open(_ path: String) async -> OpenFeed? {
        try? await NIOThreadPool.singleton.runIfActive { ReadOnlyFile(path).map(OpenFeed.init) }
    }

    /// Up to `count` bytes from `offset`.
    func read(at offset: Int, count: Int) async throws -> ByteBuffer {
        try await NIOThreadPool.singleton.runIfActive { [file] in
            var buffer = ByteBuffer()
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
                file.read(at: offset, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]))
            }
            return buffer
        }
    }

    /// The content digest, the whole file read once.
    func digest() async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { [file] in
            var digest = InputDigest()
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            var offset = 0
            while true {
                let count = buffer.withUnsafeMutableBytes { file.read(at: offset, into: $0) }
                if count <= 0 { break }
                buffer.withUnsafeBytes { digest.add(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                offset += count
            }
            return FeedServer.contentDigest(digest, length: max(offset, file.identity.size))
        }
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
