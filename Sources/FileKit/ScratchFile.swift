import Glibc
import Foundation

/// A nameless temporary file for one run: appended to by one thread, read
/// back by offset from any thread.
///
/// Generation keeps what it has read and what it has serialised here rather
/// than in memory, so its memory stays flat however large the store. The
/// file is created with `O_TMPFILE` (or created and unlinked at once where
/// the file system lacks it), owner-only: it has no name, no other process
/// can open it, and the kernel frees it when the run ends, however it ends.
/// Its pages live in the page cache, which the kernel can write out; they
/// are not the process's memory.
public final class ScratchFile: @unchecked Sendable {
    // @unchecked: appends happen on one thread (the owner's); `read` uses
    // `pread` on bytes already flushed, which is safe from any thread, and
    // reads the bytes in memory only on the appending thread (a sink) or
    // once appending is over (the lead spill, read by every planning thread).
    private let descriptor: Int32
    private let label: String
    /// The first bytes, kept in memory while they fit in `memoryLimit`:
    /// then nothing goes to the file (a small run never writes it).
    private var head: [UInt8] = []
    private let memoryLimit: Int
    /// Set once bytes did not fit in memory: from then on they all go to the file.
    private var spilled = false
    private var buffer: [UInt8] = []
    /// Bytes in the file, not counting the buffer.
    private var flushed: UInt64 = 0
    private static let bufferSize = 1 << 18

    /// Bytes appended so far.
    public var size: UInt64 { UInt64(head.count) + flushed + UInt64(buffer.count) }

    /// - Parameter memoryLimit: how many of the first bytes may stay in
    ///   memory instead of the file. Bytes in memory must not be read while
    ///   another thread appends.
    public init(in folder: String, memoryLimit: Int = 0) throws(FileError) {
        self.memoryLimit = memoryLimit
        label = "a temporary file in \(folder)"
        // O_TMPFILE (Linux's __O_TMPFILE | O_DIRECTORY); Glibc's module map does not export it.
        let temporaryFile: Int32 = 0o20_000_000 | O_DIRECTORY
        var descriptor = open(folder, temporaryFile | O_RDWR | O_CLOEXEC, 0o600)
        if descriptor < 0 {
            // Not every file system has O_TMPFILE: a unique name, unlinked at once.
            var template = Array((folder as NSString).appendingPathComponent(".followup-scratch-XXXXXX").utf8CString)
            descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if descriptor >= 0 {
                template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
                _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            }
        }
        guard descriptor >= 0 else {
            throw FileError(.create, folder, code: errno, description: "cannot create \(label): \(FileError.reason(errno))")
        }
        self.descriptor = descriptor
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit { close(descriptor) }

    /// Appends bytes; returns the offset they start at.
    @discardableResult
    public func append(_ bytes: [UInt8]) throws(FileError) -> UInt64 {
        let offset = size
        if !spilled, head.count + bytes.count <= memoryLimit {
            head.append(contentsOf: bytes)
            return offset
        }
        spilled = true
        if buffer.count + bytes.count > Self.bufferSize { try flush() }
        if bytes.count >= Self.bufferSize {
            let failure = bytes.withUnsafeBytes { raw -> FileError? in
                do throws(FileError) { try writeAll(raw); return nil } catch { return error }
            }
            if let failure { throw failure }
        } else {
            buffer.append(contentsOf: bytes)
        }
        return offset
    }

    /// Writes the buffered bytes to the file, so `read` sees them.
    public func flush() throws(FileError) {
        guard !buffer.isEmpty else { return }
        let failure = buffer.withUnsafeBytes { raw -> FileError? in
            do throws(FileError) { try writeAll(raw); return nil } catch { return error }
        }
        if let failure { throw failure }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        var done = 0
        while done < bytes.count {
            let result = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(flushed) + off_t(done))
            if result < 0, errno == EINTR { continue }
            guard result > 0 else { throw FileError(.write, label, code: errno, description: "cannot write \(label): \(FileError.reason(errno))") }
            done += result
        }
        flushed += UInt64(bytes.count)
    }

    /// Empties the file (what was read from it is not needed any more):
    /// its pages are dropped, written or not, and appending starts over
    /// at offset 0.
    public func truncate() throws(FileError) {
        head.removeAll(keepingCapacity: true)
        spilled = false
        buffer.removeAll(keepingCapacity: true)
        guard ftruncate(descriptor, 0) == 0 else {
            throw FileError(.empty, label, code: errno, description: "cannot empty \(label): \(FileError.reason(errno))")
        }
        flushed = 0
    }

    /// The `count` bytes at `offset`: a slice of the bytes in memory, or
    /// of `buffer` (grown to fit) read from the file. Bytes in the file must
    /// have been flushed.
    public func read(at offset: UInt64, count: Int, buffer: inout [UInt8]) throws(FileError) -> ArraySlice<UInt8> {
        if offset + UInt64(count) <= UInt64(head.count) { return head[Int(offset)..<(Int(offset) + count)] }
        if buffer.count < count { buffer = [UInt8](repeating: 0, count: max(count, buffer.count * 2)) }
        // Bytes may start in memory and go on in the file (two appends read as one).
        var done = 0
        if offset < UInt64(head.count) {
            done = head.count - Int(offset)
            buffer.withUnsafeMutableBytes { raw in
                head.withUnsafeBytes { raw.baseAddress!.copyMemory(from: $0.baseAddress! + Int(offset), byteCount: done) }
            }
        }
        // Byte `i` of the request is at `offset + i - head.count` in the file.
        let fileStart = off_t(offset) - off_t(head.count)
        var failure: Int32 = 0
        buffer.withUnsafeMutableBytes { raw in
            while done < count {
                let result = pread(descriptor, raw.baseAddress! + done, count - done, fileStart + off_t(done))
                if result < 0, errno == EINTR { continue }
                guard result > 0 else { failure = result == 0 ? EIO : errno; return }
                done += result
            }
        }
        if failure != 0 { throw FileError(.read, label, code: failure, description: "cannot read \(label): \(FileError.reason(failure))") }
        return buffer[0..<count]
    }
}
