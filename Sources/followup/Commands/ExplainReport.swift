import ArgumentParser
import Feeds
import FollowUp
import Foundation

/// One lead's plan, explained.
struct ExplainReport {
    let lead: Lead
    let zone: String
    let defaultZone: String
    let today: LocalDate
    let horizonEnd: LocalDate
    let touches: [Touchpoint]
    let next: Touchpoint?
    let playbook: Playbook
    let day: WorkingDay
    /// Where the profile's budget cuts the owner's feeds; nil without one.
    let budget: Budget?

    /// A profile's budget and how it cuts the owner's two feeds (nil: not cut).
    struct Budget {
        var profile: String
        var limit: FeedBudget
        var events: FeedCut?
        var tasks: FeedCut?

        /// The owner's feeds that leave this touch out.
        func feeds(leavingOut touch: Touchpoint, lead: String) -> [String] {
            [("events", events), ("tasks", tasks)].compactMap { name, cut in
                guard let cut, cut.firstLeftOut.isReached(date: touch.date, time: touch.time, overdue: touch.overdue, lead: lead) else { return nil }
                return name
            }
        }

        /// What the budget did to the owner's feeds, in a sentence.
        func summary(owner: String) -> String {
            var text = "Feeds: --profile \(profile) keeps each feed within \(count(limit.components, "component")) and \(limit.bytes) bytes"
            let cut = [("events", events), ("tasks", tasks)].compactMap { name, cut in
                cut.map { "the \(name) feed leaves out its \($0.leftOut) farthest from \($0.firstLeftOut.date) \($0.firstLeftOut.time)" }
            }
            text += cut.isEmpty ? "; \(owner)'s feeds hold every touch." : ": of \(owner)'s, " + cut.joined(separator: ", ") + "."
            return text
        }
    }

