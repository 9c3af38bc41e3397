import FollowUp

/// How the events feeds are shaped for the calendar clients that read them.
///
/// What each client does with a subscribed feed, from its own documentation
/// (see README, "Subscribing to a feed"): Google Calendar and Outlook show
/// events only and ignore VALARM in subscriptions, so there the event itself,
/// at the time to act, is the reminder; Apple Calendar keeps alarms unless the
/// subscriber ticks "Remove alerts"; Thunderbird and Nextcloud honour VALARM
/// and show tasks.
public struct FeedProfile: Hashable, Sendable {
    public var name: String
    /// Whether events carry a VALARM.
    public var alarms: Bool
    /// Whether an event's zone must be one yearly rule (one STANDARD and at
    /// most one DAYLIGHT): Outlook turns every VTIMEZONE into one such rule
    /// (MS-OXCICAL 2.1.3.1.1.19), so an event in a zone no yearly rule
    /// describes (Morocco's, around Ramadan) is written in UTC for it.
    public var zonesAsOneYearlyRule = false

    public static let generic = FeedProfile(name: "generic", alarms: true)
    /// Google ignores VALARM in subscribed calendars; its own default
    /// notifications for the calendar apply instead.
    public static let google = FeedProfile(name: "google", alarms: false)
    /// Outlook's internet-calendar subscriptions drop reminders.
    public static let outlook = FeedProfile(name: "outlook", alarms: false, zonesAsOneYearlyRule: true)
    public static let apple = FeedProfile(name: "apple", alarms: true)
    public static let thunderbird = FeedProfile(name: "thunderbird", alarms: true)
    public static let nextcloud = FeedProfile(name: "nextcloud", alarms: true)

    public static let all: [FeedProfile] = [.generic, .google, .outlook, .apple, .thunderbird, .nextcloud]

    public static func named(_ name: String) -> FeedProfile? {
        all.first { $0.name == name.lowercased() }
    }
}

/// Choices that shape the events feeds; the tasks feeds are the same for all.
public struct FeedOptions: Hashable, Sendable {
    public var profile: FeedProfile
    /// Events as all-day entries on their day (VALUE=DATE, exclusive end)
    /// instead of timed ones; an alarm still fires at the touch time.
    public var allDay: Bool
    /// One "Follow-ups today (N)" event per owner and day instead of one
    /// event per touch.
    public var digest: Bool
    /// The zone of the owners' working day, where a digest starts.
    public var ownerTimeZone: String
    /// When a digest starts in the owner's working day.
    public var workdayStart: TimeOfDay

    /// Owners with a working day of their own (a playbook's `owners:`
    /// section), by name in lower case: their digest starts at the start of
    /// their day, in their zone, and lists times on their clock.
    public var ownerClocks: [String: OwnerClock]

    public init(
        profile: FeedProfile = .generic, allDay: Bool = false, digest: Bool = false,
        ownerTimeZone: String = "UTC", workdayStart: TimeOfDay = TimeOfDay(hour: 9, minute: 0)!,
        ownerClocks: [String: OwnerClock] = [:]
    ) {
        self.profile = profile; self.allDay = allDay; self.digest = digest
        self.ownerTimeZone = ownerTimeZone; self.workdayStart = workdayStart
        self.ownerClocks = ownerClocks
    }

    /// Where and when `owner`'s working day starts.
    public func clock(of owner: String) -> OwnerClock {
        ownerClocks.isEmpty
            ? OwnerClock(zone: ownerTimeZone, start: workdayStart) : ownerClocks[owner.lowercased()] ?? OwnerClock(zone: ownerTimeZone, start: workdayStart)
    }

    /// These options with the working days of a playbook: the start of the
    /// day (`working_hours`), and each owner's own zone and start.
    public func following(_ playbook: Playbook) -> FeedOptions {
        var options = self
        options.workdayStart = playbook.touchTime
        var clocks: [String: OwnerClock] = [:]
        for (owner, day) in playbook.owners where day.timeZone != nil || day.dayStart != nil {
            clocks[owner] = OwnerClock(zone: day.timeZone ?? ownerTimeZone, start: day.dayStart ?? playbook.touchTime)
        }
        options.ownerClocks = clocks
        return options
    }
}

/// The zone an owner works in and when their working day starts.
public struct OwnerClock: Hashable, Sendable {
    public var zone: String
    public var start: TimeOfDay

    public init(zone: String, start: TimeOfDay) {
        self.zone = zone
        self.start = start
    }
}
