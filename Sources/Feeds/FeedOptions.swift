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
    /// The most a feed may hold for this client: a feed that would pass it
    /// keeps its nearest touches (overdue first, then day by day) and leaves
    /// the farthest out. nil: everything is kept.
    public var budget: FeedBudget?

    /// Everything, for clients and scripts without limits of their own.
    public static let generic = FeedProfile(name: "generic", alarms: true)
    /// Google ignores VALARM in subscribed calendars; its own default
    /// notifications for the calendar apply instead. A subscribed feed past
    /// about 1 MB or 1,100 events is reported to be dropped without a word.
    public static let google = FeedProfile(name: "google", alarms: false, budget: FeedBudget(components: 1_000, bytes: 1_000_000))
    /// Outlook's internet-calendar subscriptions drop reminders, and large
    /// subscriptions are reported to stop refreshing (Outlook.com gives up
    /// on slow downloads).
    public static let outlook = FeedProfile(
        name: "outlook", alarms: false, zonesAsOneYearlyRule: true, budget: FeedBudget(components: 5_000, bytes: 5_000_000))
    /// iCloud refreshes subscriptions on its servers and phones keep the
    /// whole calendar: past some ten thousand events they slow down.
    public static let apple = FeedProfile(name: "apple", alarms: true, budget: FeedBudget(components: 10_000, bytes: 10_000_000))
    /// Thunderbird keeps a subscribed calendar in memory and re-reads all
    /// of it at every refresh.
    public static let thunderbird = FeedProfile(name: "thunderbird", alarms: true, budget: FeedBudget(components: 10_000, bytes: 10_000_000))
    /// Nextcloud's background refresh of a subscription fails on large
    /// feeds (PHP's time and memory limits of a cron job).
    public static let nextcloud = FeedProfile(name: "nextcloud", alarms: true, budget: FeedBudget(components: 5_000, bytes: 5_000_000))

    public static let all: [FeedProfile] = [.generic, .google, .outlook, .apple, .thunderbird, .nextcloud]

    public static func named(_ name: String) -> FeedProfile? {
        all.first { $0.name == name.lowercased() }
    }
}

/// The most one feed may hold: components (VEVENTs or VTODOs) and bytes,
/// the whole file counted.
public struct FeedBudget: Hashable, Sendable, Codable {
    public var components: Int
    public var bytes: Int

    public init(components: Int, bytes: Int) {
        self.components = components
        self.bytes = bytes
    }
}

/// Choices that shape the events feeds; the tasks feeds differ only by
/// the profile's budget, which cuts both.
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
