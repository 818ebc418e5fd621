import Foundation

/// Writes files so that a reader never sees half of one: the bytes go to a temporary file
/// in the same folder, are flushed to disk, and the file is renamed over the target.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temp = directory + "/." + url.lastPathComponent + ".\(getpid()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw AtomicFileError.cannotCreate(temp, errno: errno) }
        var written = 0
        let status: Int32 = data.withUnsafeBytes { raw -> Int32 in
            while written < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 { if errno == EINTR { continue }; return errno }
                written += n
            }
            return 0
        }
        if status != 0 || fsync(fd) != 0 {
            let e = status != 0 ? status : errno
            close(fd); unlink(temp)
            throw AtomicFileError.writeFailed(temp, errno: e)
        }
        close(fd)
        guard rename(temp, path) == 0 else {
            let e = errno
            unlink(temp)
            throw AtomicFileError.writeFailed(path, errno: e)
        }
        // The rename itself lives in the folder: flush it too, so that after a power cut the
        // file is the old one or the new one, never missing.
        let folder = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY)
        if folder >= 0 { _ = fsync(folder); close(folder) }
    }
}

/// Why an atomic write failed.
public enum AtomicFileError: Error, CustomStringConvertible {
    case cannotCreate(String, errno: Int32)
    case writeFailed(String, errno: Int32)
    public var description: String {
        switch self {
        case .cannotCreate(let p, let e): return "cannot create \(p): \(String(cString: strerror(e)))"
        case .writeFailed(let p, let e): return "cannot write \(p): \(String(cString: strerror(e)))"
        }
    }
}
