import Foundation
import Synchronization

/// Syncs closed files one after another on a thread of its own, while the
/// threads that plan go on: the disk writes of owners finished early are
/// done before the run ends instead of all waited for at its end.
public final class BackgroundSync: Sendable {
    private let queue = DispatchQueue(label: "followup.sync", qos: .utility)
    private let group = DispatchGroup()
    private let failures = Failures()

    /// Syncs closed files, later; the caller writes them no more.
    public init() {}

    public func sync(_ files: [AtomicFile]) {
        queue.async(group: group) { [failures] in
            for file in files {
                do throws(FileError) { try file.sync() } catch { failures.add(error) }
            }
        }
    }

    /// Waits for every sync asked for so far; throws the first failure.
    public func wait() throws(FileError) {
        group.wait()
        if let first = failures.first { throw first }
    }
}

/// Errors of threads working together.
final class Failures: Sendable {
    private let errors = Mutex<[FileError]>([])

    func add(_ error: FileError) {
        errors.withLock { $0.append(error) }
    }

    var first: FileError? {
        errors.withLock { $0.first }
    }
}

/// A shared count of work taken.
final class WorkCounter: Sendable {
    private let value = Mutex(0)

    /// The next index, or nil when all `count` are taken.
    func take(below count: Int) -> Int? {
        value.withLock { value in
            guard value < count else { return nil }
            value += 1
            return value - 1
        }
    }
}
