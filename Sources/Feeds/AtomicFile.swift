#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A file written through a buffer into a temporary file beside its target
/// and renamed into place on `commit()`, so a reader sees the old file or
/// the new one, never half of one. Dropped without a commit, it removes its
/// temporary file.
final class AtomicFile {
    let path: String
    private let temporaryPath: String
    private var handle: UnsafeMutablePointer<FILE>?

    init(path: String) throws(FeedError) {
        self.path = path
        let url = URL(fileURLWithPath: path)
        temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        guard let handle = fopen(temporaryPath, "wb") else {
            throw FeedError("cannot write \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        // Components are written one by one; a large buffer keeps that to
        // few system calls.
        setvbuf(handle, nil, _IOFBF, 1 << 16)
        self.handle = handle
    }

    func write(_ bytes: [UInt8]) throws(FeedError) {
        guard let handle else { throw FeedError("\(path): written after it was closed") }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        guard written == bytes.count else {
            throw FeedError("cannot write \(temporaryPath): \(String(cString: strerror(errno)))")
        }
    }

    func commit() throws(FeedError) {
        guard let handle else { return }
        self.handle = nil
        let flushed = fflush(handle) == 0
        let error = errno
        fclose(handle)
        guard flushed else {
            unlink(temporaryPath)
            throw FeedError("cannot write \(temporaryPath): \(String(cString: strerror(error)))")
        }
        guard rename(temporaryPath, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw FeedError("cannot replace \(path): \(message)")
        }
    }

    deinit {
        if let handle {
            fclose(handle)
            unlink(temporaryPath)
        }
    }
}
