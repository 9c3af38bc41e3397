import Mustache

/// The texts of touches: Mustache templates checked when a playbook is read,
/// compiled once per planner, rendered as each touch is made.
extension Planner {
    /// Every text of a playbook, by the key the planner renders it under.
    static func textsByKey(_ playbook: Playbook) -> [(String, TouchText)] {
        let nurture = playbook.nurture
        return playbook.steps.map { step in
            ("step:" + step.id, TouchText(title: step.title, prompt: step.prompt, draft: step.draft, channel: step.channel))
        } + [
            (Touchpoint.Kind.nextStepMine.rawValue, playbook.nextStepMine),
            (Touchpoint.Kind.nextStepTheirs.rawValue, playbook.nextStepTheirs),
            (Touchpoint.Kind.agreeNextStep.rawValue, playbook.agreeNextStep),
            (MilestoneKind.checkBack.rawValue, nurture.checkBack.text),
            (MilestoneKind.quarterly.rawValue, nurture.quarterly.text),
            (MilestoneKind.fiscalYearBefore.rawValue, nurture.fiscalYearBefore.text),
            (MilestoneKind.fiscalYearStart.rawValue, nurture.fiscalYearStart.text),
            (MilestoneKind.launch.rawValue, nurture.launch.text),
            (MilestoneKind.event.rawValue, nurture.event.text),
        ]
    }

    /// Why `text` is not a usable template, nil when it is one: it must
    /// parse, and name only fields the planner fills in (Mustache renders
    /// an unknown name as nothing, so a typo would silently empty a draft).
    public static func templateError(_ text: String) -> String? {
        if let problem = nestingError(text) { return problem }
        do {
            _ = try CompiledText.compile(text)
        } catch let error as MustacheTemplate.ParserError {
            // The text pragma the planner puts first is not the user's: columns of line 1 shift by it.
            let column = error.context.lineNumber == 1 ? error.context.columnNumber - CompiledText.pragma.count : error.context.columnNumber
            let what: String
            switch error.error {
            case MustacheTemplate.Error.sectionCloseNameIncorrect: what = "a section is closed with another name than it opened with"
            case MustacheTemplate.Error.unfinishedName: what = "a tag is not closed"
            case MustacheTemplate.Error.expectedSectionEnd: what = "a section ({{#name}} or {{^name}}) is not closed with {{/name}}"
            default: what = "a tag is not closed (\(error.error))"
            }
            return
                "\(what), at line \(error.context.lineNumber) of the text, column \(max(column, 1)): \"\(error.context.line.replacingOccurrences(of: CompiledText.pragma, with: ""))\""
        } catch {
            return "\(error)"
        }
        // The names inside tags ({{name}}, {{#name}}, {{^name}}, {{/name}}, {{{name}}}, {{&name}}).
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            var name = rest[open.upperBound..<close.lowerBound].trimmed
            rest = rest[close.upperBound...]
            if let first = name.first, "#^/&{".contains(first) { name = String(name.dropFirst()).trimmed }
            if name.hasPrefix("!") || name.hasPrefix("%") || name.hasPrefix(">") || name.hasPrefix("=") || name == "." { continue }
            if !templateFields.contains(name) {
                return "unknown field \"\(name)\"; the fields are \(templateFields.joined(separator: ", "))"
            }
        }
        return nil
    }

    /// The deepest nesting of sections a text may have. swift-mustache's
    /// parser recurses once per level, so a text nested some hundreds deep
    /// overflows the stack and crashes the run; no message needs more than
    /// a few levels.
    public static let maxSectionDepth = 32

    /// Why `text`'s sections cannot be parsed safely, checked before
    /// parsing: nested deeper than `maxSectionDepth`, or tags whose
    /// delimiters are changed (`{{=<% %>=}}`), past which the depth cannot
    /// be counted.
    public static func nestingError(_ text: String) -> String? {
        var depth = 0, deepest = 0
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            rest = rest[open.upperBound...]
            switch rest.first {
            case "#", "^": depth += 1; deepest = max(deepest, depth)
            case "/": depth -= 1
            case "=": return "changing the tag delimiters ({{=…=}}) is not supported"
            default: break
            }
            if deepest > maxSectionDepth {
                return "nested too deep: sections ({{#name}} or {{^name}}) are nested more than \(maxSectionDepth) levels"
            }
        }
        return nil
    }

    /// The names a template can use.
    public static let templateFields = [
        "first_name", "name", "company", "email", "phone", "owner", "notes", "next_step", "next_step_due",
        "step", "window_start", "window_end", "date", "fiscal_year", "fiscal_year_start", "launch_date",
        "event", "event_date",
    ]

    /// A placed touch as the value the feeds write: its texts rendered.
    func makeTouchpoint(
        _ context: LeadContext, kind: Touchpoint.Kind, key: String, label: String?,
        texts parts: [(String, TemplateValues)], stepNumber: Int?, placement: Placement,
        movedDays: Int, explanation: [String], followsToday: Bool
    ) -> Touchpoint {
        let lead = context.lead
        var changed = context.lastDataChange
        if movedDays > 0 || placement.overdue || followsToday { changed = context.today }
        var titles: [String] = [], prompts: [String] = [], draft = "", channel = "email"
        for (index, (textKey, values)) in parts.enumerated() {
            guard let text = texts[textKey] else { continue }
            let scope = TemplateScope(values)
            titles.append(text.title.render(scope))
            prompts.append(text.prompt.render(scope))
            if index == 0 {
                draft = text.draft.render(scope)
                channel = text.channel
            }
        }
        let title = titles.joined(separator: " + ")
        return Touchpoint(
            lead: lead, timeZone: context.ownerHours.zone, kind: kind, key: key, label: label ?? title, title: title, channel: channel,
            stepNumber: stepNumber, stepCount: stepNumber == nil ? nil : playbook.steps.count,
            date: placement.date, time: context.ownerHours.start, durationMinutes: playbook.touchMinutes,
            windowStart: placement.windowStart, windowEnd: placement.windowEnd,
            dueTime: context.ownerHours.end, overdue: placement.overdue, movedDays: movedDays,
            explanation: explanation, methodWindowStart: placement.methodWindowStart,
            methodWindowEnd: placement.methodWindowEnd, skipped: placement.skipped, overCapacity: placement.overCapacity,
            prompt: prompts.joined(separator: " "), draft: draft,
            lastChanged: changed ?? context.today, alarmMinutesBefore: playbook.alarmMinutesBefore)
    }
}

