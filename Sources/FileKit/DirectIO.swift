import Glibc

/// Reading and writing around the page cache (`O_DIRECT`), for files of
/// gigabytes that this process writes once and does not read again soon:
/// everyone's feeds, copied from the owners' files at the end of a run.
///
/// Why: a buffered write of a new file has the kernel take a free page for
/// every 4 KiB, zero or fill it and copy into it, and on a virtual machine
/// whose free memory goes back to its host (a balloon), the first touch of
/// each such page is a fault on the host as well. `perf` of `generate` on
/// the benchmark's nurture-heavy sheet found the kernel's copies of its
/// 4.5 GB of feeds a fifth of all its time, and `dd` of 2 GB took 4.4 to
/// 9.2 s buffered against 1.3 to 1.5 s direct on the same disk. A direct
/// write goes from this process's buffer to the disk; its bytes are
/// already there when the file is synced. No library at hand does this
/// (Foundation's and NIO's file handles write buffered), so it is here.
///
/// A direct transfer needs its buffer, its length and its file offset to be
/// multiples of the device's block size (`blockSize` is a multiple of every
/// one Linux uses); a file system that cannot (tmpfs before Linux 6.6, some
/// FUSE ones) refuses `O_DIRECT` and the file is written buffered as always.
public enum DirectIO {
    /// What direct transfers are aligned to: a multiple of any logical
    /// block size a Linux disk has.
    public static let blockSize = 4096

    /// Linux's `O_DIRECT`, which Glibc's module map does not export; its
    /// value differs between architectures (0 where not known here: such a
    /// machine writes buffered).
    static let flag: Int32 = {
        #if arch(x86_64) || arch(i386)
            return 0o40000
        #elseif arch(arm64) || arch(arm)
            return 0o200000
        #else
            return 0
        #endif
    }()

    /// Turns `O_DIRECT` on or off for an open descriptor.
    /// - Returns: false when the file system refuses it.
    @discardableResult
    static func set(_ descriptor: Int32, direct: Bool) -> Bool {
        guard flag != 0 else { return !direct }
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0 else { return false }
        return fcntl(descriptor, F_SETFL, direct ? flags | flag : flags & ~flag) == 0
    }

    /// Reads up to `count` bytes at `offset` (all of them unless the file
    /// ends first), retrying interrupted and short reads.
    /// - Returns: the bytes read, or nil with `errno` set.
    static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawPointer, count: Int, at offset: off_t) -> Int? {
        var done = 0
        while done < count {
            let result = pread(descriptor, buffer + done, count - done, offset + off_t(done))
            if result < 0, errno == EINTR { continue }
            if result < 0 { return nil }
            if result == 0 { break }
            done += result
        }
        return done
    }
}

/// A file opened for reading around the page cache where its file system
/// allows (see `DirectIO`), read in aligned blocks into a buffer of its own
/// and handed out in any range.
final class DirectReader {
    let descriptor: Int32
    private(set) var direct: Bool
    private let buffer: UnsafeMutableRawPointer
    let capacity: Int

    init?(_ path: String, capacity: Int = 1 << 20) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
        self.capacity = capacity
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: DirectIO.blockSize)
        direct = DirectIO.set(descriptor, direct: true)
    }

    deinit {
        close(descriptor)
        buffer.deallocate()
    }

    /// Reads the bytes at `offset` (at most `capacity - blockSize` of them,
    /// fewer at the end of the file) and hands them to `body`; `body` gets
    /// an empty range at the end of the file.
    /// - Returns: nil with `errno` set when the read fails.
    func read<R>(at offset: UInt64, count: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        let wanted = min(count, capacity - DirectIO.blockSize)
        if direct {
            let start = offset & ~UInt64(DirectIO.blockSize - 1)
            let skip = Int(offset - start)
            let length = (skip + wanted + DirectIO.blockSize - 1) & ~(DirectIO.blockSize - 1)
            if let got = DirectIO.read(descriptor, into: buffer, count: length, at: off_t(start)) {
                return body(UnsafeRawBufferPointer(start: buffer + min(skip, got), count: max(0, min(got - skip, wanted))))
            }
            // A file system may take O_DIRECT and still refuse a transfer: read buffered from here on.
            guard errno == EINVAL else { return nil }
            direct = false
            DirectIO.set(descriptor, direct: false)
        }
        guard let got = DirectIO.read(descriptor, into: buffer, count: wanted, at: off_t(offset)) else { return nil }
        return body(UnsafeRawBufferPointer(start: buffer, count: got))
    }
}
