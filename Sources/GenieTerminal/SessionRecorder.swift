import Foundation
import GenieMedia
import GenieSupport

/// Why a recording could not be started or saved.
public enum RecorderError: Error, CustomStringConvertible, Equatable {
    case directoryNotUsable(String, reason: String)
    case writeFailed(String, reason: String)

    public var description: String {
        switch self {
        case .directoryNotUsable(let d, let r): return "cannot record into \(d): \(r)"
        case .writeFailed(let p, let r): return "recording failed writing \(p): \(r)"
        }
    }
}

/// Keeps the trace of a play session and, while recording, writes every frame shown as
/// DIR/frame_NNNNN.png (NNNNN = frame index since reset) and DIR/trace.json.
///
/// Every step is kept in the trace even while recording is off, because replay must start
/// from the reset frame; `recorded_frames` says which frames have PNGs. The trace is written
/// when recording stops, every `flushEvery` recorded frames, and by `flush()` on exit.
public final class SessionRecorder {
    public private(set) var trace: Trace
    public private(set) var directory: String?
    public private(set) var isRecording = false
    public var flushEvery = 50
    private var unflushed = 0

    public init(trace: Trace) { self.trace = trace }

    /// The folder `r` records into when no --record folder was given.
    public static func defaultDirectory(now: Date = Date()) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.locale = Locale(identifier: "en_US_POSIX")
        return "genie-recording-" + f.string(from: now)
    }

    /// Creates `directory` if needed and checks that it holds no earlier recording, so that
    /// nothing is overwritten. Call before the screen opens, so the error reaches the user.
    public static func prepare(directory: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw RecorderError.directoryNotUsable(directory, reason: "it is a file") }
            let names = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
            if names.contains(where: { $0 == "trace.json" || ($0.hasPrefix("frame_") && $0.hasSuffix(".png")) }) {
                throw RecorderError.directoryNotUsable(directory, reason: "it already holds a recording; choose a new folder")
            }
        } else {
            do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw RecorderError.directoryNotUsable(directory, reason: error.localizedDescription)
            }
        }
        guard fm.isWritableFile(atPath: directory) else {
            throw RecorderError.directoryNotUsable(directory, reason: "it is not writable")
        }
    }

    /// Starts recording into `directory` (prepared beforehand), or into the folder already in use.
    public func start(directory: String? = nil) throws {
        if self.directory == nil {
            let d = directory ?? SessionRecorder.defaultDirectory()
            if directory == nil { try SessionRecorder.prepare(directory: d) }
            self.directory = d
        }
        isRecording = true
    }

    /// Stops recording and saves the trace.
    public func stop() throws {
        isRecording = false
        try flush()
    }

    /// Notes one step (always, recording or not).
    public func stepTaken(_ step: Trace.Step) {
        trace.steps.append(step)
    }

    /// Notes that frame `index` is on screen; writes its PNG while recording.
    public func frameShown(_ index: Int, _ frame: Frame) throws {
        guard isRecording, let directory else { return }
        let path = (directory as NSString).appendingPathComponent(Trace.frameFileName(index))
        do { try PNG.write(frame, to: path) } catch { throw RecorderError.writeFailed(path, reason: ErrorMessage.line(error)) }
        trace.markRecorded(index)
        unflushed += 1
        if unflushed >= flushEvery { try flush() }
    }

    /// Writes trace.json if anything was recorded.
    public func flush() throws {
        guard let directory, !trace.recordedFrames.isEmpty else { return }
        try trace.write(to: (directory as NSString).appendingPathComponent("trace.json"))
        unflushed = 0
    }
}
