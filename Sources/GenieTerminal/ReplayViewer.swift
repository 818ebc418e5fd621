import Foundation
import GenieMedia
import GenieSupport

/// Replays a trace in the terminal: the world is stepped with the recorded actions and each
/// frame is shown at the recorded time (divided by `speed`) or at a fixed `fps`.
/// Keys: p pauses, q / Esc quits; at the end the last frame stays until q.
public final class ReplayViewer {
    public let trace: Trace
    public let traceName: String
    public let world: any World
    public let speed: Double
    public let fps: Double?

    public init(trace: Trace, traceName: String, world: any World, speed: Double = 1, fps: Double? = nil) {
        self.trace = trace; self.traceName = traceName; self.world = world; self.speed = speed; self.fps = fps
    }

    /// Runs the replay. Returns the exit status: 0, or 128 + the stop signal.
    public func run() throws -> Int32 {
        try trace.check(against: world, name: traceName)
        StopSignal.install()
        let screen = try Screen.openTerminal()
        defer { screen.close() }
        return try loop(screen: screen)
    }

    /// When frame `index` (≥ 1) is due, in seconds of replay time.
    func dueTime(ofFrame index: Int) -> Double {
        if let fps { return Double(index) / fps }
        return trace.steps[index - 1].time / speed
    }

    private func loop(screen: Screen) throws -> Int32 {
        let view = FrameView(screen: screen, frameWidth: world.frameWidth, frameHeight: world.frameHeight)
        var keyMap = KeyMap()
        let clock = Clock()
        var pausedAt: Double?
        var shift = 0.0  // time spent paused, added to every due time
        let total = trace.steps.count

        var frame = try world.reset(seed: trace.seed)
        var index = 0
        view.hud = HUD(step: 0, fps: fps ?? trace.settings.fps * speed, actionName: "-",
                       mode: "replay 0/\(total)", help: "p pause  q quit", compactHelp: nil)
        view.show(frame)

        while true {
            if let signal = StopSignal.received { return StopSignal.exitStatus(for: signal) }
            var timeout = 100
            if index < total, pausedAt == nil, !view.isTooSmall {
                let wait = dueTime(ofFrame: index + 1) + shift - clock.now
                timeout = Int(max(0, min(100, (wait * 1000).rounded(.up))))
            }
            if let key = screen.readKey(timeoutMilliseconds: timeout) {
                switch keyMap.command(for: key, at: clock.now) {
                case .quit: return 0
                case .resize: view.relayout()
                case .pause:
                    if let start = pausedAt { shift += clock.now - start; pausedAt = nil } else { pausedAt = clock.now }
                    view.hud.paused = pausedAt != nil
                    view.showHUD()
                default: break
                }
            }
            if index < total, pausedAt == nil, !view.isTooSmall, clock.now >= dueTime(ofFrame: index + 1) + shift {
                let step = trace.steps[index]
                frame = try world.step(step.action)
                index += 1
                view.hud.step = index
                view.hud.actionName = world.actionName(step.action)
                view.hud.mode = index == total ? "end of replay" : "replay \(index)/\(total)"
                view.show(frame)
            }
        }
    }
}
