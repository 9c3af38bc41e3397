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
    private var handle: UnsafeMutablePointer<FILE>?
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

    public init(path: String, mode: mode_t) throws(FileError) {
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
        guard let handle = fdopen(descriptor, "wb") else {
            Glibc.close(descriptor)
            unlink(temporaryPath)
            throw FileError.last(.write, temporaryPath)
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

    public func write(_ bytes: [UInt8]) throws(FileError) {
        try write(bytes[...])
    }

    public func write(_ bytes: ArraySlice<UInt8>) throws(FileError) {
        guard let handle else { throw FileError(.write, path, code: 0, description: "\(path): written after it was closed") }
        guard !bytes.isEmpty else { return }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        guard written == bytes.count else {
            throw FileError.last(.write, temporaryPath)
        }
        count += UInt64(written)
    }

    /// Appends `length` bytes of the file at `source` from `offset`, copied
    /// by the kernel (`sendfile`) without passing through this process.
    public func append(from source: String, offset: UInt64, length: UInt64) throws(FileError) {
        guard let handle else { throw FileError(.write, path, code: 0, description: "\(path): written after it was closed") }
        guard length > 0 else { return }
        guard fflush(handle) == 0 else {
            throw FileError.last(.write, temporaryPath)
        }
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FileError.last(.read, source) }
        defer { Glibc.close(input) }
        var position = off_t(offset)
        var left = length
        while left > 0 {
            let sent = sendfile(fileno(handle), input, &position, Int(min(left, 1 << 30)))
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
    /// front of the next chunk (the last chunk is final whole).
    public func append(
        from source: String, offset: UInt64, length: UInt64, transform: (inout [UInt8], _ final: Bool) -> Int
    ) throws(FileError) {
        guard length > 0 else { return }
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FileError.last(.read, source) }
        defer { Glibc.close(input) }
        let chunk = 1 << 20
        var buffer: [UInt8] = []
        buffer.reserveCapacity(chunk + 4096)
        var position = off_t(offset)
        var left = length
        while left > 0 {
            let kept = buffer.count
            let wanted = Int(min(left, UInt64(chunk)))
            buffer.append(contentsOf: repeatElement(0, count: wanted))
            var got = 0
            while got < wanted {
                let read = buffer.withUnsafeMutableBytes { pread(input, $0.baseAddress! + kept + got, wanted - got, position + off_t(got)) }
                if read < 0, errno == EINTR { continue }
                guard read > 0 else {
                    let reason = read == 0 ? "it is shorter than expected" : String(cString: strerror(errno))
                    throw FileError(.copy, temporaryPath, code: read == 0 ? 0 : errno, description: "cannot copy \(source) into \(temporaryPath): \(reason)")
                }
                got += read
            }
            position += off_t(wanted)
            left -= UInt64(wanted)
            let done = min(buffer.count, max(0, transform(&buffer, left == 0)))
            try write(buffer[..<(left == 0 ? buffer.count : done)])
            buffer.removeFirst(left == 0 ? buffer.count : done)
        }
    }

    /// Waits until what is written so far is on the disk, leaving the file
    /// open for more: called on a thread of its own while other work goes
    /// on, it leaves less for the `sync` before the file is put in place.
    /// (`sync_file_range`, which would only start the writing, is not in
    /// Swift's Glibc module.)
    public func writeBack() {
        guard let handle, fflush(handle) == 0 else { return }
        _ = fdatasync(fileno(handle))
    }

    /// Drops the file unwritten: closed, its temporary removed, nothing put
    /// in place (another file for the same target may be made after).
    public func discard() {
        if let handle {
            fclose(handle)
            self.handle = nil
        }
        if !placed { unlink(temporaryPath) }
        placed = true
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
        guard let handle else { return }
        self.handle = nil
        let flushed = fflush(handle) == 0
        let error = errno
        fclose(handle)
        guard flushed else {
            unlink(temporaryPath)
            placed = true
            throw FileError(.write, temporaryPath, code: error)
        }
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
        if let handle { fclose(handle) }
        if !placed { unlink(temporaryPath) }
        buffer.deallocate()
    }

    /// Compares two files byte for byte, reading both in blocks.
    public static func sameContents(_ a: String, _ b: String) -> Bool {
        var statA = stat(), statB = stat()
        guard stat(a, &statA) == 0, stat(b, &statB) == 0, statA.st_size == statB.st_size,
            let fileA = fopen(a, "rb")
        else { return false }
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
