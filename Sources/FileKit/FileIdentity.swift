import Glibc

/// What tells one version of a file from another without reading it: its
/// inode, size and modification time (a file replaced by rename has a new
/// inode; one rewritten in place, a new time).
public struct FileIdentity: Hashable, Sendable, Codable {
    public var inode: UInt64
    public var size: Int
    public var seconds: Int
    public var nanoseconds: Int

    init(_ status: stat) {
        inode = UInt64(status.st_ino)
        size = Int(status.st_size)
        seconds = Int(status.st_mtim.tv_sec)
        nanoseconds = Int(status.st_mtim.tv_nsec)
    }

    /// The identity of the regular file at `path` (followed if a link);
    /// nil when there is none.
    public init?(regularFileAt path: String) {
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        self.init(status)
    }

    /// The identity of whatever is at `path`; nil when nothing is.
    public init?(anyFileAt path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        self.init(status)
    }

    /// The running executable's (`/proc/self/exe`): a new build of it is
    /// a new identity.
    public static var executable: FileIdentity? { FileIdentity(anyFileAt: "/proc/self/exe") }
}

/// A regular file opened for reading by offset from any thread, and what it
/// was when opened (a file replaced after it was opened is still read whole,
/// as it was). Closed when the last reference goes.
public final class ReadOnlyFile: Sendable {
    public let path: String
    public let identity: FileIdentity
    private let descriptor: Int32

    /// Opens a regular file, not through a symbolic link; nil when there is none.
    public init?(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            return nil
        }
        self.path = path
        self.descriptor = descriptor
        identity = FileIdentity(status)
    }

    deinit { close(descriptor) }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many were
    /// read (0 at the end, or on an error).
    public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            if count < 0, errno == EINTR { continue }
            return max(0, count)
        }
    }
}

/// Creates a new, empty file with exactly `mode` (the umask does not take
/// bits away); fails when anything is at `path` already.
public func createExclusively(_ path: String, mode: mode_t) throws(FileError) {
    let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode)
    guard descriptor >= 0 else { throw FileError.last(.create, path) }
    fchmod(descriptor, mode)
    close(descriptor)
}

/// Sets a file's permissions.
public func setMode(_ mode: mode_t, of path: String) {
    chmod(path, mode)
}
