import FollowUp

extension PlaybookFile {
    /// A playbook as a commented YAML file that `parse` reads back to the
    /// same playbook: `followup playbook --print-default` writes the
    /// built-in method this way, as a file to start from.
    ///
    /// Written by hand rather than by Yams' emitter so the file carries a
    /// comment on every setting, and drafts stay readable block text.
    public static func render(_ playbook: Playbook) -> String {
        var out = YAMLText()
        out.comment(
            """
            followup playbook: the follow-up method as data.
            Use it with --playbook FILE. Every key is optional: a key left out keeps the
            built-in method's value, so a playbook can hold only what it changes.
            Texts (title, prompt, draft) are Mustache templates over the lead's fields:
              \(Planner.templateFields.joined(separator: ", "))
            e.g. "Hi {{first_name}}", "{{#company}}at {{company}}{{/company}}".
            """)
        out.blank()
        out.comment("The zone of leads that name none (--timezone wins; then this machine's zone).")
        if let zone = playbook.timeZone {
            out.line("timezone: \(quoted(zone))")
        } else {
            out.line("# timezone: America/New_York")
        }
        out.comment("Which comes first in the sheets' numeric dates such as 04/11/2026: dmy or mdy")
        out.comment("(--date-order and the config file's date_order win; without any, a date that")
        out.comment("reads both ways is not read).")
        if let order = playbook.dateOrder {
            out.line("date_order: \(order.rawValue)")
        } else {
            out.line("# date_order: dmy")
        }
        out.comment("How many days ahead touchpoints are written (--horizon wins).")
        out.line("horizon_days: \(playbook.horizonDays)")
        out.comment("Touches land on these days, in slots from the start of the working hours in the")
        out.comment("lead's zone (an owner's own zone and hours below win); tasks fall due at its end.")
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        out.line("working_days: [\(playbook.calendar.workingWeekdays.sorted().map { names[$0 - 1] }.joined(separator: ", "))]")
        out.line("working_hours:")
        out.line("  start: \(quoted(playbook.touchTime.description))")
        out.line("  end: \(quoted(playbook.workdayEnd.description))")
        out.comment("How long a touch event lasts, and its reminder.")
        out.line("touch_minutes: \(playbook.touchMinutes)")
        out.line("alarm_minutes_before: \(playbook.alarmMinutesBefore)")
        out.comment("Never two touches to one lead closer than this.")
        out.line("minimum_gap_business_days: \(playbook.minimumGapBusinessDays)")
        out.comment("Touches an owner can make in a day (none: no limit). When every day of a window")
        out.comment("is full, a touch takes the least-loaded one and its explanation says so.")
        out.line("daily_capacity: \(playbook.dailyCapacity.map(String.init) ?? "none")")
        if playbook.capacityByOwner.isEmpty {
            out.line("capacity_by_owner: {}   # e.g. {\"Alice Martin\": 10}")
        } else {
            out.line("capacity_by_owner:")
            for (owner, capacity) in playbook.capacityByOwner.sorted(by: { $0.key < $1.key }) {
                out.line("  \(quoted(owner)): \(capacity)")
            }
        }
        out.comment("A new lead's first contact goes on the first day with room within this many days.")
        out.line("new_lead_window_days: \(playbook.newLeadWindowDays)")
        out.comment("Days off besides weekends: dates with a name, and .ics holiday calendars")
        out.comment("(any public-holiday calendar; paths relative to this file).")
        if playbook.calendar.holidays.isEmpty {
            out.line("holidays: []   # e.g. - 2026-12-25 Christmas Day")
        } else {
            out.line("holidays:")
            for (date, name) in playbook.calendar.holidays.sorted(by: { $0.key < $1.key }) {
                out.line("  - \(quoted(name.isEmpty ? date.description : "\(date) \(name)"))")
            }
        }
        out.line("holiday_calendars: []   # e.g. - holidays.ics")
        out.comment("Public holidays of each lead's country (its `country` column, else its time zone's)")
        out.comment("and of each owner's (below) are days off too, from the tables built into followup.")
        out.comment("false (or `holidays: none`) turns them off; the holidays above still count.")
        out.line("country_holidays: \(playbook.countryHolidays)")
        out.comment("An owner's touches of a day take consecutive slots of this many minutes from the")
        out.comment("start of their working day, inside the lead's hours where those overlap.")
        out.line("slot_minutes: \(playbook.slotMinutes)")
        out.comment("Each owner's own day; every key optional (the playbook's values otherwise):")
        out.comment("  timezone (their touches are timed in it, their digest starts in it), working_days,")
        out.comment("  working_hours, country (ISO 3166, or a subdivision such as DE-BY), daily_capacity,")
        out.comment("  away (- 2026-12-21 to 2027-01-03: nothing lands then).")
        if playbook.owners.isEmpty {
            out.line("owners: {}")
            out.comment("e.g.")
            out.comment("owners:")
            out.comment("  Alice Martin:")
            out.comment("    timezone: Europe/Berlin")
            out.comment("    country: DE-BY")
            out.comment("    working_hours: {start: \"08:30\", end: \"16:30\"}")
            out.comment("    away: [\"2026-12-21 to 2027-01-03\"]")
        } else {
            out.line("owners:")
            for (owner, day) in playbook.owners.sorted(by: { $0.key < $1.key }) {
                out.line("  \(quoted(owner)):")
                if let zone = day.timeZone { out.line("    timezone: \(quoted(zone))") }
                if let days = day.workingWeekdays {
                    out.line("    working_days: [\(days.sorted().map { names[$0 - 1] }.joined(separator: ", "))]")
                }
                if day.dayStart != nil || day.dayEnd != nil {
                    out.line("    working_hours:")
                    if let start = day.dayStart { out.line("      start: \(quoted(start.description))") }
                    if let end = day.dayEnd { out.line("      end: \(quoted(end.description))") }
                }
                if let country = day.country { out.line("    country: \(quoted(country))") }
                if let capacity = day.capacity { out.line("    daily_capacity: \(capacity)") }
                if !day.away.isEmpty {
                    out.line("    away:")
                    for period in day.away { out.line("      - \(quoted("\(period.from) to \(period.to)"))") }
                }
            }
        }
        out.blank()
        out.comment("The cadence: each step's window counts calendar days from Day 0, the first contact.")
        out.line("cadence:")
        for step in playbook.steps.dropLast() {
            out.line("  - id: \(quoted(step.id))")
            Self.step(step, into: &out, indent: "    ")
        }
        out.blank()
        out.comment("After the last step with no reply: one close-the-loop message; then nurture or close.")
        let closing = playbook.steps.last!
        out.line("close_the_loop:")
        out.line("  id: \(quoted(closing.id))")
        Self.step(closing, into: &out, indent: "  ")
        out.line("  then: \(playbook.afterCloseTheLoop.rawValue)")
        out.blank()
        out.comment("Once they reply, the agreed next step governs: mine is a task on its date; theirs")
        out.comment("gets a check-in the next business day after it; none yet: agree on one.")
        out.line("next_steps:")
        text("mine", playbook.nextStepMine, into: &out)
        text("theirs", playbook.nextStepTheirs, into: &out)
        text("agree", playbook.agreeNextStep, into: &out)
        out.blank()
        out.comment("\"Not yet\" is not \"no\": a check-back when the snooze ends, then the milestones below")
        out.comment("within the horizon. Milestones within the minimum gap of each other are one touch.")
        let nurture = playbook.nurture
        out.line("nurture:")
        text("check_back", nurture.checkBack.text, into: &out, settings: ["window_days: \(nurture.checkBack.windowDays)"])
        text(
            "quarterly", nurture.quarterly.text, into: &out,
            settings: ["every_months: \(nurture.quarterly.offset)", "window_days: \(nurture.quarterly.windowDays)"])
        text(
            "fiscal_year_before", nurture.fiscalYearBefore.text, into: &out,
            settings: ["days_before: \(nurture.fiscalYearBefore.offset)", "window_days: \(nurture.fiscalYearBefore.windowDays)"])
        text(
            "fiscal_year_start", nurture.fiscalYearStart.text, into: &out,
            settings: ["window_days: \(nurture.fiscalYearStart.windowDays)"])
        text(
            "launch", nurture.launch.text, into: &out,
            settings: ["days_after: \(nurture.launch.offset)", "window_days: \(nurture.launch.windowDays)"])
        text(
            "event", nurture.event.text, into: &out,
            settings: ["business_days_after: \(nurture.event.offset)", "window_days: \(nurture.event.windowDays)"])
        return out.text
    }

