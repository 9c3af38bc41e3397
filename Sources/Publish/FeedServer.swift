#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Hummingbird
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
/// slashes, absolute paths) can reach another file. Files are read on each
/// request, so regenerated feeds are served at once; the tokens file is read
/// again whenever it changes, so a rotated token stops working at once.
public final class FeedServer: Sendable {
    public let folder: String
    public let tokensPath: String
    public let host: String
    public let port: Int
    private let log: @Sendable (String) -> Void
    private let tokens = Mutex<TokenSnapshot>(TokenSnapshot())

    /// A freshness window that suits calendar polling: clients may reuse a
    /// copy for five minutes, then revalidate with the ETag (a 304 costs
    /// nothing). `private`, because a feed holds personal data.
    public static let cacheControl = "private, max-age=300"

    public init(folder: String, tokensPath: String, host: String = "127.0.0.1", port: Int = 8080,
                log: @escaping @Sendable (String) -> Void) {
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
            let reply = self.respond(method: request.method, path: request.uri.path, headers: request.headers)
            log("\"\(request.method) \(Self.redacted(request.uri.path))\" \(reply.status.code) \(reply.body.count)")
            return Response(status: reply.status, headers: reply.headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
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

    /// What the server answers: status, headers and body.
    public struct Reply: Sendable {
        public var status: HTTPResponse.Status
        public var headers: HTTPFields
        public var body: [UInt8]
    }

    /// The whole of the serving logic, apart from the socket.
    public func respond(method: HTTPRequest.Method, path: String, headers: HTTPFields) -> Reply {
        let notFound = Reply(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"], body: Array("Not found\n".utf8))
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        // "", "feeds", token, file
        let token = parts.count == 4 && parts[0].isEmpty && parts[1] == "feeds" ? String(parts[2]) : ""
        let stem = currentTokens().stem(for: token)
        guard method == .get || method == .head, let stem, parts.count == 4 else { return notFound }
        let file = String(parts[3])
        guard file == "\(stem).events.ics" || file == "\(stem).tasks.ics" else { return notFound }
        guard let feed = Self.read((folder as NSString).appendingPathComponent(file)) else { return notFound }

        let etag = "\"\(feed.digest)\""
        var fields: HTTPFields = [
            .contentType: "text/calendar; charset=utf-8",
            .eTag: etag,
            .lastModified: Self.httpDate(feed.modified),
            .cacheControl: Self.cacheControl,
        ]
        let notModified: Bool
        if let match = headers[.ifNoneMatch] {
            notModified = match.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == etag || $0.trimmingCharacters(in: .whitespaces) == "*" }
        } else if let since = headers[.ifModifiedSince].flatMap(Self.parseHTTPDate) {
            notModified = feed.modified.timeIntervalSince1970.rounded(.down) <= since.timeIntervalSince1970
        } else {
            notModified = false
        }
        if notModified { return Reply(status: .notModified, headers: fields, body: []) }
        fields[.contentLength] = String(feed.bytes.count)
        return Reply(status: .ok, headers: fields, body: method == .head ? [] : feed.bytes)
    }

    // MARK: - Tokens

    struct TokenSnapshot: Sendable {
        var modified: timespec = timespec()
        var size: off_t = -1
        /// A tokens file saved again is a new file (renamed into place): the
        /// inode tells, even within the file system's timestamp granularity.
        var inode: ino_t = 0
        var byToken: [(token: [UInt8], stem: String)] = []

        /// The stem whose token this is, comparing with every token, each in
        /// constant time, so the time taken says nothing about the secret.
        func stem(for token: String) -> String? {
            let candidate = Array(token.utf8)
            var found: String?
            for entry in byToken where Self.constantTimeEqual(entry.token, candidate) && found == nil {
                found = entry.stem
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
        var status = stat()
        let exists = stat(tokensPath, &status) == 0
        return tokens.withLock { snapshot in
            let modified = exists ? status.st_mtim : timespec()
            let size = exists ? status.st_size : -1
            let inode = exists ? status.st_ino : 0
            if modified.tv_sec != snapshot.modified.tv_sec || modified.tv_nsec != snapshot.modified.tv_nsec
                || size != snapshot.size || inode != snapshot.inode {
                let file = (try? TokenFile.load(tokensPath)) ?? TokenFile()
                snapshot = TokenSnapshot(modified: modified, size: size, inode: inode,
                                         byToken: file.tokens.sorted { $0.key < $1.key }.map { (Array($0.value.utf8), $0.key) })
            }
            return snapshot
        }
    }

    // MARK: - Files

    struct Feed {
        var bytes: [UInt8]
        var modified: Date
        var digest: String
    }

    /// Reads a whole feed: `generate` renames new files into place, so an
    /// open file is always one whole version.
    static func read(_ path: String) -> Feed? {
        guard let data = FileManager.default.contents(atPath: path),
              let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let modified = attributes[.modificationDate] as? Date else { return nil }
        let bytes = Array(data)
        return Feed(bytes: bytes, modified: modified, digest: contentDigest(bytes))
    }

    /// A strong validator from the content: two 64-bit FNV-1a hashes (of the
    /// bytes and of the bytes backwards) and the length. Not a cryptographic
    /// hash, and not meant as one: it only tells versions of one feed apart.
    static func contentDigest(_ bytes: [UInt8]) -> String {
        var forward: UInt64 = 0xcbf2_9ce4_8422_2325, backward: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { forward = (forward ^ UInt64(byte)) &* 0x100_0000_01b3 }
        for byte in bytes.reversed() { backward = (backward ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(forward, radix: 16) + String(backward, radix: 16) + "-" + String(bytes.count, radix: 16)
    }

    /// The path with its token replaced, for the access log.
    static func redacted(_ path: String) -> String {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.count >= 3, parts[1] == "feeds" { parts[2] = "<token>" }
        return parts.joined(separator: "/")
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
