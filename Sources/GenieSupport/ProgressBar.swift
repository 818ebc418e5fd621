import Foundation

/// A one-line progress bar on stderr for long work (data generation, training,
/// tokenising): done/total, rate, ETA and a short detail such as the loss. When stderr is
/// not a terminal (logs, nohup) it prints a plain line at most every `plainInterval` seconds.
public final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let unit: String
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let plainInterval: TimeInterval
    private let start = Date()
    private var startDone: Int?
    private var lastPlain = Date.distantPast
    private var drewBar = false
    private let lock = NSLock()

    public init(label: String, unit: String, plainInterval: TimeInterval = 30) {
        self.label = label
        self.unit = unit
        self.plainInterval = plainInterval
    }

    /// Reports progress; the rate counts from the first call (so a resumed run's rate is
    /// its own).
    public func update(_ done: Int, of total: Int, detail: String = "") {
        lock.withLock {
            if startDone == nil { startDone = done }
            let elapsed = max(Date().timeIntervalSince(start), 1e-9)
            let rate = Double(done - (startDone ?? 0)) / elapsed
            let remaining = rate > 0 ? Double(total - done) / rate : 0
            let eta = String(format: "%d:%02d:%02d", Int(remaining) / 3600, Int(remaining) / 60 % 60, Int(remaining) % 60)
            let figures = "\(done)/\(total) \(unit)" + (detail.isEmpty ? "" : " \(detail)") + String(format: ", %.2f %@/s, ETA %@", rate, unit, eta)
            if isTerminal {
                let width = 24, filled = Int(Double(width) * Double(done) / Double(max(total, 1)))
                let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
                FileHandle.standardError.write(Data("\r\u{1B}[K\(label) [\(bar)] \(figures)".utf8))
                drewBar = true
            } else if Date().timeIntervalSince(lastPlain) >= plainInterval || done == total {
                lastPlain = Date()
                FileHandle.standardError.write(Data("\(label): \(figures)\n".utf8))
            }
        }
    }

    /// Ends the bar's line and prints a closing message, if any.
    public func finish(_ message: String? = nil) {
        lock.withLock {
            var text = drewBar ? "\n" : ""
            if let message { text += "\(label): \(message)\n" }
            FileHandle.standardError.write(Data(text.utf8))
            drewBar = false
        }
    }
}
