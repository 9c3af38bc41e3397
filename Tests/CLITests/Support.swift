import Foundation

/// The package's top folder, found from this file.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `followup` binary that `swift test` built beside the test bundle.
let followupBinary: URL = {
    let candidates = [
        Bundle.main.executableURL?.deletingLastPathComponent(),
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        Bundle.main.bundleURL.deletingLastPathComponent(),
    ].compactMap { $0 }
    for folder in candidates {
        let binary = folder.appendingPathComponent("followup")
        if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
    }
    return packageRoot.appendingPathComponent(".build/debug/followup")
}()

/// The gauntlet of real iCalendar consumers in shared/, when this checkout has one.
let gauntlet: URL? = {
    let candidates = [
        ProcessInfo.processInfo.environment["FOLLOWUP_GAUNTLET"].map { URL(fileURLWithPath: $0) },
        packageRoot.deletingLastPathComponent().appendingPathComponent("shared/gauntlet/check"),
    ]
    return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}()

/// A started child process whose exit is awaited, never waited for on a thread.
///
/// Swift Testing runs tests as tasks on the cooperative pool, one thread per core.
/// `Process.waitUntilExit()` holds one of those threads for as long as the child runs
/// (minutes for the gauntlet); on a 2-core machine two such waits leave no thread for the
/// other tests' tasks, among them the HTTP server that the Publish tests run in this same
/// process, whose clients then time out. Waiting through `terminationHandler` frees the thread.
struct Child: Sendable {
    private let exit: AsyncStream<Int32>

    /// Starts `process`.
    init(_ process: Process) throws {
        let (exit, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .bufferingNewest(1))
        process.terminationHandler = { finished in
            continuation.yield(finished.terminationStatus)
            continuation.finish()
        }
        self.exit = exit
        try process.run()
    }

    /// The child's exit status, once it has exited.
    func exited() async -> Int32 {
        for await status in exit { return status }
        preconditionFailure("a process ended without a termination status")
    }
}

struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion and captures what it printed.
func run(
    _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil, input: String? = nil
) async throws -> Run {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if let environment { process.environment = environment }
    if let input {
        let pipe = Pipe()
        process.standardInput = pipe
        pipe.fileHandleForWriting.write(Data(input.utf8))
        try pipe.fileHandleForWriting.close()
    }
    // Output goes to files, so a chatty child never blocks on a full pipe.
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let outURL = folder.appendingPathComponent("stdout"), errURL = folder.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
    process.standardOutput = out
    process.standardError = err
    let status = try await Child(process).exited()
    try out.close()
    try err.close()
    return Run(
        status: status,
        stdout: try String(contentsOf: outURL, encoding: .utf8),
        stderr: try String(contentsOf: errURL, encoding: .utf8))
}

func followup(_ arguments: [String]) async throws -> Run {
    try await run(followupBinary, arguments, in: packageRoot)
}

func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("followup-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// The files a run wrote (the folder's lock file, `.followup.lock`, left out).
func files(in folder: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
}
