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

/// Texts for a touchpoint that is not a cadence step.
public struct TouchText: Hashable, Sendable {
    public var title: String
    public var prompt: String
    public var draft: String

    public init(title: String, prompt: String, draft: String) {
        self.title = title; self.prompt = prompt; self.draft = draft
    }
}

/// The follow-up method as data: the cadence, the texts and the rules of time.
public struct Playbook: Hashable, Sendable {
    public var steps: [CadenceStep]
    /// An engaged lead's next step that is mine.
    public var nextStepMine: TouchText
    /// A gentle check-in after a step they promised.
    public var nextStepTheirs: TouchText
    /// An engaged lead with no next step: agree on one.
    public var agreeNextStep: TouchText
    /// A "not now" lead at the end of its snooze.
    public var checkBack: TouchText
    public var calendar: BusinessCalendar
    /// When a touch is placed in the lead's working day.
    public var touchTime: TimeOfDay
    /// How long a touch event lasts.
    public var touchMinutes: Int
    /// The end of the working day: a task's DUE time.
    public var workdayEnd: TimeOfDay
    /// Never two touches to one lead closer than this many business days.
    public var minimumGapBusinessDays: Int
    /// How far ahead cadence touchpoints are written.
    public var horizonDays: Int
    /// A reminder this many minutes before each event.
    public var alarmMinutesBefore: Int

    public init(steps: [CadenceStep], nextStepMine: TouchText, nextStepTheirs: TouchText, agreeNextStep: TouchText,
                checkBack: TouchText, calendar: BusinessCalendar = BusinessCalendar(),
                touchTime: TimeOfDay, touchMinutes: Int = 15, workdayEnd: TimeOfDay,
                minimumGapBusinessDays: Int = 2, horizonDays: Int = 90, alarmMinutesBefore: Int = 15) {
        self.steps = steps; self.nextStepMine = nextStepMine; self.nextStepTheirs = nextStepTheirs
        self.agreeNextStep = agreeNextStep; self.checkBack = checkBack; self.calendar = calendar
        self.touchTime = touchTime; self.touchMinutes = touchMinutes; self.workdayEnd = workdayEnd
        self.minimumGapBusinessDays = minimumGapBusinessDays; self.horizonDays = horizonDays
        self.alarmMinutesBefore = alarmMinutesBefore
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
        checkBack: TouchText(
            title: "Check back (you said \"not now\")",
            prompt: "What has changed since you last spoke, and one reason this may fit now.",
            draft: """
            Hi {{first_name}},

            You asked me to check back around now. Is this a better time to pick up where we left off?
            """),
        touchTime: TimeOfDay(hour: 9, minute: 30)!,
        workdayEnd: TimeOfDay(hour: 17, minute: 0)!
    )
}
