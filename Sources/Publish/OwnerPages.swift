import FollowUp
import Foundation
import Mustache
import QRCode

/// The HTML of `serve`'s pages: an owner's page (their week's touches and
/// how to subscribe) and a touch's action page. Mustache templates, which
/// escape every value they are given; no script but the copy button's,
/// served as a file so the Content-Security-Policy can forbid inline code.
enum OwnerPages {
    /// Who a page is for, and where its feeds are.
    struct Owner {
        var stem: String
        /// nil for everyone's feeds (`all`).
        var name: String?
        /// The feeds' folder URL, such as `https://cal.example.com/feeds/<token>/`.
        var feedsURL: String
        var readOnly: Bool { name == nil }
        var title: String { name.map { "Follow-ups for \($0)" } ?? "Everyone's follow-ups" }
    }

    // MARK: - The owner's page

    static func ownerPage(_ owner: Owner, touches: [FeedTouch], today: LocalDate, actionsNote: String?) -> String {
        let weekEnd = today.adding(days: 7)
        func day(_ touch: FeedTouch) -> LocalDate? { LocalDate(iso: isoDay(touch.dueDay)) }
        let overdue = touches.filter(\.overdue)
        let todays = touches.filter { !$0.overdue && day($0).map { $0 <= today } == true }
        let week = touches.filter { !$0.overdue && day($0).map { $0 > today && $0 < weekEnd } == true }
        let later = touches.count - overdue.count - todays.count - week.count
        var index = 0
        func cards(_ list: [FeedTouch]) -> [[String: Any]] {
            list.sorted { ($0.dueDay, $0.dueTime ?? "", $0.uid) < ($1.dueDay, $1.dueTime ?? "", $1.uid) }.map { touch in
                index += 1
                return card(touch, number: index, link: owner.readOnly ? nil : "t/" + pathSegment(touch.uid))
            }
        }
        let sections: [[String: Any]] = [
            ("Overdue", cards(overdue)), ("Today, \(shown(today))", cards(todays)), ("This week", cards(week)),
        ].filter { !$0.1.isEmpty }.map { ["heading": $0.0, "touches": $0.1] }
        let events = owner.feedsURL + "\(owner.stem).events.ics"
        let tasks = owner.feedsURL + "\(owner.stem).tasks.ics"
        let webcal = webcalURL(events)
        let context: [String: Any] = [
            "title": owner.title,
            "sections": sections,
            "empty": sections.isEmpty,
            "later": later > 0 ? "\(later) more after this week: they are in your calendar already." : "",
            "readOnly": owner.readOnly,
            "actionsNote": actionsNote ?? "", "has_actionsNote": actionsNote != nil,
            "has_later": later > 0,
            "events": events, "tasks": tasks, "webcal": webcal, "webcalTasks": webcalURL(tasks),
            "google": "https://calendar.google.com/calendar/r?cid=" + queryValue(webcal),
            "outlook": "https://outlook.live.com/calendar/0/addfromweb?url=" + queryValue(events) + "&name=" + queryValue(owner.title),
            "office": "https://outlook.office.com/calendar/0/addfromweb?url=" + queryValue(events) + "&name=" + queryValue(owner.title),
            "qr": QRCode(webcal)?.svg(size: 232, label: "QR code of \(webcal)") ?? "",
        ]
        return layout(title: owner.title, body: ownerTemplate.render(context))
    }

    // MARK: - A touch's action page

    /// The touch with its buttons (none for `all`, or while actions are
    /// unavailable), each a POST form with the owner's form token and this
    /// page's one-time request id.
    static func actionPage(
        _ owner: Owner, touch: FeedTouch, today: LocalDate, formToken: String?, request: String, actionsNote: String?, message: String? = nil,
        undo: String? = nil
    ) -> String {
        let month = today.adding(months: 1)
        let quarter = today.adding(months: 3)
        let context: [String: Any] = [
            "title": owner.title,
            "touch": [card(touch, number: 1, link: nil)],
            "message": message ?? "", "has_message": message != nil,
            "undo": undo ?? "", "has_undo": undo != nil,
            "forms": formToken != nil && actionsNote == nil && message == nil,
            "csrf": formToken ?? "",
            "request": request,
            "actionsNote": actionsNote ?? (owner.readOnly ? "Everyone's link is read-only: act from the owner's own link." : ""),
            "has_actionsNote": actionsNote != nil || owner.readOnly,
            "month": month.description, "monthShown": shown(month),
            "quarter": quarter.description, "quarterShown": shown(quarter),
            "tomorrow": today.adding(days: 1).description,
        ]
        return layout(title: "\(touch.summary) · \(owner.title)", body: actionTemplate.render(context))
    }

    /// A page that only says something (the touch is gone, an error).
    static func notice(title: String, message: String, back: String?) -> String {
        layout(title: title, body: noticeTemplate.render(["title": title, "message": message, "back": back ?? ""]))
    }

    // MARK: - Parts