/// The values a text's template sees.
struct TemplateValues {
    let lead: Lead
    var step: String?
    // Dates are written out only when a template asks for them.
    var windowStart: LocalDate?
    var windowEnd: LocalDate?
    var date: LocalDate?
    var fiscalYear: String?
    var fiscalYearStart: String?
    var launchDate: String?
    var event: String?
    var eventDate: String?

    init(lead: Lead) {
        self.lead = lead
    }

    init(lead: Lead, placement: Placement) {
        self.lead = lead
        windowStart = placement.windowStart
        windowEnd = placement.windowEnd
        date = placement.date
    }

}

/// Templates look fields up by name as they render: no dictionary of every
/// field is built for each text (that showed in profiles). An empty
/// optional value is no value, so `{{#company}}…{{/company}}` skips an
/// empty company.
extension TemplateValues {
    func child(named name: String) -> Any? {
        let value: String?
        switch name {
        // Always there, even empty, as they always were.
        case "first_name": return TemplateText(lead.firstName)
        case "name": return TemplateText(lead.name)
        case "owner": return TemplateText(lead.owner)
        case "company": value = lead.company
        case "email": value = lead.email
        case "phone": value = lead.phone
        case "notes": value = lead.notes
        case "next_step": value = lead.nextStep
        case "next_step_due": value = lead.nextStepDue?.description
        case "step": value = step
        case "window_start": value = windowStart?.description
        case "window_end": value = windowEnd?.description
        case "date": value = date?.description
        case "fiscal_year": value = fiscalYear
        case "fiscal_year_start": value = fiscalYearStart ?? lead.fiscalYearStart?.description
        case "launch_date": value = launchDate ?? lead.launchDate?.description
        case "event": value = event
        case "event_date": value = eventDate
        default: value = nil
        }
        guard let value, !value.isEmpty else { return nil }
        return TemplateText(value)
    }
}

/// The values of one text's templates, as Mustache holds them: a class, so
/// that passing it around as `Any` copies a reference, not every field of
/// the lead.
final class TemplateScope: MustacheParent {
    let values: TemplateValues

    init(_ values: TemplateValues) { self.values = values }

    func child(named name: String) -> Any? { values.child(named: name) }
}

/// A field's value as templates see it. A String would render the same,
/// but inside a section (`{{#company}}…{{/company}}`) Mustache puts the
/// value on its context and looks every name up on it first, by reflection
/// (`Mirror`) for a String, which showed in profiles. As a parent with no
/// children of its own, the lookup passes straight on to the touch's fields.
struct TemplateText: MustacheParent, MustacheCustomRenderable, MustacheTransformable, CustomStringConvertible {
    let text: String

    init(_ text: String) { self.text = text }

    func child(named name: String) -> Any? { nil }
    var renderText: String { text }
    /// Present, so a section over it renders (an empty name included, as a String would).
    var isNull: Bool { false }
    var description: String { text }
    func transform(_ name: String) -> Any? { text.transform(name) }
}

/// A touch's texts, compiled once per run.
struct CompiledText {
    let title: TextTemplate
    let prompt: TextTemplate
    let draft: TextTemplate
    let channel: String

    init(_ text: TouchText) throws {
        title = try Self.compile(text.title)
        prompt = try Self.compile(text.prompt)
        draft = try Self.compile(text.draft)
        channel = text.channel
    }

    static let pragma = "{{% CONTENT_TYPE: TEXT}}"

    static func compile(_ text: String) throws -> TextTemplate {
        // Most titles and prompts have no tag: they need no rendering.
        guard text.contains("{{") else { return .literal(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
        // Checked before the parser, which would overflow the stack on it.
        if let problem = Planner.nestingError(text) { throw TemplateNestingError(description: problem) }
        // Texts are plain text, not HTML: nothing is escaped.
        return .mustache(try MustacheTemplate(string: pragma + text))
    }
}

/// A template nested too deep to parse safely.
struct TemplateNestingError: Error, CustomStringConvertible {
    let description: String
}

enum TextTemplate {
    case literal(String)
    case mustache(MustacheTemplate)

    func render(_ scope: TemplateScope) -> String {
        switch self {
        case .literal(let text): text
        case .mustache(let template): template.render(scope).trimmed
        }
    }
}
