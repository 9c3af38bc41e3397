/// One step of the cadence: a window of days after Day 0 and what to do in it.
public struct CadenceStep: Hashable, Sendable {
    /// Stable identity of the step in the plan; touchpoint UIDs derive from it.
    public var id: String
    /// First and last day of the window, counted in calendar days from Day 0.
    public var startDay: Int
    public var endDay: Int
    /// What the touch is, in a few words ("Check in for questions").
    public var title: String
    public var channel: String
    /// What to bring to the touch.
    public var prompt: String
    /// A Mustache template for the draft message (see `DraftContext`).
    public var draft: String

    public init(id: String, startDay: Int, endDay: Int, title: String, channel: String, prompt: String, draft: String) {
        precondition(startDay <= endDay, "a window ends on or after its start")
        self.id = id; self.startDay = startDay; self.endDay = endDay
        self.title = title; self.channel = channel; self.prompt = prompt; self.draft = draft
    }

    /// "Day 0" or "Day 2–3", as the method names it.
    public var label: String {
        startDay == endDay ? "Day \(startDay)" : "Day \(startDay)–\(endDay)"
    }
}

/// Texts for a touchpoint that is not a cadence step. Each is a Mustache
/// template over the lead's fields (see `Planner`).
public struct TouchText: Hashable, Sendable {
    public var title: String
    public var prompt: String
    public var draft: String
    public var channel: String

    public init(title: String, prompt: String, draft: String, channel: String = "email") {
        self.title = title; self.prompt = prompt; self.draft = draft; self.channel = channel
    }
}

/// A nurture milestone: its texts, how far from its anchor it falls and how
/// many days its window stays open.
public struct NurtureStep: Hashable, Sendable {
    public var text: TouchText
    /// Months between quarterly updates; days before a fiscal year; days
    /// after a launch; business days after an event; unused on a fiscal
    /// year's first day and at a check-back.
    public var offset: Int
    /// The window runs from the milestone's day for this many more days.
    public var windowDays: Int

    public init(text: TouchText, offset: Int = 0, windowDays: Int = 0) {
        self.text = text; self.offset = offset; self.windowDays = windowDays
    }
}

/// "Not yet" is not "no": the milestones a snoozed lead is nurtured on.
public struct NurtureRules: Hashable, Sendable {
    /// On the day a "not now" snooze ends.
    public var checkBack: NurtureStep
    /// A light update every `offset` months from the snooze or last contact.
    public var quarterly: NurtureStep
    /// `offset` days before their new fiscal year, when budgets are set.
    public var fiscalYearBefore: NurtureStep
    /// On the first day of their fiscal year.
    public var fiscalYearStart: NurtureStep
    /// `offset` days after their product launch.
    public var launch: NurtureStep
    /// `offset` business days after an industry event they attend.
    public var event: NurtureStep

    public init(
        checkBack: NurtureStep, quarterly: NurtureStep, fiscalYearBefore: NurtureStep,
        fiscalYearStart: NurtureStep, launch: NurtureStep, event: NurtureStep
    ) {
        self.checkBack = checkBack; self.quarterly = quarterly; self.fiscalYearBefore = fiscalYearBefore
        self.fiscalYearStart = fiscalYearStart; self.launch = launch; self.event = event
    }
}

/// What happens to a lead after the close-the-loop message goes unanswered.
public enum AfterCloseTheLoop: String, CaseIterable, Hashable, Sendable {
    /// It moves to nurture: quarterly updates and its milestones.
    case nurture
    /// Nothing more is planned.
    case close
}

/// The follow-up method as data: the cadence, the texts and the rules of time.
public struct Playbook: Hashable, Sendable {
    /// The cadence, the close-the-loop step last.
    public var steps: [CadenceStep]
    public var afterCloseTheLoop: AfterCloseTheLoop
    /// An engaged lead's next step that is mine.
    public var nextStepMine: TouchText
    /// A gentle check-in after a step they promised.
    public var nextStepTheirs: TouchText
    /// An engaged lead with no next step: agree on one.
    public var agreeNextStep: TouchText
    public var nurture: NurtureRules
    public var calendar: BusinessCalendar
    /// The zone of leads that name none; nil leaves it to the command line
    /// (and then to the machine's zone).
    public var timeZone: String?
    /// Which comes first in the team's sheets' numeric dates (`date_order`);
    /// nil leaves it to the command line and the config file.
    public var dateOrder: DateOrder?
    /// When a touch is placed in the lead's working day.
    public var touchTime: TimeOfDay
    /// How long a touch event lasts.
    public var touchMinutes: Int
    /// The end of the working day: a task's DUE time.
    public var workdayEnd: TimeOfDay
    /// Never two touches to one lead closer than this many business days.
    public var minimumGapBusinessDays: Int
    /// Touches an owner can make in a day; nil is no limit.
    public var dailyCapacity: Int?
    /// Capacity of named owners (matched without regard to case), over `dailyCapacity`.
    public var capacityByOwner: [String: Int] {
        didSet { capacityByOwner = Self.byLowercasedOwner(capacityByOwner) }
    }
    /// Each owner's own working day (zone, days, hours, country,
    /// capacity, away periods), by owner name without regard to case.
    public var owners: [String: OwnerDay] {
        didSet { owners = Self.byLowercasedOwner(owners) }
    }
    /// The public holidays of each lead's and each owner's country (see
    /// `HolidayData`) are days off; `holidays: none` in a playbook turns
    /// them off (its own holidays still count).
    public var countryHolidays: Bool
    /// Each of an owner's touches of a day takes the next slot of this
    /// many minutes from the start of their working day.
    public var slotMinutes: Int
    /// A new lead's first contact is placed within this many days of today.
    public var newLeadWindowDays: Int
    /// How far ahead cadence and nurture touchpoints are written.
    public var horizonDays: Int
    /// A reminder this many minutes before each event.
    public var alarmMinutesBefore: Int

