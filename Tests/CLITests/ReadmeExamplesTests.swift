import Foundation
import Testing

/// README.md's examples, run as a reader runs them: every `sh` block in a
/// fresh folder (one folder and one home for the whole README, in reading
/// order, so the daily loop finds the store the five minutes made), every
/// playbook in a `yaml` block checked, the config file's block read, and
/// every transcript (a plain block starting with `$ followup`) compared with
/// what the command prints. `bash` blocks are the ones a test cannot run
/// as written (set-up commands run in a clone, servers that run until
/// stopped); `cron` and plain blocks are not commands.
@Suite struct ReadmeExamplesTests {
    struct Block {
        var language: String
        var text: String
        /// The README line the block's fence is on.
        var line: Int
        /// The heading the block is under.
        var heading: String
    }

    /// The fenced blocks of a Markdown text.
    static func blocks(of markdown: String) -> [Block] {
        var blocks: [Block] = []
        var heading = ""
        var open: (language: String, line: Int, lines: [String])?
        for (index, line) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if var current = open {
                if line == "```" {
                    blocks.append(Block(language: current.language, text: current.lines.joined(separator: "\n"), line: current.line, heading: heading))
                    open = nil
                } else {
                    current.lines.append(String(line))
                    open = current
                }
            } else if line.hasPrefix("```") {
                open = (String(line.dropFirst(3)), index + 1, [])
            } else if line.hasPrefix("#") {
                heading = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
            }
        }
        return blocks
    }

    static let readme: [Block] = {
        let text = (try? String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
        return blocks(of: text)
    }()

    /// followup first on the PATH, a home of the test's own, no store, config or colour from the machine, and
    /// the README's today.
    static func environment(home: URL) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in ["FOLLOWUP_STORE", "FOLLOWUP_CONFIG", "XDG_CONFIG_HOME"] { environment[name] = nil }
        environment["PATH"] = followupBinary.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["HOME"] = home.path
        environment["NO_COLOR"] = "1"
        // The examples' dates (an agreed step on 2026-12-08, a snooze to 2027-03-01) are ahead of this day.
        environment["FOLLOWUP_NOW"] = "2026-12-02T09:00:00Z"
        return environment
    }

    func bash(_ script: String, in folder: URL, home: URL) async throws -> Run {
        try await run(URL(fileURLWithPath: "/bin/bash"), ["-euo", "pipefail", "-c", script], in: folder, environment: Self.environment(home: home))
    }

    @Test func theReadmeHasExamplesOfEachKind() {
        let languages = Self.readme.map(\.language)
        #expect(languages.filter { $0 == "sh" }.count >= 4, "\(languages)")
        #expect(languages.contains("yaml") && languages.contains("bash"))
        #expect(Self.readme.contains { $0.language.isEmpty && $0.text.hasPrefix("$ followup") })
        #expect(Self.readme.allSatisfy { ["sh", "bash", "yaml", "cron", ""].contains($0.language) }, "a fence this test does not know")
    }

    @Test func everyShellExampleRunsAsWrittenInAFreshFolder() async throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let home = root.appendingPathComponent("home"), folder = root.appendingPathComponent("work")
        for made in [home, folder] { try FileManager.default.createDirectory(at: made, withIntermediateDirectories: true) }
        let examples = Self.readme.filter { $0.language == "sh" }
        #expect(!examples.isEmpty)
        for block in examples {
            let result = try await bash(block.text, in: folder, home: home)
            #expect(result.status == 0, "README.md:\(block.line) (\(block.heading)) exits \(result.status):\n\(result.stderr)\n\(result.stdout)")
            #expect(!result.stderr.contains("error:"), "README.md:\(block.line) (\(block.heading)):\n\(result.stderr)")
        }
        // What the text around the examples promises they leave behind.
        for promised in ["work/leads.sqlite", "work/feeds/alice-martin.events.ics", "work/feeds/alice-martin.tasks.ics", "home/sales/leads.sqlite"] {
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(promised).path), "\(promised)")
        }
        // The daily loop's capture commands reached the store: L0001's touches are in its history.
        let show = try await bash("followup show L0001 --json", in: folder, home: home)
        let lead = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any], "\(show.stderr)")
        let history = try #require(lead["history"] as? [[String: Any]], "\(lead.keys.sorted())")
        #expect(history.count >= 3, "\(history)")
    }

    @Test func everyPlaybookInTheReadmeIsOneFollowupReads() async throws {
        let playbooks = Self.readme.filter { $0.language == "yaml" && $0.heading != "The config file" }
        #expect(playbooks.count >= 2)
        for block in playbooks {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            try block.text.write(to: folder.appendingPathComponent("playbook.yaml"), atomically: true, encoding: .utf8)
            // The one the README shows with a holiday calendar names the fixture's file beside it.
            try FileManager.default.copyItem(
                at: packageRoot.appendingPathComponent("Fixtures/playbooks/holidays.ics"), to: folder.appendingPathComponent("holidays.ics"))
            let checked = try await bash("followup playbook --check playbook.yaml", in: folder, home: folder)
            #expect(checked.status == 0, "README.md:\(block.line) (\(block.heading)):\n\(checked.stdout)\(checked.stderr)")
        }
    }

    @Test func theConfigFileInTheReadmeIsReadAsShown() async throws {
        let block = try #require(Self.readme.first { $0.language == "yaml" && $0.heading == "The config file" })
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try block.text.write(to: folder.appendingPathComponent("followup.yaml"), atomically: true, encoding: .utf8)
        #expect(try await bash("followup playbook --print-default > playbook.yaml", in: folder, home: folder).status == 0)
        let config = try await bash("followup config --json", in: folder, home: folder)
        #expect(config.status == 0, "\(config.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(config.stdout.utf8)) as? [String: Any])
        let settings = try #require(object["settings"] as? [[String: Any]])
        let keys = block.text.split(separator: "\n").compactMap { $0.split(separator: ":").first.map(String.init) }
        #expect(keys.count >= 5)
        for key in keys {
            #expect(settings.first { $0["key"] as? String == key }?["source"] as? String == "followup.yaml", "\(key): \(settings)")
        }
    }

    /// A transcript's lines are what the command prints, up to a line `...`; the lines after it are the output's last.
    @Test func everyTranscriptIsWhatTheCommandPrints() async throws {
        let transcripts = Self.readme.filter { $0.language.isEmpty && $0.text.hasPrefix("$ followup") }
        #expect(!transcripts.isEmpty)
        for block in transcripts {
            let lines = block.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let command = String(lines[0].dropFirst(2))
            // Transcripts name the clone's fixtures, so they run in the clone.
            let result = try await bash(command, in: packageRoot, home: try temporaryFolder())
            #expect(result.status == 0, "README.md:\(block.line): \(command): \(result.stderr)")
            let printed = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).reversed().drop { $0.isEmpty }
                .reversed().map { $0 }
            let expected = Array(lines.dropFirst())
            let cut = expected.firstIndex(of: "...") ?? expected.count
            let head = Array(expected[..<cut]), tail = cut < expected.count ? Array(expected[(cut + 1)...]) : []
            #expect(
                Array(printed.prefix(head.count)) == head, "README.md:\(block.line): \(command) prints\n\(printed.prefix(head.count).joined(separator: "\n"))")
            #expect(
                Array(printed.suffix(tail.count)) == tail, "README.md:\(block.line): \(command) ends\n\(printed.suffix(tail.count).joined(separator: "\n"))")
            if tail.isEmpty && cut == expected.count { #expect(printed.count == head.count, "README.md:\(block.line): more lines printed than shown") }
        }
    }
}
