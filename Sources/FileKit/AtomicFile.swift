import Glibc
import Foundation

/// A file written through a buffer into a temporary file beside its target
/// and renamed into place on `commit()`, so a reader sees the old file or
/// the new one, never half of one. When the new bytes equal the old file's,
/// the old file is left untouched (same bytes, same modification time), so
/// web servers keep their ETags and clients their caches. Dropped without a
/// commit, it removes its temporary file.
public final class AtomicFile: @unchecked Sendable {
    // @unchecked: used by one thread at a time (the one writing it, then,
    // once it is closed, the one syncing or placing it).
    public let path: String
    public let temporaryPath: String
    /// Renamed into place, or dropped: nothing of it is left to remove.
    private var placed = false
    private let mode: mode_t
    /// The temporary file, open while it is written; -1 once closed.
    private var descriptor: Int32 = -1
    /// Bytes written and not yet given to the kernel: `pending` of them at
    /// `buffer`, which is aligned for direct writes; freed on closing (a
    /// run may have many files written and waiting to be placed).
    private var buffer: UnsafeMutableRawPointer?
    private var pending = 0
    private let capacity: Int
    /// Written around the page cache (see `DirectIO`): only whole blocks
    /// go to the kernel until the file is closed, then the rest.
    public private(set) var direct: Bool
    /// The first write that failed: every later write, and closing, throws it.
    private var failure: FileError?
    /// Bytes written so far.
    public private(set) var count: UInt64 = 0
    /// Its bytes are on the disk.
    public private(set) var synced = false
    private var knownToChange: Bool?

    /// The name a temporary file of this process has beside `target`.
    public static func temporaryName(for target: String) -> String {
        ".\(target).tmp-\(getpid())"
    }

