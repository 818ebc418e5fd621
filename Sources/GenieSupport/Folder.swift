import Foundation

/// Output folders: made when missing, refused with a clear message when a file is in the way.
public enum Folder {
    /// Makes `path` (and the folders above it) unless it is already a folder.
    public static func create(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw FolderError.fileInTheWay(path) }
            return
        }
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw FolderError.cannotCreate(path, reason: ErrorMessage.fileSystemReason(error) ?? "\(error)")
        }
    }
}

/// Why an output folder cannot be used.
public enum FolderError: Error, Equatable, CustomStringConvertible {
    case fileInTheWay(String)
    case cannotCreate(String, reason: String)
    public var description: String {
        switch self {
        case .fileInTheWay(let p): return "cannot write into \(p): it is a file, not a folder"
        case .cannotCreate(let p, let r): return "cannot create the folder \(p): \(r)"
        }
    }
}
