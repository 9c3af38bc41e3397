#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A file written through a buffer into a temporary file beside its target
/// and renamed into place on `commit()`, so a reader sees the old file or
/// the new one, never half of one. When the new bytes equal the old file's,
/// the old file is left untouched (same bytes, same modification time), so
/// web servers keep their ETags and clients their caches. Dropped without a
/// commit, it removes its temporary file.
final class AtomicFile: @unchecked Sendable {
    // @unchecked: used by one thread at a time (the one writing it, then,
    // once it is closed, the one syncing or placing it).
    let path: String
    let temporaryPath: String
    /// Renamed into place, or dropped: nothing of it is left to remove.
    private var placed = false
    private let mode: mode_t
    private var handle: UnsafeMutablePointer<FILE>?
    /// Bytes written so far.
    private(set) var count: UInt64 = 0
    /// Its bytes are on the disk.
    private(set) var synced = false
    private var knownToChange: Bool?

    /// The name a temporary file of this process has beside `target`.
    static func temporaryName(for target: String) -> String {
        ".\(target).tmp-\(getpid())"
    }

    /// Whether a file name is one of this writer's temporary files (of
    /// any process): a feed's or `index.json`'s. Others in the folder that
    /// look alike (the tokens file's, which `serve` and `token` write while
    /// a run goes on) are not this writer's to remove.
    static func isTemporaryName(_ name: String) -> Bool {
        guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards) else { return false }
        let pid = name[marker.upperBound...]
        let target = name[name.index(after: name.startIndex)..<marker.lowerBound]
        return !pid.isEmpty && pid.allSatisfy(\.isNumber) && (target.hasSuffix(".ics") || target == "index.json")
    }

    init(path: String, mode: mode_t) throws(FeedError) {
        self.path = path
        self.mode = mode
        let url = URL(fileURLWithPath: path)
        temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(Self.temporaryName(for: url.lastPathComponent)).path
        unlink(temporaryPath)
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw FeedError("cannot write \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        // The umask may have taken bits away; the mode asked for is the mode given.
        fchmod(descriptor, mode)
        guard let handle = fdopen(descriptor, "wb") else {
            Glibc.close(descriptor)
            unlink(temporaryPath)
            throw FeedError("cannot write \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        // Components are written one by one; a large buffer keeps that to
        // few system calls. It is ours: given no buffer, glibc ignores the
        // size and writes in blocks of 4 KiB.
        setvbuf(handle, buffer, _IOFBF, Self.bufferSize)
        self.handle = handle
    }

    private static let bufferSize = 1 << 18
    /// The stream's buffer; freed only after the stream is closed.
    private let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: AtomicFile.bufferSize)

    func write(_ bytes: [UInt8]) throws(FeedError) {
        try write(bytes[...])
    }

    func write(_ bytes: ArraySlice<UInt8>) throws(FeedError) {
        guard let handle else { throw FeedError("\(path): written after it was closed") }
        guard !bytes.isEmpty else { return }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        guard written == bytes.count else {
            throw FeedError("cannot write \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        count += UInt64(written)
    }

    /// Appends `length` bytes of the file at `source` from `offset`, copied
    /// by the kernel (`sendfile`) without passing through this process.
    func append(from source: String, offset: UInt64, length: UInt64) throws(FeedError) {
        guard let handle else { throw FeedError("\(path): written after it was closed") }
        guard length > 0 else { return }
        guard fflush(handle) == 0 else {
            throw FeedError("cannot write \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FeedError("cannot read \(source): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(input) }
        var position = off_t(offset)
        var left = length
        while left > 0 {
            let sent = sendfile(fileno(handle), input, &position, Int(min(left, 1 << 30)))
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else {
                let reason = sent == 0 ? "it is shorter than expected" : String(cString: strerror(errno))
                throw FeedError("cannot copy \(source) into \(temporaryPath): \(reason)")
            }
            left -= UInt64(sent)
        }
        count += length
    }

    /// Puts the new file in place, or keeps the old one when they are equal.
    /// - Returns: true when the file was replaced, false when it was unchanged.
    @discardableResult
    func commit() throws(FeedError) -> Bool {
        try close()
        try sync()
        return try place()
    }

    /// Ends writing: the bytes go to the kernel and the file is closed
    /// (a run may have more files waiting than it may keep open). It is
    /// still only the temporary file, readable at `temporaryPath`.
    func close() throws(FeedError) {
        guard let handle else { return }
        self.handle = nil
        let flushed = fflush(handle) == 0
        let error = errno
        fclose(handle)
        guard flushed else {
            unlink(temporaryPath)
            placed = true
            throw FeedError("cannot write \(temporaryPath): \(String(cString: strerror(error)))")
        }
    }

    /// Waits until the closed file's bytes are on the disk, so that a crash
    /// after the rename cannot leave an empty file in place. A sync waits
    /// mostly on the disk, not on the processor: owners' files are synced by
    /// a `BackgroundSync` while the run plans other owners, and the rest
    /// together at its end (`syncAll`).
    func sync() throws(FeedError) {
        let descriptor = open(temporaryPath, O_RDONLY | O_CLOEXEC)
        let synced = descriptor >= 0 && fsync(descriptor) == 0
        let error = errno
        if descriptor >= 0 { Glibc.close(descriptor) }
        guard synced else {
            throw FeedError("cannot write \(temporaryPath): \(String(cString: strerror(error)))")
        }
        self.synced = true
    }

    /// Renames the synced file into place, or drops it when the file in
    /// place has the same bytes. - Returns: true when the file was replaced.
    func place() throws(FeedError) -> Bool {
        guard !placed else { return false }
        placed = true
        if !changes() {
            unlink(temporaryPath)
            chmod(path, mode)  // a new --mode applies to an unchanged file too
            return false
        }
        guard rename(temporaryPath, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw FeedError("cannot replace \(path): \(message)")
        }
        return true
    }

    /// Whether placing the closed file changes what is in place (compared
    /// once, byte for byte).
    func changes() -> Bool {
        if let known = knownToChange { return known }
        let result = !Self.sameContents(temporaryPath, path)
        knownToChange = result
        return result
    }

    /// Syncs closed files on several threads of their own: a sync waits on
    /// the disk (a journal commit each), and waits overlap.
    static func syncAll(_ files: [AtomicFile]) throws(FeedError) {
        let failures = Failures()
        let next = Failures.Counter()
        let group = DispatchGroup()
        for _ in 0..<min(8, files.count) {
            group.enter()
            Thread {
                while let index = next.take(below: files.count) {
                    do throws(FeedError) { try files[index].sync() } catch { failures.add(error) }
                }
                group.leave()
            }.start()
        }
        group.wait()
        if let first = failures.first { throw first }
    }

    deinit {
        if let handle { fclose(handle) }
        if !placed { unlink(temporaryPath) }
        buffer.deallocate()
    }

    /// Compares two files byte for byte, reading both in blocks.
    static func sameContents(_ a: String, _ b: String) -> Bool {
        var statA = stat(), statB = stat()
        guard stat(a, &statA) == 0, stat(b, &statB) == 0, statA.st_size == statB.st_size,
              let fileA = fopen(a, "rb") else { return false }
        defer { fclose(fileA) }
        guard let fileB = fopen(b, "rb") else { return false }
        defer { fclose(fileB) }
        let size = 1 << 16
        var bufferA = [UInt8](repeating: 0, count: size), bufferB = [UInt8](repeating: 0, count: size)
        while true {
            let readA = fread(&bufferA, 1, size, fileA), readB = fread(&bufferB, 1, size, fileB)
            guard readA == readB else { return false }
            if readA == 0 { return true }
            if memcmp(bufferA, bufferB, readA) != 0 { return false }
        }
    }
}

/// The output folder's lock: one run writes into a folder at a time.
///
/// `flock` on `.followup.lock` in the folder; the kernel releases it when the
/// process ends, however it ends, so a killed run never leaves the folder
/// locked.
final class FolderLock {
    private let descriptor: Int32

    init(folder: String, waitingUpTo seconds: Double) throws(FeedError) {
        let path = (folder as NSString).appendingPathComponent(".followup.lock")
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw FeedError("cannot open the lock \(path): \(String(cString: strerror(errno)))")
        }
        let deadline = Date().addingTimeInterval(max(seconds, 0))
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                close(descriptor)
                throw FeedError("another followup run is writing to \(folder) (it holds \(path)); "
                                + "gave up after waiting \(Int(seconds)) s", kind: .locked)
            }
            usleep(100_000)
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// Syncs closed files one after another on a thread of its own, while the
/// threads that plan go on: the disk writes of owners finished early are
/// done before the run ends instead of all waited for at its end.
final class BackgroundSync: @unchecked Sendable {
    // @unchecked: the queue and group are thread-safe; `failures` locks.
    private let queue = DispatchQueue(label: "followup.sync", qos: .utility)
    private let group = DispatchGroup()
    private let failures = Failures()

    /// Syncs closed files, later; the caller writes them no more.
    func sync(_ files: [AtomicFile]) {
        queue.async(group: group) { [failures] in
            for file in files {
                do throws(FeedError) { try file.sync() } catch { failures.add(error) }
            }
        }
    }

    /// Waits for every sync asked for so far; throws the first failure.
    func wait() throws(FeedError) {
        group.wait()
        if let first = failures.first { throw first }
    }
}

/// Errors of threads working together, and a shared count of work taken.
private final class Failures: @unchecked Sendable {
    // @unchecked: everything is under `lock`.
    private let lock = NSLock()
    private var errors: [FeedError] = []

    func add(_ error: FeedError) {
        lock.lock()
        errors.append(error)
        lock.unlock()
    }

    var first: FeedError? {
        lock.lock()
        defer { lock.unlock() }
        return errors.first
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0

        /// The next index, or nil when all `count` are taken.
        func take(below count: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard value < count else { return nil }
            value += 1
            return value - 1
        }
    }
}
