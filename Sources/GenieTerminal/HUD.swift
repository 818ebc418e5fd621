/// The status line under the picture: step, frames per second, last action, recording
/// indicator and key help, fitted to the terminal width.
public struct HUD: Equatable, Sendable {
    public var step: Int
    /// Frames generated per second (in replay: the playback rate).
    public var fps: Double
    public var actionName: String
    public var recording: Bool
    public var paused: Bool
    /// "step" in step mode, "replay 12/80" while replaying, empty in real time.
    public var mode: String
    public var help: String
    /// The help below `compactWidth` columns (nil: `help` cut down to "q quit").
    public var compactHelp: String?

    /// Below this width the HUD uses the compact key help and shorter labels.
    public static let compactWidth = 100
    /// The one piece of help every width keeps.
    public static let quitHelp = "q quit"

    public init(step: Int = 0, fps: Double = 0, actionName: String = "-", recording: Bool = false,
                paused: Bool = false, mode: String = "", help: String = KeyMap.help,
                compactHelp: String? = KeyMap.compactHelp) {
        self.step = step; self.fps = fps; self.actionName = actionName
        self.recording = recording; self.paused = paused; self.mode = mode; self.help = help
        self.compactHelp = compactHelp
    }

    /// The line as shown on a terminal `width` columns wide: never wider, and whenever the
    /// help is not empty it ends in "q quit" (the status is cut first).
    public func line(width: Int) -> String {
        let width = max(0, width)
        let compact = width < HUD.compactWidth
        let separator = compact ? "│" : " │ "
        func status(withMode: Bool = true, withAction: Bool = true) -> String {
            var parts = ["step \(step)", format1(fps) + " fps"]
            if withAction { parts.append(actionName) }
            if withMode && !mode.isEmpty { parts.append(mode) }
            if paused { parts.append(compact ? "PAUSE" : "PAUSED") }
            if recording { parts.append(compact ? "●REC" : "● REC") }
            return parts.joined(separator: separator)
        }
        guard !help.isEmpty else { return String(status().prefix(width)) }
        let helps = (compact ? [compactHelp ?? help, help] : [help, compactHelp ?? help]) + [HUD.quitHelp]
        for h in helps where status().count + separator.count + h.count <= width {
            return status() + separator + h
        }
        // Too narrow for the whole status beside "q quit": leave out the mode, then the action,
        // and at last cut what is left.
        for shorter in [status(withMode: false), status(withMode: false, withAction: false)]
        where shorter.count + separator.count + HUD.quitHelp.count <= width {
            return shorter + separator + HUD.quitHelp
        }
        let status = status(withMode: false, withAction: false)
        let room = width - separator.count - HUD.quitHelp.count
        guard room > 0 else { return String(HUD.quitHelp.prefix(width)) }
        return String(status.prefix(room)) + separator + HUD.quitHelp
    }

    private func format1(_ x: Double) -> String {
        guard x.isFinite, abs(x) < 1e15 else { return "-" }
        let tenths = Int((x * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}
