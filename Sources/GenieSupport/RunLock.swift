import Foundation

/// An advisory lock on a file (flock), held while a process writes something that only one
/// writer may touch (a training run's folder). The kernel drops it when the process dies,
/// however it dies, so a killed run never leaves a stale lock behind.
public final class RunLock {
    public let path: String
    private let descriptor: Int32

    /// Takes the lock at `path` (creating the file), recording `owner` in it so that a
    /// second process can say who holds it; throws `RunLockError.held` when one does.
    public init(_ path: String, owner: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunLockError.cannotOpen(path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            let holder = RunLock.contents(of: fd)
            close(fd)
            if error == EWOULDBLOCK { throw RunLockError.held(path, holder: holder.isEmpty ? "another process" : holder) }
            throw RunLockError.cannotOpen(path, reason: String(cString: strerror(error)))
        }
        let text = Array("pid \(getpid()): \(owner)\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        self.path = path
        descriptor = fd
    }

    deinit { close(descriptor) }

    private static func contents(of fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return "" }
        return String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Why a lock could not be taken.
public enum RunLockError: Error, Equatable, CustomStringConvertible {
    case held(String, holder: String)
    case cannotOpen(String, reason: String)
    public var description: String {
        switch self {
        case .held(let p, let h): return "\(p) is held by a running process (\(h))"
        case .cannotOpen(let p, let r): return "cannot open the lock file \(p): \(r)"
        }
    }
}