    public init(
        steps: [CadenceStep], afterCloseTheLoop: AfterCloseTheLoop = .nurture,
        nextStepMine: TouchText, nextStepTheirs: TouchText, agreeNextStep: TouchText,
        nurture: NurtureRules, calendar: BusinessCalendar = BusinessCalendar(), timeZone: String? = nil,
        touchTime: TimeOfDay, touchMinutes: Int = 15, workdayEnd: TimeOfDay,
        minimumGapBusinessDays: Int = 2, dailyCapacity: Int? = 20, capacityByOwner: [String: Int] = [:],
        newLeadWindowDays: Int = 5, horizonDays: Int = 90, alarmMinutesBefore: Int = 15,
        owners: [String: OwnerDay] = [:], countryHolidays: Bool = true, slotMinutes: Int = 15
    ) {
        self.steps = steps; self.afterCloseTheLoop = afterCloseTheLoop
        self.nextStepMine = nextStepMine; self.nextStepTheirs = nextStepTheirs
        self.agreeNextStep = agreeNextStep; self.nurture = nurture; self.calendar = calendar
        self.timeZone = timeZone
        self.touchTime = touchTime; self.touchMinutes = touchMinutes; self.workdayEnd = workdayEnd
        self.minimumGapBusinessDays = minimumGapBusinessDays; self.dailyCapacity = dailyCapacity
        self.capacityByOwner = Self.byLowercasedOwner(capacityByOwner)
        self.newLeadWindowDays = newLeadWindowDays; self.horizonDays = horizonDays
        self.alarmMinutesBefore = alarmMinutesBefore
        self.owners = Self.byLowercasedOwner(owners)
        self.countryHolidays = countryHolidays
        self.slotMinutes = slotMinutes
    }

    private static func byLowercasedOwner(_ capacities: [String: Int]) -> [String: Int] {
        Dictionary(capacities.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: min)
    }

