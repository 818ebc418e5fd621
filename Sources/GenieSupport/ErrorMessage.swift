import Foundation

/// Errors as one line in genie's words: the command line prints every runtime error this
/// way, so that no Foundation dump ("Error Domain=NSCocoaErrorDomain Code=516 …") reaches a
/// person.
public enum ErrorMessage {
    /// The error's message on one line.
    public static func line(_ error: Error) -> String {
        // Every other error of genie describes itself in its own words.
        oneLine(fileSystemReason(error) ?? String(describing: error))
    }

    /// `text` with its lines joined by spaces.
    public static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// A Foundation file error ("path: reason"), or nil for any other error.
    public static func fileSystemReason(_ error: Error) -> String? {
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return nil }
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        let reason: String
        if ns.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(truncatingIfNeeded: ns.code)))
        } else if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(truncatingIfNeeded: underlying.code)))
        } else {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileWriteFileExists: reason = "something of that name is already there"
            case .fileNoSuchFile, .fileReadNoSuchFile: reason = "no such file or folder"
            case .fileReadNoPermission, .fileWriteNoPermission: reason = "permission denied"
            case .fileWriteOutOfSpace: reason = "no space left on the device"
            case .fileWriteVolumeReadOnly: reason = "the file system is read-only"
            case .fileReadCorruptFile: reason = "the file is damaged"
            case .fileReadInapplicableStringEncoding: reason = "the file is not UTF-8 text"
            default: reason = "the file operation failed (Foundation error \(ns.code))"
            }
        }
        return path.map { "\($0): \(reason)" } ?? reason
    }
}
