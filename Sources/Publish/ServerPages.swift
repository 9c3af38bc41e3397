import FollowUp
import FileKit
import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import Synchronization

/// What the owners' pages need beyond the feeds' folder.
public struct PageSettings: Sendable {
    /// The public address the feeds are reached at (no trailing slash),
    /// for the subscribe links; nil: the request's own Host, over http.
    public var baseURL: String?
    /// Today, for the page's "today" and "this week".
    public var today: @Sendable () -> LocalDate
    /// The actions, or why there are none.
    public var actions: TouchActions
    /// How many actions one link may take a minute.
    public var actionsPerMinute = 30

    public init(
        baseURL: String? = nil, today: @escaping @Sendable () -> LocalDate = { PageSettings.clockToday() },
        actions: TouchActions = .refused("This server was started without a store: start `followup serve` with --store leads.sqlite to act from here.")
    ) {
        self.baseURL = baseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.today = today
        self.actions = actions
    }

    /// Today on this machine's clock, in its zone.
    public static func clockToday() -> LocalDate {
        let parts = Calendar.current.dateComponents([.year, .month, .day], from: Date())
        return LocalDate(year: parts.year!, month: parts.month!, day: parts.day!)!
    }
}

/// A request for a touch's page.
struct PageRequest {
    var stem: String
    var token: String
    var formToken: String?
    var uid: String
    var authority: String?
}

/// The form of an action page's buttons. Decoded by Hummingbird's
/// URL-encoded form decoder; every field is optional so that a form with a
/// part missing gets a message, not a decoding error.
struct ActionForm: Decodable {
    var csrf: String?
    var request: String?
    var action: String?
    var until: String?
    var date: String?
    var undo: String?
}

typealias FieldName = HTTPFields.Element.Name

extension FeedServer {
    /// The most a form's body may hold.
    static let formLimit = 16 * 1024

    static func plain(_ status: HTTPResponse.Status, _ text: String, fields extra: HTTPFields = [:]) -> Reply {
        let body = ByteBuffer(string: text)
        var fields: HTTPFields = [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"]
        fields.append(contentsOf: extra)
        return Reply(status: status, response: Response(status: status, headers: fields, body: ResponseBody(byteBuffer: body)), bodyCount: body.readableBytes)
    }

    /// The pages' headers: no script or style but the server's own files,
    /// no framing, no referrer (the token is in the URL), never cached.
    static let pageFields: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "private, no-store",
        .contentSecurityPolicy:
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        FieldName("X-Content-Type-Options")!: "nosniff",
        FieldName("Referrer-Policy")!: "no-referrer",
        FieldName("X-Frame-Options")!: "DENY",
    ]

    static func html(_ status: HTTPResponse.Status, _ page: String, head: Bool = false) -> Reply {
        let body = ByteBuffer(string: page)
        var fields = pageFields
        fields[.contentLength] = String(body.readableBytes)
        return Reply(
            status: status, response: Response(status: status, headers: fields, body: head ? ResponseBody() : ResponseBody(byteBuffer: body)),
            bodyCount: head ? 0 : body.readableBytes)
    }

    static func asset(_ text: String, type: String, head: Bool) -> Reply {
        let body = ByteBuffer(string: text)
        let fields: HTTPFields = [
            .contentType: type, .cacheControl: "public, max-age=3600", .contentLength: String(body.readableBytes),
            FieldName("X-Content-Type-Options")!: "nosniff",
        ]
        return Reply(
            status: .ok, response: Response(status: .ok, headers: fields, body: head ? ResponseBody() : ResponseBody(byteBuffer: body)),
            bodyCount: head ? 0 : body.readableBytes)
    }

    /// Who a stem's page is for.
    private func owner(_ stem: String, token: String, authority: String?) -> OwnerPages.Owner {
        let name = (try? FeedFolder.stems(in: folder))?.first { $0.stem == stem }.flatMap { $0.owner ?? nil }
        let base = pages.baseURL ?? "http://\(authority ?? "\(host):\(port)")"
        return OwnerPages.Owner(stem: stem, name: stem == "all" ? nil : (name ?? stem), feedsURL: "\(base)/feeds/\(token)/")
    }

    /// The touches of a stem's tasks feed, read off the event loop.
    private func touches(_ stem: String) async -> [FeedTouch]? {
        let path = (folder as NSString).appendingPathComponent("\(stem).tasks.ics")
        let cache = touchCache
        return try? await NIOThreadPool.singleton.runIfActive { cache.touches(at: path) } ?? nil
    }

    private var actionsNote: String? { pages.actions.store == nil ? pages.actions.unavailable : nil }