    private static func card(_ touch: FeedTouch, number: Int, link: String?) -> [String: Any] {
        var due = LocalDate(iso: isoDay(touch.dueDay)).map(shown) ?? touch.dueDay
        if let time = touch.dueTime, time.count == 4 { due += ", \(time.prefix(2)):\(time.suffix(2))" }
        let fields: [[String: Any]] = touch.fields.filter { $0.label != "Owner" }.map { ["label": $0.label, "value": $0.value] }
        return [
            "summary": touch.summary, "due": due, "overdue": touch.overdue, "fields": fields,
            "draft": touch.draft, "hasDraft": !touch.draft.isEmpty, "draftID": "draft-\(number)",
            "link": link ?? "", "hasLink": link != nil,
        ]
    }

    /// `20261201` as `2026-12-01`.
    static func isoDay(_ day: String) -> String {
        guard day.count == 8 else { return day }
        return "\(day.prefix(4))-\(day.dropFirst(4).prefix(2))-\(day.suffix(2))"
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Tue 1 Dec 2026`.
    static func shown(_ date: LocalDate) -> String { "\(date.weekdayName) \(date.day) \(months[date.month - 1]) \(date.year)" }

    /// The webcal:// form of an http(s) URL, which opens a calendar app's
    /// subscribe dialog.
    static func webcalURL(_ url: String) -> String {
        url.replacingOccurrences(of: "^https?://", with: "webcal://", options: .regularExpression)
    }

    /// A value percent-encoded for a query string (everything but the
    /// unreserved characters).
    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }

    /// A UID as one path segment, as the feeds' links write it.
    static func pathSegment(_ uid: String) -> String {
        uid.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~@"))) ?? uid
    }

    private static func layout(title: String, body: String) -> String {
        layoutTemplate.render(["title": title, "body": body])
    }

    // MARK: - Templates

    private static func template(_ text: String) -> MustacheTemplate {
        // The templates are this file's own: one that does not parse is a
        // programming error, caught by every test that renders a page.
        try! MustacheTemplate(string: text)
    }

    private static let layoutTemplate = template(
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <meta name="robots" content="noindex, nofollow">
        <title>{{title}}</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="/static/followup.css">
        </head>
        <body>
        <main>
        {{{body}}}
        </main>
        <script src="/static/copy.js"></script>
        </body>
        </html>

        """)

    private static let cardPartial = """
        <article class="touch{{#overdue}} overdue{{/overdue}}">
        <h3>{{#hasLink}}<a href="{{link}}">{{summary}}</a>{{/hasLink}}{{^hasLink}}{{summary}}{{/hasLink}}</h3>
        <p class="due">{{#overdue}}<strong>Overdue</strong> · {{/overdue}}due {{due}}</p>
        <dl>
        {{#fields}}<dt>{{label}}</dt><dd>{{value}}</dd>
        {{/fields}}
        </dl>
        {{#hasDraft}}<details open><summary>Draft</summary>
        <pre id="{{draftID}}">{{draft}}</pre>
        <button type="button" class="copy" data-copy="{{draftID}}">Copy the draft</button>
        </details>{{/hasDraft}}
        {{#hasLink}}<p class="act"><a href="{{link}}">Done, replied, not now…</a></p>{{/hasLink}}
        </article>
        """

    private static let ownerTemplate = template(
        """
        <h1>{{title}}</h1>
        {{#has_actionsNote}}<p class="note">{{actionsNote}}</p>{{/has_actionsNote}}
        {{#sections}}
        <section>
        <h2>{{heading}}</h2>
        {{#touches}}
        \(cardPartial)
        {{/touches}}
        </section>
        {{/sections}}
        {{#empty}}<p>Nothing is due this week.</p>{{/empty}}
        {{#has_later}}<p class="later">{{later}}</p>{{/has_later}}
        <section id="subscribe">
        <h2>Subscribe</h2>
        <p>Add the feed to the calendar you use; it updates itself from then on. Keep these links to yourself: they open your leads.</p>
        <ul class="subscribe">
        <li><a href="{{google}}" rel="noreferrer">Google Calendar</a> <span>events only: no tasks, no alarms; updates within a day</span></li>
        <li><a href="{{outlook}}" rel="noreferrer">Outlook.com</a> · <a href="{{office}}" rel="noreferrer">Microsoft 365</a> <span>events only, no reminders; updates every few hours</span></li>
        <li><a href="{{webcal}}">Apple Calendar</a> <span>events with alarms (untick “Remove alerts”)</span></li>
        <li>Thunderbird, Nextcloud: paste the address (New Calendar, On the Network; + New subscription from link) <span>events and tasks, with alarms</span></li>
        </ul>
        <p><label for="events-url">Events</label> <input id="events-url" readonly value="{{events}}"> <button type="button" class="copy" data-copy="events-url">Copy</button></p>
        <p><label for="tasks-url">Tasks</label> <input id="tasks-url" readonly value="{{tasks}}"> <button type="button" class="copy" data-copy="tasks-url">Copy</button></p>
        <figure class="qr">{{{qr}}}<figcaption>On a phone: scan to subscribe (webcal)</figcaption></figure>
        </section>
        """)

    private static let actionTemplate = template(
        """
        <p><a href="../">← {{title}}</a></p>
        {{#has_message}}<p class="message" role="status">{{message}}</p>{{/has_message}}
        {{#has_undo}}
        <form method="post" action="" class="undo">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="undo" value="{{undo}}">
        <button name="action" value="undo">Undo</button>
        </form>
        {{/has_undo}}
        {{#touch}}
        \(cardPartial)
        {{/touch}}
        {{#has_actionsNote}}<p class="note">{{actionsNote}}</p>{{/has_actionsNote}}
        {{#forms}}
        <div class="actions">
        <form method="post" action=""><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="request" value="{{request}}">
        <button name="action" value="done" class="primary">Done</button></form>
        <form method="post" action=""><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="request" value="{{request}}">
        <button name="action" value="replied">They replied</button></form>
        <form method="post" action=""><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="request" value="{{request}}">
        <button name="action" value="snooze-week">Snooze a week</button></form>
        <form method="post" action="" class="later"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="request" value="{{request}}">
        <fieldset><legend>Not now…</legend>
        <label><input type="radio" name="until" value="{{month}}" checked> a month ({{monthShown}})</label>
        <label><input type="radio" name="until" value="{{quarter}}"> a quarter ({{quarterShown}})</label>
        <label><input type="radio" name="until" value="date"> until <input type="date" name="date" min="{{tomorrow}}" aria-label="until this day"></label>
        <button name="action" value="snooze">Not now</button>
        </fieldset></form>
        <form method="post" action=""><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="request" value="{{request}}">
        <button name="action" value="no" class="danger">No: close the lead</button></form>
        </div>
        {{/forms}}
        """)

    private static let noticeTemplate = template(
        """
        <h1>{{title}}</h1>
        <p class="message" role="status">{{message}}</p>
        {{#back}}<p><a href="{{back}}">Back to the follow-ups</a></p>{{/back}}
        """)

    // MARK: - Static files

    /// Small, readable on a phone, and dark-mode aware.
    static let css = """
        :root { color-scheme: light dark; --accent: #1a5fb4; --late: #c01c28; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.45 system-ui, sans-serif; }
        main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
        h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
        h2 { font-size: 1.15rem; border-bottom: 1px solid #8884; padding-bottom: .25rem; margin-top: 1.75rem; }
        h3 { font-size: 1.05rem; margin: 0 0 .25rem; }
        a { color: var(--accent); }
        .touch { border: 1px solid #8885; border-radius: .5rem; padding: .75rem; margin: .75rem 0; }
        .touch.overdue { border-left: .3rem solid var(--late); }
        .due { margin: 0 0 .5rem; color: #888; }
        .overdue strong { color: var(--late); }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .75rem; margin: 0; }
        dt { font-weight: 600; }
        dd { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
        pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #8881; padding: .5rem; border-radius: .25rem; font: inherit; }
        button, .actions button { font: inherit; padding: .5rem .9rem; border-radius: .4rem; border: 1px solid #8888; background: #8881; cursor: pointer; }
        .actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-start; }
        .actions form { margin: 0; }
        .actions .primary { background: var(--accent); color: #fff; border-color: var(--accent); }
        .actions .danger { color: var(--late); }
        fieldset { border: 1px solid #8885; border-radius: .4rem; display: flex; flex-direction: column; gap: .35rem; }
        .message { background: #2ec27e22; border-left: .3rem solid #2ec27e; padding: .5rem .75rem; }
        .note { background: #f6d32d22; border-left: .3rem solid #f6d32d; padding: .5rem .75rem; }
        .subscribe li { margin: .35rem 0; }
        .subscribe span { color: #888; font-size: .9rem; }
        input[readonly] { width: 100%; max-width: 32rem; font: inherit; padding: .3rem; }
        .qr svg { max-width: 100%; height: auto; }
        figure { margin: 1rem 0; }
        """

    /// The copy buttons: the one script of the pages, and the pages work
    /// without it (the text is there to select).
    static let script = """
        document.querySelectorAll("button.copy").forEach(function (button) {
          button.addEventListener("click", function () {
            var target = document.getElementById(button.dataset.copy);
            if (!target) return;
            var text = target.value !== undefined && target.tagName === "INPUT" ? target.value : target.textContent;
            var done = function () { var label = button.textContent; button.textContent = "Copied"; setTimeout(function () { button.textContent = label; }, 1500); };
            if (navigator.clipboard && window.isSecureContext) {
              navigator.clipboard.writeText(text).then(done, function () {});
            } else {
              if (target.select) { target.select(); } else { var range = document.createRange(); range.selectNodeContents(target); var selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range); }
              try { document.execCommand("copy"); done(); } catch (error) {}
            }
          });
        });
        """
}
