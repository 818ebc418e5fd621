import Foundation

/// A one-line progress bar on stderr for long work (data generation, training,
/// tokenising): done/total, rate, ETA and a short detail such as the loss. The rate and
/// ETA appear once something has been done since the first report (before that they are
/// unknown, not zero). When stderr is
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
            let figures = "\(done)/\(total) \(unit)" + (detail.isEmpty ? "" : " \(detail)")
                + ProgressBar.rateAndETA(done: done - (startDone ?? 0), remaining: total - done, seconds: elapsed, unit: unit)
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

    /// ", 2.50 steps/s, ETA 0:01:20" for `done` units in `seconds` with `remaining` to go;
    /// empty while nothing is done (no rate is known yet).
    public static func rateAndETA(done: Int, remaining: Int, seconds: Double, unit: String) -> String {
        guard done > 0, seconds > 0 else { return "" }
        let rate = Double(done) / seconds
        let left = Int((Double(max(0, remaining)) / rate).rounded())
        return String(format: ", %.2f %@/s, ETA %d:%02d:%02d", rate, unit, left / 3600, left / 60 % 60, left % 60)
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