    func ownerPage(stem: String, token: String, authority: String?, head: Bool) async -> Reply {
        let owner = owner(stem, token: token, authority: authority)
        if let size = FileIdentity(regularFileAt: (folder as NSString).appendingPathComponent("\(stem).tasks.ics"))?.size, size > FeedTouchCache.largest {
            return Self.html(
                .ok,
                OwnerPages.ownerPage(
                    owner, touches: [], today: pages.today(),
                    actionsNote: "This feed is too large to list here (\(size / 1_000_000) MB); subscribe to it below, or see `followup agenda`."),
                head: head)
        }
        guard let touches = await touches(stem) else {
            return Self.html(.ok, OwnerPages.notice(title: owner.title, message: "The feeds are being written; try again in a moment.", back: nil), head: head)
        }
        return Self.html(
            .ok, OwnerPages.ownerPage(owner, touches: touches, today: pages.today(), actionsNote: owner.readOnly ? nil : actionsNote), head: head)
    }

    private func touch(_ page: PageRequest) async -> FeedTouch? {
        await touches(page.stem)?.first { $0.uid == page.uid }
    }

    private func gone(_ page: PageRequest, owner: OwnerPages.Owner, message: String? = nil) -> Reply {
        Self.html(
            .notFound,
            OwnerPages.notice(
                title: "This follow-up is no longer planned",
                message: message ?? "It was done, moved or closed since the link was made: the page of your follow-ups has what is planned now.",
                back: "../"))
    }

    func actionPage(_ page: PageRequest, head: Bool) async -> Reply {
        let owner = owner(page.stem, token: page.token, authority: page.authority)
        guard let touch = await touch(page) else { return gone(page, owner: owner) }
        return Self.html(
            .ok,
            OwnerPages.actionPage(
                owner, touch: touch, today: pages.today(), formToken: owner.readOnly ? nil : page.formToken, request: TokenFile.newToken(),
                actionsNote: owner.readOnly ? nil : actionsNote),
            head: head)
    }

    /// What a form sent again (a reload, a replay) is told: what the first did.
    static func doneAlready(_ summary: String) -> String {
        "Done already from this page: \(summary). Nothing was changed again."
    }

