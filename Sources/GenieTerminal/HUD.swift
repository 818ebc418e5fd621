/// The status line under the picture: step, frames per second, last action, recording
/// indicator and key help, cut to the terminal width.
public struct HUD: Equatable, Sendable {
    public var step: Int
    public var fps: Double
    public var actionName: String
    public var recording: Bool
    public var paused: Bool
    /// "step" in step mode, "replay 12/80" while replaying, empty in real time.
    public var mode: String
    public var help: String

    public init(step: Int = 0, fps: Double = 0, actionName: String = "-", recording: Bool = false,
                paused: Bool = false, mode: String = "", help: String = KeyMap.help) {
        self.step = step; self.fps = fps; self.actionName = actionName
        self.recording = recording; self.paused = paused; self.mode = mode; self.help = help
    }

    /// The line as shown on a terminal `width` columns wide (never wider).
    public func line(width: Int) -> String {
        var parts = ["step \(step)", String(format1(fps)) + " fps", actionName]
        if !mode.isEmpty { parts.append(mode) }
        if paused { parts.append("PAUSED") }
        if recording { parts.append("● REC") }
        if !help.isEmpty { parts.append(help) }
        let text = parts.joined(separator: " │ ")
        return text.count <= width ? text : String(text.prefix(max(0, width)))
    }

    private func format1(_ x: Double) -> String {
        let tenths = Int((x * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}