    /// The file a temporary file of this scheme (of any process) stands
    /// for, from its name; nil for any other name. Each writer removes the
    /// temporaries of its own files only: `generate` those of feeds and
    /// `index.json`, not the tokens file's, which `serve` and `token` may be
    /// writing while a run goes on.
    public static func target(ofTemporary name: String) -> String? {
        guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards),
            marker.lowerBound > name.startIndex
        else { return nil }
        let pid = name[marker.upperBound...]
        let target = name[name.index(after: name.startIndex)..<marker.lowerBound]
        guard !pid.isEmpty, pid.allSatisfy(\.isNumber), !target.isEmpty else { return nil }
        return String(target)
    }

    /// Writes a whole small file (a manifest, a stamp, a tokens file, an
    /// exported sheet) atomically: synced, then renamed into place; left
    /// untouched when its bytes are the same.
    /// - Returns: true when the file was replaced.
    @discardableResult
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(FileError) -> Bool {
        let file = try AtomicFile(path: path, mode: mode)
        try file.write(bytes)
        return try file.commit()
    }

    /// - Parameter direct: write around the page cache where the file
    ///   system allows (see `DirectIO`): for feeds of many megabytes that
    ///   this process does not read again soon.
    public init(path: String, mode: mode_t, direct: Bool = false) throws(FileError) {
        self.path = path
        self.mode = mode
        let url = URL(fileURLWithPath: path)
        temporaryPath =
            url.deletingLastPathComponent()
            .appendingPathComponent(Self.temporaryName(for: url.lastPathComponent)).path
        unlink(temporaryPath)
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw FileError.last(.write, temporaryPath)
        }
        // The umask may have taken bits away; the mode asked for is the mode given.
        fchmod(descriptor, mode)
        self.descriptor = descriptor
        self.direct = direct && DirectIO.set(descriptor, direct: true)
        // Components are written one by one; a large buffer keeps that to
        // few system calls (and direct writes to few waits on the disk).
        capacity = self.direct ? 1 << 20 : 1 << 18
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: DirectIO.blockSize)
    }

    public func write(_ bytes: [UInt8]) throws(FileError) {
        try write(bytes[...])
    }

    public func write(_ bytes: ArraySlice<UInt8>) throws(FileError) {
        guard !bytes.isEmpty else {
            if let failure { throw failure }
            return
        }
        let failure = bytes.withUnsafeBytes { raw -> FileError? in
            do throws(FileError) { try write(raw); return nil } catch { return error }
        }
        if let failure { throw failure }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        if let failure { throw failure }
        guard descriptor >= 0, let buffer else {
            throw FileError(.write, path, code: 0, description: "\(path): written after it was closed")
        }
        var done = 0
        while done < bytes.count {
            if pending == capacity { try drain(all: false) }
            let take = min(capacity - pending, bytes.count - done)
            (buffer + pending).copyMemory(from: bytes.baseAddress! + done, byteCount: take)
            pending += take
            done += take
        }
        count += UInt64(bytes.count)
    }

    /// Gives the buffered bytes to the kernel: all of them, or, while the
    /// file is written directly, the whole blocks among them (the rest
    /// move to the buffer's start).
    private func drain(all: Bool) throws(FileError) {
        if let failure { throw failure }
        guard let buffer, pending > 0 else { return }
        var done = 0
        if direct {
            let blocks = pending & ~(DirectIO.blockSize - 1)
            while done < blocks {
                let result = Glibc.write(descriptor, buffer + done, blocks - done)
                if result < 0, errno == EINTR { continue }
                if result > 0, result % DirectIO.blockSize == 0 {
                    done += result
                    continue
                }
                if result < 0, errno != EINVAL {
                    fail(FileError.last(.write, temporaryPath))
                    throw failure!
                }
                // Refused after all, or a part of a block written: the rest goes buffered.
                if result > 0 { done += result }
                stopWritingDirectly()
                break
            }
            // The last part of a block: the file is closed after it.
            if all, direct { stopWritingDirectly() }
        }
        if !direct {
            while done < pending {
                let result = Glibc.write(descriptor, buffer + done, pending - done)
                if result < 0, errno == EINTR { continue }
                guard result > 0 else {
                    fail(result == 0 ? FileError(.write, temporaryPath, code: EIO) : FileError.last(.write, temporaryPath))
                    throw failure!
                }
                done += result
            }
        }
        if done < pending { buffer.copyMemory(from: buffer + done, byteCount: pending - done) }
        pending -= done
    }

    private func stopWritingDirectly() {
        direct = false
        DirectIO.set(descriptor, direct: false)
    }

    private func fail(_ error: FileError) {
        if failure == nil { failure = error }
    }

    /// Appends `length` bytes of the file at `source` from `offset`: read
    /// around the page cache where the file is written so, else copied by
    /// the kernel (`sendfile`) without passing through this process.
    public func append(from source: String, offset: UInt64, length: UInt64) throws(FileError) {
        if let failure { throw failure }
        guard descriptor >= 0 else { throw FileError(.write, path, code: 0, description: "\(path): written after it was closed") }
        guard length > 0 else { return }
        if direct {
            // Read around the page cache too (the source was written so),
            // each block copied once, into the write buffer.
            try read(source, offset: offset, length: length) { bytes, _ throws(FileError) in try write(bytes) }
            return
        }
        try drain(all: true)
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FileError.last(.read, source) }
        defer { Glibc.close(input) }
        var position = off_t(offset)
        var left = length
        while left > 0 {
            let sent = sendfile(descriptor, input, &position, Int(min(left, 1 << 30)))
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else {
                let reason = sent == 0 ? "it is shorter than expected" : String(cString: strerror(errno))
                throw FileError(.copy, temporaryPath, code: sent == 0 ? 0 : errno, description: "cannot copy \(source) into \(temporaryPath): \(reason)")
            }
            left -= UInt64(sent)
        }
        count += length
    }

    /// Appends `length` bytes of `source` from `offset` as
    /// `append(from:offset:length:)` does, passed through `transform` a
    /// chunk at a time: it may change the chunk in place (not its length)
    /// and returns how many of its bytes are final; the rest are kept in
    /// front of the next chunk (the last chunk is final whole). The source
    /// is read around the page cache where its file system allows: it was
    /// written so, or was written by an earlier run.
    public func append(
        from source: String, offset: UInt64, length: UInt64, transform: (inout [UInt8], _ final: Bool) -> Int
    ) throws(FileError) {
        var buffer: [UInt8] = []
        try read(source, offset: offset, length: length) { bytes, final throws(FileError) in
            buffer.append(contentsOf: bytes)
            let held = transform(&buffer, final)
            let done = final ? buffer.count : min(buffer.count, max(0, held))
            try write(buffer[..<done])
            buffer.removeFirst(done)
        }
    }

    /// Hands `length` bytes of `source` from `offset` to `take` a block
    /// at a time (`final` with the last), read around the page cache where
    /// the file system allows.
    private func read(
        _ source: String, offset: UInt64, length: UInt64, _ take: (UnsafeRawBufferPointer, _ final: Bool) throws(FileError) -> Void
    ) throws(FileError) {
        guard length > 0 else { return }
        guard let input = DirectReader(source) else { throw FileError.last(.read, source) }
        var position = offset
        let end = offset + length
        while position < end {
            // Not `failure`: that is the file's own sticky write failure.
            var thrown: FileError?
            let got = input.read(at: position, count: Int(min(end - position, UInt64(input.capacity)))) { bytes -> Int in
                guard !bytes.isEmpty else { return 0 }
                do throws(FileError) { try take(bytes, position + UInt64(bytes.count) >= end) } catch { thrown = error }
                return bytes.count
            }
            if let thrown { throw thrown }
            guard let got, got > 0 else {
                let reason = got == 0 ? "it is shorter than expected" : String(cString: strerror(errno))
                throw FileError(.copy, temporaryPath, code: got == 0 ? 0 : errno, description: "cannot copy \(source) into \(temporaryPath): \(reason)")
            }
            position += UInt64(got)
        }
    }

    /// Waits until what is written so far is on the disk, leaving the file
    /// open for more: called on a thread of its own while other work goes
    /// on, it leaves less for the `sync` before the file is put in place.
    /// (`sync_file_range`, which would only start the writing, is not in
    /// Swift's Glibc module.) A failure to write is met again by the next
    /// write or by `close`.
    public func writeBack() {
        guard descriptor >= 0, (try? drain(all: false)) != nil else { return }
        _ = fdatasync(descriptor)
    }

    /// Drops the file unwritten: closed, its temporary removed, nothing put
    /// in place (another file for the same target may be made after).
    public func discard() {
        release()
        if !placed { unlink(temporaryPath) }
        placed = true
    }

    /// Closes the descriptor and frees the buffer, writing nothing more.
    private func release() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
        buffer?.deallocate()
        buffer = nil
        pending = 0
    }

    /// Puts the new file in place, or keeps the old one when they are equal.
    /// - Returns: true when the file was replaced, false when it was unchanged.
    @discardableResult
    public func commit() throws(FileError) -> Bool {
        try close()
        try sync()
        return try place()
    }

    /// Ends writing: the bytes go to the kernel and the file is closed
    /// (a run may have more files waiting than it may keep open). It is
    /// still only the temporary file, readable at `temporaryPath`.
    public func close() throws(FileError) {
        guard descriptor >= 0 else { return }
        do throws(FileError) {
            try drain(all: true)
        } catch {
            release()
            unlink(temporaryPath)
            placed = true
            throw error
        }
        release()
    }

    /// Waits until the closed file's bytes are on the disk, so that a crash
    /// after the rename cannot leave an empty file in place. A sync waits
    /// mostly on the disk, not on the processor: owners' files are synced by
    /// a `BackgroundSync` while the run plans other owners, and the rest
    /// together at its end (`syncAll`).
    public func sync() throws(FileError) {
        let descriptor = open(temporaryPath, O_RDONLY | O_CLOEXEC)
        let synced = descriptor >= 0 && fsync(descriptor) == 0
        let error = errno
        if descriptor >= 0 { Glibc.close(descriptor) }
        guard synced else {
            throw FileError(.write, temporaryPath, code: error)
        }
        self.synced = true
    }

    /// Renames the synced file into place, or drops it when the file in
    /// place has the same bytes. - Returns: true when the file was replaced.
    public func place() throws(FileError) -> Bool {
        guard !placed else { return false }
        placed = true
        if !changes() {
            unlink(temporaryPath)
            chmod(path, mode)  // a new --mode applies to an unchanged file too
            return false
        }
        guard rename(temporaryPath, path) == 0 else {
            let code = errno
            unlink(temporaryPath)
            throw FileError(.replace, path, code: code)
        }
        return true
    }

    /// Whether placing the closed file changes what is in place (compared
    /// once, byte for byte).
    public func changes() -> Bool {
        if let known = knownToChange { return known }
        let result = !Self.sameContents(temporaryPath, path)
        knownToChange = result
        return result
    }

    /// Syncs closed files on several threads of their own: a sync waits on
    /// the disk (a journal commit each), and waits overlap.
    public static func syncAll(_ files: [AtomicFile]) throws(FileError) {
        let failures = Failures()
        let next = WorkCounter()
        let group = DispatchGroup()
        for _ in 0..<min(8, files.count) {
            group.enter()
            Thread {
                while let index = next.take(below: files.count) {
                    do throws(FileError) { try files[index].sync() } catch { failures.add(error) }
                }
                group.leave()
            }.start()
        }
        group.wait()
        if let first = failures.first { throw first }
    }

    deinit {
        release()
        if !placed { unlink(temporaryPath) }
    }

    /// Compares two files byte for byte, reading both in blocks (around
    /// the page cache where the file system allows: a feed's new and old
    /// files are gigabytes at most once read).
    public static func sameContents(_ a: String, _ b: String) -> Bool {
        var statA = stat(), statB = stat()
        guard stat(a, &statA) == 0, stat(b, &statB) == 0, statA.st_size == statB.st_size,
            let readerA = DirectReader(a), let readerB = DirectReader(b)
        else { return false }
        let size = UInt64(statA.st_size)
        var offset: UInt64 = 0
        while offset < size {
            // How many bytes were the same; 0 when they differ, a read fails or a file ends early.
            let compared = readerA.read(at: offset, count: Int(min(size - offset, 1 << 19))) { (bytesA: UnsafeRawBufferPointer) -> Int in
                guard !bytesA.isEmpty else { return 0 }
                let same = readerB.read(at: offset, count: bytesA.count) { (bytesB: UnsafeRawBufferPointer) -> Bool in
                    bytesB.count == bytesA.count && memcmp(bytesA.baseAddress!, bytesB.baseAddress!, bytesA.count) == 0
                }
                return same == true ? bytesA.count : 0
            }
            guard let compared, compared > 0 else { return false }
            offset += UInt64(compared)
        }
        return true
    }
}