    /// A button of an action page: checked (read-only link, form token,
    /// the browser's own word on where the form came from, rate), then
    /// done in the store and the feeds written again, off the event loop.
    func action(_ page: PageRequest, headers: HTTPFields, body: String) async -> Reply {
        let owner = owner(page.stem, token: page.token, authority: page.authority)
        if owner.readOnly { return Self.plain(.forbidden, "Everyone's link is read-only: act from the owner's own link.\n") }
        guard headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return Self.plain(.unsupportedMediaType, "An action is a form (application/x-www-form-urlencoded)\n")
        }
        // Browsers say where a form was sent from: a form on another site
        // is refused even with the right fields.
        if let site = headers[FieldName("Sec-Fetch-Site")!], site != "same-origin", site != "none" {
            return Self.plain(.forbidden, "Refused: the form was not sent from this site's page (Sec-Fetch-Site: \(Self.redacted(site)))\n")
        }
        // `Origin: null` is what a browser sends from a page whose
        // Referrer-Policy is no-referrer (these pages'): Sec-Fetch-Site
        // and the form token decide then.
        if let origin = headers[.origin], origin != "null", !Self.sameOrigin(origin, authority: page.authority, base: pages.baseURL) {
            return Self.plain(.forbidden, "Refused: the form was sent from another origin\n")
        }
        guard let form = try? URLEncodedFormDecoder().decode(ActionForm.self, from: body) else {
            return Self.plain(.badRequest, "The form cannot be read\n")
        }
        guard let expected = page.formToken, let given = form.csrf,
            TokenSnapshot.constantTimeEqual(Array(expected.utf8), Array(given.utf8))
        else {
            return Self.plain(.forbidden, "Refused: the form's token is missing or stale; open the page again and use its buttons\n")
        }
        guard allowAction(page.stem) else {
            return Self.plain(
                .tooManyRequests, "Too many actions from this link in a minute; wait a little\n", fields: [FieldName("Retry-After")!: "60"])
        }
        if form.action == "undo", let undo = form.undo { return await undoAction(page, owner: owner, request: undo) }
        guard let touch = await touch(page) else {
            // The form sent again after its action took the touch out of the
            // plan: say what the first one did.
            let actions = pages.actions
            if let request = form.request, case .success(let done?) = await Self.offLoop({ try actions.previous(request) }) {
                return Self.html(
                    .ok,
                    OwnerPages.notice(
                        title: "Done already",
                        message: Self.doneAlready(done.summary + (done.undone ? " (undone since)" : "")),
                        back: "../"))
            }
            return gone(page, owner: owner)
        }
        guard let name = form.action, let action = TouchAction(rawValue: name) else {
            return Self.plain(
                .badRequest,
                "Unknown action \(Self.redacted(form.action ?? "(none)")); expected one of \(TouchAction.allCases.map(\.rawValue).joined(separator: ", "))\n")
        }
        guard let request = form.request, (16...64).contains(request.count),
            request.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            return Self.plain(.badRequest, "The form has no request id; open the page again and use its buttons\n")
        }
        var until: LocalDate?
        if action == .snooze {
            let text = form.until == "date" ? (form.date ?? "") : (form.until ?? "")
            guard let day = LocalDate(iso: text) else {
                return Self.plain(.badRequest, "Not now: pick a day (YYYY-MM-DD) to snooze until, not \(Self.redacted(text))\n")
            }
            until = day
        }
        let actions = pages.actions
        let day = until
        let result: Result<ActionOutcome, Error> = await Self.offLoop {
            try actions.perform(action, on: touch, until: day, request: request)
        }
        switch result {
        case .success(let outcome):
            log(
                "action \(action.rawValue) on \(Self.redacted(touch.leadID)) (\(page.stem)): \(Self.redacted(outcome.summary))\(outcome.repeated ? " (sent again: nothing changed)" : "")"
            )
            let message =
                outcome.repeated
                ? Self.doneAlready(outcome.summary)
                : outcome.regenerationError.map { "\(outcome.summary). Saved in the store, but the feeds could not be written again: \($0)" }
                    ?? "\(outcome.summary). The feeds are written again; calendars show it at their next refresh."
            return Self.html(
                .ok,
                OwnerPages.actionPage(
                    owner, touch: touch, today: pages.today(), formToken: page.formToken, request: request, actionsNote: nil, message: message,
                    undo: outcome.undoRequest))
        case .failure(let error):
            log("action \(action.rawValue) on \(Self.redacted(touch.leadID)) (\(page.stem)) refused: \(Self.redacted("\(error)"))")
            return Self.html(
                pages.actions.store == nil ? .conflict : .unprocessableContent,
                OwnerPages.notice(title: "Nothing was changed", message: "\(error)", back: "../"))
        }
    }

    private func undoAction(_ page: PageRequest, owner: OwnerPages.Owner, request: String) async -> Reply {
        let actions = pages.actions
        guard let lead = FeedTouch.parse(uid: page.uid)?.leadID else { return gone(page, owner: owner) }
        let result: Result<String, Error> = await Self.offLoop { try actions.undo(request: request, lead: lead) }
        switch result {
        case .success(let message):
            log("undo on \(Self.redacted(lead)) (\(page.stem)): \(Self.redacted(message))")
            return Self.html(
                .ok,
                OwnerPages.notice(
                    title: "Undone", message: message + (message.contains("could not be written") ? "" : ". The feeds are written again."), back: "../"))
        case .failure(let error):
            return Self.html(.unprocessableContent, OwnerPages.notice(title: "Nothing was undone", message: "\(error)", back: "../"))
        }
    }

    /// Runs blocking work (the store, `generate`) on NIO's thread pool.
    static func offLoop<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async -> Result<T, Error> {
        do {
            return try await NIOThreadPool.singleton.runIfActive { Result { try work() } }
        } catch {
            return .failure(error)
        }
    }

    /// At most `actionsPerMinute` actions a minute for one link.
    private func allowAction(_ stem: String) -> Bool {
        let now = Date().timeIntervalSince1970
        let limit = pages.actionsPerMinute
        return actionTimes.withLock { times in
            var recent = (times[stem] ?? []).filter { now - $0 < 60 }
            defer { times[stem] = recent }
            guard recent.count < limit else { return false }
            recent.append(now)
            return true
        }
    }

    /// Whether an Origin header names this server: the public address's
    /// origin when there is one, else the request's own Host.
    static func sameOrigin(_ origin: String, authority: String?, base: String?) -> Bool {
        if let base, let url = URL(string: base), let scheme = url.scheme, let host = url.host {
            let port = url.port.map { ":\($0)" } ?? ""
            if origin.lowercased() == "\(scheme)://\(host)\(port)".lowercased() { return true }
        }
        guard let authority, let url = URL(string: origin), let host = url.host else { return false }
        let port = url.port.map { ":\($0)" } ?? ""
        return "\(host)\(port)".lowercased() == authority.lowercased()
    }
}