    private static func step(_ step: CadenceStep, into out: inout YAMLText, indent: String) {
        out.line("\(indent)from_day: \(step.startDay)")
        out.line("\(indent)to_day: \(step.endDay)")
        out.line("\(indent)channel: \(quoted(step.channel))")
        out.line("\(indent)title: \(quoted(step.title))")
        out.line("\(indent)prompt: \(quoted(step.prompt))")
        out.block("\(indent)draft", step.draft, indent: indent)
    }

    private static func text(_ key: String, _ text: TouchText, into out: inout YAMLText, settings: [String] = []) {
        out.line("  \(key):")
        for setting in settings { out.line("    \(setting)") }
        out.line("    channel: \(quoted(text.channel))")
        out.line("    title: \(quoted(text.title))")
        out.line("    prompt: \(quoted(text.prompt))")
        out.block("    draft", text.draft, indent: "    ")
    }

    /// A YAML double-quoted scalar: safe for any text.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    result += "\\x" + String(scalar.value, radix: 16).leftPadded(2)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// Lines of YAML being written.
private struct YAMLText {
    var text = ""

    mutating func line(_ line: String) { text += line + "\n" }
    mutating func blank() { text += "\n" }

    mutating func comment(_ comment: String) {
        for line in comment.split(separator: "\n", omittingEmptySubsequences: false) {
            text += line.isEmpty ? "#\n" : "# \(line)\n"
        }
    }

    /// A multi-line text as a literal block (`|-`: kept as written, no final
    /// line break); a text a block cannot hold as written is quoted.
    mutating func block(_ key: String, _ value: String, indent: String) {
        let lines = value.split(separator: "\n", omittingEmptySubsequences: false)
        let blockable =
            lines.count > 1 && !(lines.first?.first?.isWhitespace ?? true) && lines.last?.isEmpty == false
            && !lines.contains { $0.last == " " || $0.last == "\t" || $0.contains("\r") }
        guard blockable else {
            line("\(key): \(PlaybookFile.quoted(value))")
            return
        }
        line("\(key): |-")
        for part in lines { text += part.isEmpty ? "\n" : "\(indent)  \(part)\n" }
    }
}
