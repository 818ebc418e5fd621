import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a file could not be read whole.
public enum RegularFileError: Error, Equatable, CustomStringConvertible {
    case missing
    case notRegular(String)
    case tooLarge(bytes: Int, limit: Int)
    case unreadable(String)

    public var description: String {
        switch self {
        case .missing: return "no such file"
        case .notRegular(let kind): return "a \(kind), not a regular file"
        case .tooLarge(let bytes, let limit): return "\(bytes) bytes, more than the \(limit) a file of this kind may have"
        case .unreadable(let reason): return "unreadable (\(reason))"
        }
    }
}

/// Reading a file whole, the way every reader of user files does: the file (after links)
/// must be a regular file of at most `limit` bytes, checked on the open descriptor before
/// anything is allocated, so that a device, a pipe or a folder named as a file (which could
/// stream without end) is refused instead of filling memory.
public enum RegularFile {
    public static func read(_ path: String, limit: Int) throws(RegularFileError) -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw .missing }
            throw .unreadable(String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(String(cString: strerror(errno))) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .notRegular("folder")
        case S_IFCHR, S_IFBLK: throw .notRegular("device")
        case S_IFIFO: throw .notRegular("pipe")
        case S_IFSOCK: throw .notRegular("socket")
        default: throw .notRegular("special file")
        }
        let size = Int(info.st_size)
        guard size <= limit else { throw .tooLarge(bytes: size, limit: limit) }
        var data = Data(count: size)
        var done = 0
        let failure: Int32? = data.withUnsafeMutableBytes { raw -> Int32? in
            while done < size {
                let n = Glibc.read(fd, raw.baseAddress! + done, size - done)
                if n < 0 { if errno == EINTR { continue }; return errno }
                if n == 0 { break }  // the file shrank while being read
                done += n
            }
            return nil
        }
        if let failure { throw .unreadable(String(cString: strerror(failure))) }
        return done == size ? data : data.prefix(done)
    }
}
