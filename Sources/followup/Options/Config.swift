import ArgumentParser
import Foundation
import FollowUp
import Yams

/// The config file: what daily commands would otherwise need as flags.
///
/// `followup.yaml` in the working folder, else `$XDG_CONFIG_HOME/followup/config.yaml`
/// (`~/.config/followup/config.yaml`); `$FOLLOWUP_CONFIG` names another
/// file. A flag overrides it, and `$FOLLOWUP_STORE` overrides its store.
/// Relative paths in it are relative to the file's folder.
struct Config: Sendable {
    enum Key: String, CaseIterable, Sendable {
        case store, playbook, timezone, out, profile
        case dateOrder = "date_order"
        case baseURL = "base_url"

        /// Whether the value is a path (read relative to the file's folder).
        var isPath: Bool { [.store, .playbook, .out].contains(self) }

        var meaning: String {
            switch self {
            case .store: "the lead store (--store)"
            case .playbook: "the playbook file (--playbook)"
            case .timezone: "the zone of leads that name none (--timezone)"
            case .out: "the feeds' folder (generate --out, serve/token --dir)"
            case .profile: "the feeds' client profile (--profile)"
            case .dateOrder: "dmy or mdy: the order of a sheet's numeric dates (--date-order)"
            case .baseURL: "the public address `serve` is reached at, for the links in the feeds and pages (--base-url)"
            }
        }
    }

    /// The file read, nil when there is none.
    let path: String?
    let values: [Key: String]

    static let empty = Config(path: nil, values: [:])

    func value(_ key: Key) -> String? { values[key] }

    /// `date_order`, read as the file's check reads it (without regard to case).
    var dateOrder: DateOrder? { value(.dateOrder).flatMap { DateOrder(rawValue: $0.lowercased()) } }

    /// The config in force for this process: read once, at the start of
    /// `main`, which reports a broken file before any command runs.
    nonisolated(unsafe) static var current = Config.empty

    /// Where the file is looked for, in order.
    static func candidates(environment: [String: String] = ProcessInfo.processInfo.environment) -> [(path: String, explicit: Bool)] {
        if let named = environment["FOLLOWUP_CONFIG"], !named.isEmpty { return [(named, true)] }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let xdg = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (home + "/.config")
        return [("followup.yaml", false), (xdg + "/followup/config.yaml", false)]
    }

    /// Reads the first file of `candidates` that exists.
    static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Config {
        for (path, explicit) in candidates(environment: environment) {
            guard FileManager.default.fileExists(atPath: path) else {
                if explicit { throw Failure("\(path): no such config file ($FOLLOWUP_CONFIG names it)") }
                continue
            }
            return try parse(path: path)
        }
        return .empty
    }

    static func parse(path: String) throws -> Config {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw Failure("\(path): cannot read the config file (not readable, or not UTF-8)")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Failure("\(path): not a YAML file: \(error)")
        }
        guard let node else { return Config(path: path, values: [:]) }
        guard let mapping = node.mapping else {
            throw Failure("\(path):\(node.mark?.line ?? 1): the config file must be a mapping of keys to values, such as `store: leads.sqlite`")
        }
        let folder = (path as NSString).deletingLastPathComponent
        var values: [Key: String] = [:]
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line ?? 1
            guard let name = keyNode.string, let key = Key(rawValue: name.replacingOccurrences(of: "-", with: "_")) else {
                throw Failure(
                    "\(path):\(line): unknown key \"\(keyNode.string ?? "?")\"; the keys are \(Key.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let scalar = valueNode.scalar, !scalar.string.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw Failure("\(path):\(line): \(name) must be one value (\(key.meaning))")
            }
            var value = scalar.string.trimmingCharacters(in: .whitespaces)
            if key == .dateOrder, !["dmy", "mdy"].contains(value.lowercased()) {
                throw Failure("\(path):\(line): date_order is \"\(value)\"; expected dmy or mdy")
            }
            if key == .baseURL, let problem = BaseURLOption.problem(value) {
                throw Failure("\(path):\(line): base_url \(problem)")
            }
            if key.isPath { value = resolve(value, folder: folder) }
            values[key] = value
        }
        return Config(path: path, values: values)
    }

    /// `~/x` from the home folder; a relative path from the file's folder.
    static func resolve(_ path: String, folder: String) -> String {
        if path.hasPrefix("~/") { return NSHomeDirectory() + String(path.dropFirst()) }
        if path.hasPrefix("/") || folder.isEmpty || folder == "." { return path }
        return (folder as NSString).appendingPathComponent(path)
    }
}

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the settings in force and where each comes from.",
        discussion: """
            Settings come from flags, then $FOLLOWUP_STORE (the store), then the config file: \
            followup.yaml in this folder, else $XDG_CONFIG_HOME/followup/config.yaml \
            (~/.config/followup/config.yaml), or the file $FOLLOWUP_CONFIG names. Its keys: \
            store, playbook, timezone, out, profile, date_order, base_url.

            Example followup.yaml:
              store: leads.sqlite
              playbook: playbook.yaml
              timezone: Europe/Berlin
              out: feeds
              profile: google
              base_url: https://cal.example.com

            Examples:
              followup config
              followup config --json
            """
    )

    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        let config = Config.current
        let environmentStore = ProcessInfo.processInfo.environment["FOLLOWUP_STORE"].flatMap { $0.isEmpty ? nil : $0 }
        var rows: [(key: String, value: String?, source: String)] = []
        for key in Config.Key.allCases {
            if key == .store, let environmentStore {
                rows.append((key.rawValue, environmentStore, "$FOLLOWUP_STORE"))
            } else if let value = config.value(key) {
                rows.append((key.rawValue, value, config.path!))
            } else {
                let fallback: String? =
                    switch key {
                    case .store: "leads.sqlite"
                    case .timezone: TimeZone.current.identifier
                    case .profile: "generic"
                    case .playbook, .out, .dateOrder, .baseURL: nil
                    }
                rows.append((key.rawValue, fallback, "default"))
            }
        }
        if json {
            var object: [String: Any] = ["file": config.path ?? NSNull()]
            object["settings"] = rows.map { ["key": $0.key, "value": $0.value ?? NSNull(), "source": $0.source] as [String: Any] }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
            FileHandle.standardOutput.write(data + Data([0x0A]))
            return
        }
        print("Config file: \(config.path ?? "none (looked for \(Config.candidates().map(\.path).joined(separator: ", ")))")")
        let width = rows.map(\.key.count).max() ?? 0
        let valueWidth = rows.map { ($0.value ?? "(none)").count }.max() ?? 0
        for row in rows {
            let value = row.value ?? "(none)"
            print(
                row.key.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + value.padding(toLength: valueWidth, withPad: " ", startingAt: 0) + "  " + row.source)
        }
    }
}