    private static func byLowercasedOwner(_ owners: [String: OwnerDay]) -> [String: OwnerDay] {
        Dictionary(owners.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// The daily capacity of `owner`, nil when it has no limit.
    public func capacity(of owner: String) -> Int? {
        let key = owner.lowercased()
        if let capacity = owners[key]?.capacity { return capacity }
        return capacityByOwner.isEmpty ? dailyCapacity : capacityByOwner[key] ?? dailyCapacity
    }

    /// `owner`'s entry of the `owners:` section, if it has one.
    public func ownerDay(_ owner: String) -> OwnerDay? {
        owners.isEmpty ? nil : owners[owner.lowercased()]
    }
}

extension Playbook {
    /// The method in DESIGN.md: Day 0, Day 2–3, Day 7–10, Day 21–30 and a
    /// close-the-loop message on Day 35–42; touches at 09:30 on weekdays.
    public static let standard = Playbook(
        steps: [
            CadenceStep(
                id: "day0", startDay: 0, endDay: 0,
                title: "First contact", channel: "email",
                prompt: "A clear first message or proposal: their problem in their own words, one concrete outcome, one easy question.",
                draft: """
                    Hi {{first_name}},

                    {{#company}}I've been looking at what {{company}} is working on{{/company}}{{^company}}I've been looking at what you're working on{{/company}} and I think we can help. Could we find 20 minutes this week to see whether it fits?
                    """),
            CadenceStep(
                id: "day2-3", startDay: 2, endDay: 3,
                title: "Check in for questions", channel: "email",
                prompt: "A one-line recap of what you sent and an offer to answer questions.",
                draft: """
                    Hi {{first_name}},

                    Just checking whether my last note raised any questions{{#company}} on the {{company}} side{{/company}}. I'm happy to answer them by email or in a short call.
                    """),
            CadenceStep(
                id: "day7-10", startDay: 7, endDay: 10,
                title: "Share a case study or resource", channel: "email",
                prompt: "A case study, checklist or resource that matches their priorities.",
                draft: """
                    Hi {{first_name}},

                    I came across a case study that maps closely to {{#notes}}what you told me{{/notes}}{{^notes}}your situation{{/notes}}: [link]. The short version: [one-line outcome]. Worth a look?
                    """),
            CadenceStep(
                id: "day21-30", startDay: 21, endDay: 30,
                title: "Honest priority check-in", channel: "email",
                prompt: "A summary of their priorities in their own words; ask honestly where this ranks now.",
                draft: """
                    Hi {{first_name}},

                    Where does this sit on your list right now? If it has moved down, that's fine: tell me and I'll check back at a better time.
                    """),
            CadenceStep(
                id: "day35-42", startDay: 35, endDay: 42,
                title: "Close the loop", channel: "email",
                prompt: "A short, friendly close-the-loop note that makes \"not now\" and \"no\" easy answers.",
                draft: """
                    Hi {{first_name}},

                    I haven't heard back, so I'll assume the timing isn't right and close this out for now. If it's "not now", reply with a month and I'll check back then. If it's "no", just say so and I won't follow up. Either answer helps.
                    """),
        ],
        nextStepMine: TouchText(
            title: "Agreed next step",
            prompt: "What you promised, done and sent, with one line on what happens after it.",
            draft: """
                Hi {{first_name}},

                As promised{{#next_step}}, here is the next step: {{next_step}}{{/next_step}}. Let me know what you think.
                """),
        nextStepTheirs: TouchText(
            title: "Check in on their promise",
            prompt: "A gentle reminder of what they said they would do, and an offer to help.",
            draft: """
                Hi {{first_name}},

                Just checking in{{#next_step}} on "{{next_step}}"{{/next_step}}. Is there anything I can do to help move it along?
                """),
        agreeNextStep: TouchText(
            title: "Agree on a next step",
            prompt: "One proposed next step with a date and an owner.",
            draft: """
                Hi {{first_name}},

                Thanks for getting back to me. To keep this moving, shall we agree on a next step? I'd suggest a short call this week{{#company}} to look at what {{company}} needs{{/company}}.
                """),
        nurture: NurtureRules(
            checkBack: NurtureStep(
                text: TouchText(
                    title: "Check back (you said \"not now\")",
                    prompt: "What has changed since you last spoke, and one reason this may fit now.",
                    draft: """
                        Hi {{first_name}},

                        You asked me to check back around now. Is this a better time to pick up where we left off?
                        """)),
            quarterly: NurtureStep(
                text: TouchText(
                    title: "Quarterly update",
                    prompt: "One short, useful update for them: a result, a resource or news that touches their priorities. No ask.",
                    draft: """
                        Hi {{first_name}},

                        A quick update I thought you'd find useful{{#company}} at {{company}}{{/company}}: [one result or resource]. No need to reply; I'll keep you posted now and then.
                        """), offset: 3, windowDays: 10),
            fiscalYearBefore: NurtureStep(
                text: TouchText(
                    title: "Before their fiscal year {{fiscal_year}}",
                    prompt:
                        "Their new fiscal year starts on {{fiscal_year_start}}, when budgets are set: what this could do for them next year, in one paragraph they can forward.",
                    draft: """
                        Hi {{first_name}},

                        With your new fiscal year starting on {{fiscal_year_start}}, you may be setting budgets now. If this is still on your list, I can send a one-page summary to help make the case.
                        """), offset: 30, windowDays: 7),
            fiscalYearStart: NurtureStep(
                text: TouchText(
                    title: "Their fiscal year {{fiscal_year}} starts",
                    prompt: "Their fiscal year {{fiscal_year}} starts on {{fiscal_year_start}}: new budgets and plans; ask what is on their list for it.",
                    draft: """
                        Hi {{first_name}},

                        Happy new fiscal year! What's on your list for the year ahead? If there's a place where we can help, I'd be glad to talk.
                        """), windowDays: 3),
            launch: NurtureStep(
                text: TouchText(
                    title: "After their launch on {{launch_date}}",
                    prompt: "Their product launched on {{launch_date}}: congratulate them and ask what comes next after the launch.",
                    draft: """
                        Hi {{first_name}},

                        Congratulations on the launch{{#company}} at {{company}}{{/company}}! Now that it's out, what's next on your list?
                        """), offset: 14, windowDays: 7),
            event: NurtureStep(
                text: TouchText(
                    title: "After {{event}}",
                    prompt: "They attended {{event}} on {{event_date}}: one takeaway from it that fits their priorities.",
                    draft: """
                        Hi {{first_name}},

                        I hope {{event}} was worth the trip. One thing from it that made me think of you: [takeaway]. Is it on your radar?
                        """), offset: 2, windowDays: 3)
        ),
        touchTime: TimeOfDay(hour: 9, minute: 30)!,
        workdayEnd: TimeOfDay(hour: 17, minute: 0)!
    )
}

/// Which comes first in a numeric date such as 11/04/2026: the day (dmy,
/// most of the world) or the month (mdy, the United States).
public enum DateOrder: String, CaseIterable, Sendable {
    case dmy, mdy
}