    /// The touch's wall time in its zone as an instant, then as UTC and
    /// as the default zone's wall time.
    func conversions(_ touch: Touchpoint) -> (utc: String, local: String?) {
        guard let timeZone = TimeZone(identifier: touch.timeZone), let instant = touch.instant else { return ("", nil) }
        func wall(_ zone: String) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: zone)
            formatter.dateFormat = "yyyy-MM-dd HH:mm"
            return formatter.string(from: instant)
        }
        let offset = timeZone.secondsFromGMT(for: instant) / 60
        let sign = offset < 0 ? "-" : "+"
        let utc = "\(wall("UTC")) UTC (\(touch.timeZone) is UTC\(sign)\(LocalDate.pad2(abs(offset) / 60)):\(LocalDate.pad2(abs(offset) % 60)) that day)"
        return (utc, touch.timeZone == defaultZone ? nil : "\(wall(defaultZone)) \(defaultZone)")
    }

    var statusLine: String {
        let status = lead.effectiveStatus
        switch status {
        case .won, .lost, .closed, .paused:
            return "Status \(status.rawValue): nothing more is planned for this lead."
        case .notYet:
            return "Status not_yet: nurture (check back when the snooze ends, then quarterly updates and their milestones)."
        case .engaged:
            return "Status engaged: the agreed next step governs."
        case .new, .active:
            return "Status \(status.rawValue): the cadence, unless they replied (then the next step governs)."
        }
    }

    var text: String {
        var lines: [String] = []
        var who = "\(lead.id) \(lead.name)"
        if let company = lead.company { who += " (\(company))" }
        lines.append("\(who): owner \(lead.owner), time zone \(zone)\(lead.timeZone == nil ? " (the default)" : "")")
        lines.append(statusLine)
        lines.append("Today is \(today) \(today.weekdayName) in \(day.zone); the horizon runs to \(horizonEnd).")
        var hours = "Working hours: \(lead.owner)'s \(day.ownerHours)"
        if day.ownerHours != day.leadHours { hours += "; the lead's \(day.leadHours)" }
        hours += "; capacity \(day.capacity.map { "\($0) touch\($0 == 1 ? "" : "es") a day" } ?? "unlimited")."
        lines.append(hours)
        let dayNames = day.workingWeekdays.sorted().map { LocalDate.weekdayNames[$0 - 1] }.joined(separator: " ")
        var daysOff = "Working days: \(dayNames)"
        if !day.regions.isEmpty { daysOff += "; public holidays of \(day.regions.joined(separator: " and ")) are days off" }
        if !playbook.calendar.holidays.isEmpty { daysOff += "; and the playbook's \(playbook.calendar.holidays.count) holidays" }
        if let away = playbook.ownerDay(lead.owner)?.away, !away.isEmpty {
            daysOff += "; \(lead.owner) is away \(away.map(\.description).joined(separator: ", "))"
        }
        lines.append(daysOff + ".")
        if let budget { lines.append(budget.summary(owner: lead.owner)) }
        if day.afterHours { lines.append("The plan was made after \(lead.owner)'s working day had ended: nothing more lands today.") }
        if touches.isEmpty { lines.append("No touchpoint is planned within the horizon.") }
        for (number, touch) in touches.enumerated() {
            lines.append("")
            lines.append(
                "\(number + 1). \(touch.date) \(touch.date.weekdayName) \(touch.time) \(touch.timeZone): \(touch.title)\(touch.overdue ? " [overdue]" : "")\(touch.overCapacity ? " [over capacity]" : "")"
            )
            let (utc, local) = conversions(touch)
            lines.append("   time:    \(utc)" + (local.map { "; \($0)" } ?? ""))
            if let slot = touch.slot { lines.append("   slot:    \(slot)") }
            var step = "\(touch.kind.rawValue), key \(touch.key)"
            if let stepNumber = touch.stepNumber, let count = touch.stepCount { step = "\(touch.label), step \(stepNumber) of \(count) (\(step))" }
            lines.append("   step:    \(step), by \(touch.channel)")
            lines.append(
                "   window:  \(touch.methodWindowStart) to \(touch.methodWindowEnd) as the method put it; the task opens \(touch.windowStart) and is due \(touch.windowEnd) \(touch.dueTime)"
            )
            for (index, sentence) in touch.explanation.enumerated() {
                lines.append("   \(index == 0 ? "why:     " : "         ")\(sentence)")
            }
            if touch.skipped.isEmpty {
                lines.append("   skipped: none")
            } else {
                for (index, skip) in touch.skipped.enumerated() {
                    lines.append("   \(index == 0 ? "skipped: " : "         ")\(skip)")
                }
            }
            lines.append("   bring:   \(touch.prompt)")
            if let budget, case let feeds = budget.feeds(leavingOut: touch, lead: lead.id), !feeds.isEmpty {
                lines.append(
                    "   feed:    beyond the \(budget.profile) budget: not in \(lead.owner)'s \(feeds.joined(separator: " and ")) feed\(feeds.count == 1 ? "" : "s") yet, "
                        + "which hold the nearest touches; it comes in as nearer ones pass (--profile generic keeps everything)")
            }
        }
        lines.append("")
        if let next {
            lines.append("Next, after the horizon: \(next.date) \(next.date.weekdayName): \(next.title). \(next.explanation.first ?? "")")
        } else {
            switch lead.effectiveStatus {
            case .won, .lost, .closed, .paused:
                break
            default:
                lines.append(
                    "Nothing is planned after the horizon\(playbook.afterCloseTheLoop == .close ? ": after the close-the-loop message the playbook closes the lead" : " within a year")."
                )
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    struct JSONTouch: Encodable {
        var date, time, timezone, utc, kind, key, label, title, channel: String
        var slot: String?
        var methodWindowStart, methodWindowEnd, windowStart, windowEnd: String
        var overdue, overCapacity: Bool
        var movedDays: Int
        var explanation: [String]
        var skipped: [JSONSkip]
        var prompt, draft: String
        /// The owner's feeds (events, tasks) that leave it out, beyond the profile's budget.
        var beyondBudget: [String]

        enum CodingKeys: String, CodingKey {
            case date, time, timezone, utc, kind, key, label, title, channel, slot, overdue, explanation, skipped, prompt, draft
            case beyondBudget = "beyond_budget"
            case methodWindowStart = "method_window_start"
            case methodWindowEnd = "method_window_end"
            case windowStart = "window_start"
            case windowEnd = "window_end"
            case overCapacity = "over_capacity"
            case movedDays = "moved_days"
        }
    }

    struct JSONSkip: Encodable {
        var date, reason, detail: String
    }

    struct JSONReport: Encodable {
        var lead, name, owner, timezone, status, today: String
        var horizonEnd: String
        var touchpoints: [JSONTouch]
        var next: JSONTouch?
        var budget: JSONBudget?

        enum CodingKeys: String, CodingKey {
            case lead, name, owner, timezone, status, today, touchpoints, next, budget
            case horizonEnd = "horizon_end"
        }
    }

    struct JSONBudget: Encodable {
        var profile: String
        var components, bytes: Int
        var events, tasks: FeedCut?

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(profile, forKey: .profile)
            try container.encode(components, forKey: .components)
            try container.encode(bytes, forKey: .bytes)
            try container.encode(events, forKey: .events)  // null: not cut
            try container.encode(tasks, forKey: .tasks)
        }

        enum CodingKeys: String, CodingKey { case profile, components, bytes, events, tasks }
    }

    func jsonTouch(_ touch: Touchpoint, planned: Bool = true) -> JSONTouch {
        let instant = conversions(touch).utc.prefix(16)
        return JSONTouch(
            date: touch.date.description, time: touch.time.description, timezone: touch.timeZone,
            utc: instant.replacingOccurrences(of: " ", with: "T") + "Z", kind: touch.kind.rawValue, key: touch.key,
            label: touch.label, title: touch.title, channel: touch.channel, slot: touch.slot?.description,
            methodWindowStart: touch.methodWindowStart.description, methodWindowEnd: touch.methodWindowEnd.description,
            windowStart: touch.windowStart.description, windowEnd: touch.windowEnd.description,
            overdue: touch.overdue, overCapacity: touch.overCapacity, movedDays: touch.movedDays,
            explanation: touch.explanation,
            skipped: touch.skipped.map { JSONSkip(date: $0.date.description, reason: $0.reason.code, detail: $0.reason.description) },
            prompt: touch.prompt, draft: touch.draft,
            beyondBudget: planned ? budget?.feeds(leavingOut: touch, lead: lead.id) ?? [] : [])
    }

    var json: JSONReport {
        JSONReport(
            lead: lead.id, name: lead.name, owner: lead.owner, timezone: zone, status: lead.effectiveStatus.rawValue,
            today: today.description, horizonEnd: horizonEnd.description, touchpoints: touches.map { jsonTouch($0) },
            next: next.map { jsonTouch($0, planned: false) },
            budget: budget.map { JSONBudget(profile: $0.profile, components: $0.limit.components, bytes: $0.limit.bytes, events: $0.events, tasks: $0.tasks) })
    }
}

extension Touchpoint {
    /// The moment the touch is at: its wall time in its zone; nil for a zone Foundation does not know.
    var instant: Date? {
        guard let timeZone = TimeZone(identifier: timeZone) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(
            from: DateComponents(year: date.year, month: date.month, day: date.day, hour: time.hour, minute: time.minute))
    }
}
