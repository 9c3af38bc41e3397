import Foundation
import Glibc

/// The output folder's lock: one run writes into a folder at a time.
///
/// `flock` on `.followup.lock` in the folder; the kernel releases it when the
/// process ends, however it ends, so a killed run never leaves the folder
/// locked.
public final class FolderLock {
    private let descriptor: Int32

    public init(folder: String, waitingUpTo seconds: Double) throws(FileError) {
        let path = (folder as NSString).appendingPathComponent(".followup.lock")
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw FileError(.lock, path, code: errno, description: "cannot open the lock \(path): \(FileError.reason(errno))")
        }
        let deadline = Date().addingTimeInterval(max(seconds, 0))
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                close(descriptor)
                throw FileError(
                    .lock, path, code: errno, kind: .locked,
                    description: "another followup run is writing to \(folder) (it holds \(path)); "
                        + "gave up after waiting \(Int(seconds)) s")
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
