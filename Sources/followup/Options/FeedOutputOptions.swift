import ArgumentParser
import Feeds
import Foundation
import Generation

/// The shape of the feeds, which decides what a feed holds within its
/// profile's budget: shared by `generate`, `serve --regenerate-every` and
/// `explain`.
struct FeedShapeOptions: ParsableArguments {
    @Option(
        name: .customLong("profile"),
        help: ArgumentHelp(
            "Shape the feeds for a calendar client: \(FeedProfile.all.map(\.name).joined(separator: ", ")). google and outlook leave out alarms, which their subscriptions ignore; each client but generic has a budget a feed is cut to (see README, \"Feed budgets\").",
            valueName: "client"))
    var profileOption: String?

    /// --profile, else the config file's, else generic.
    var profile: String { profileOption ?? Config.current.value(.profile) ?? FeedProfile.generic.name }

    @Flag(
        help:
            "Events feeds hold one \"Follow-ups today (N)\" event per owner and day, at the start of the working day in --timezone, instead of one event per touch."
    )
    var digest = false

    @Flag(help: "Events are all-day entries on their day instead of timed ones (an alarm still fires at the touch time).")
    var allDay = false

    func validate() throws {
        guard FeedProfile.named(profile) != nil else {
            throw ValidationError(
                "\(profileOption == nil ? "the config file's profile" : "--profile") \"\(profile)\" is not one of \(FeedProfile.all.map(\.name).joined(separator: ", "))."
            )
        }
    }

    /// The feeds' options; `zone` is where a digest's day starts.
    func feedOptions(zone: String) -> FeedOptions {
        FeedOptions(profile: FeedProfile.named(profile) ?? .generic, allDay: allDay, digest: digest, ownerTimeZone: zone)
    }
}

/// How the feeds are written: shared by `generate` and `serve --regenerate-every`.
struct FeedOutputOptions: ParsableArguments {
    @OptionGroup var shape: FeedShapeOptions

    var profile: String { shape.profile }

    @OptionGroup var mode: FileModeOption

    @Option(
        help: ArgumentHelp(
            "How long to wait for another run that is writing into the feeds' folder, in seconds; then give up with status 75.", valueName: "seconds"))
    var wait: Double = 60

    @Flag(help: "Write nothing when any row of the store is bad.")
    var strict = false

    @Option(
        help: ArgumentHelp(
            "How many threads plan and serialise, owner by owner (default: one per core). The feeds are the same, byte for byte, whatever the number.",
            valueName: "n"))
    var threads: Int?

    func validate() throws {
        guard wait >= 0 else { throw ValidationError("--wait must be 0 or more seconds, not \(wait).") }
        if let threads, threads < 1 { throw ValidationError("--threads must be 1 or more, not \(threads).") }
    }

    /// The engine's options; `zone` is where a digest's day starts.
    func generateOptions(zone: String, followsClock: Bool, clock: Date) -> GenerateOptions {
        var options = GenerateOptions(feeds: shape.feedOptions(zone: zone))
        options.fileMode = mode.value
        options.lockWait = wait
        options.strict = strict
        options.threads = threads
        options.followsClock = followsClock
        options.clock = clock
        return options
    }
}

/// `--mode`: the permissions of the files a command writes.
struct FileModeOption: ParsableArguments {
    @Option(
        name: .customLong("mode"),
        help: ArgumentHelp(
            "Permissions of the files written, in octal: 600 (the default) lets only their owner read them; 644 lets a web server running as another user serve them.",
            valueName: "mode"))
    var text: String = "600"

    var value: mode_t { Self.parse(text) ?? 0o600 }

    func validate() throws { try Self.validate(text) }

    /// Refuses a mode that is not a mode, or one unsafe for files of
    /// personal data: nobody else may change them, and they are not programs.
    static func validate(_ text: String) throws {
        guard let fileMode = parse(text) else {
            throw ValidationError("--mode \"\(text)\" is not a file mode; expected octal such as 600 or 644.")
        }
        if fileMode & 0o7000 != 0 {
            throw ValidationError("--mode \(text) sets the setuid, setgid or sticky bit, which these files never need; use 600 or 644.")
        }
        if fileMode & 0o022 != 0 {
            throw ValidationError("--mode \(text) lets other users change the files; use 600 (owner only) or 644 (readable by others).")
        }
        if fileMode & 0o400 == 0 {
            throw ValidationError("--mode \(text) leaves the files unreadable to their owner; use 600 or 644.")
        }
    }

    /// Reads an octal file mode such as `600` or `0644`.
    static func parse(_ text: String) -> mode_t? {
        guard (3...4).contains(text.count), let value = mode_t(text, radix: 8), value <= 0o7777 else { return nil }
        return value
    }
}
