import Foundation
import GenieMedia
import GenieSupport

/// How a play session runs.
public struct PlaySettings: Sendable {
    /// Ticks per second in real-time mode (a tick without a key is a noop).
    public var fps: Double = 10
    /// Step mode: the world advances only when an action key is pressed.
    public var stepMode = false
    /// The seed passed to `World.reset(seed:)`.
    public var seed: UInt64 = 0
    /// Record from the start into this folder (prepared with `SessionRecorder.prepare`).
    public var recordDirectory: String?
    /// The largest picture scale to use (nil: as large as fits).
    public var maxScale: Int?
    /// Where the world's files are (see `Trace.WorldInfo.location`), for the trace.
    public var worldLocation: String?
    /// The colours asked for (`--color`).
    public var colorRequest: ColorRequest = .auto
    /// The glyphs asked for (`--glyphs`; nil: chosen by the picture's size).
    public var glyphs: GlyphMode?

    public init(fps: Double = 10, stepMode: Bool = false, seed: UInt64 = 0, recordDirectory: String? = nil,
                maxScale: Int? = nil, worldLocation: String? = nil, colorRequest: ColorRequest = .auto,
                glyphs: GlyphMode? = nil) {
        self.fps = fps; self.stepMode = stepMode; self.seed = seed
        self.recordDirectory = recordDirectory; self.maxScale = maxScale; self.worldLocation = worldLocation
        self.colorRequest = colorRequest; self.glyphs = glyphs
    }
}

/// Plays a `World` in the terminal: keys pick actions, frames are drawn as block characters,
/// and the session can be recorded (PNG frames + trace.json).
///
/// A slow world drops frames, never queues keys: all keys that arrived while a frame was
/// being made are read before the next one, and the next frame takes the last action among
/// them (in step mode too: a held key does not pile up steps).
public final class PlaySession {
    public let world: any World
    public let settings: PlaySettings

    public init(world: any World, settings: PlaySettings) {
        self.world = world
        self.settings = settings
    }

    /// Runs until `q`/Esc or a stop signal. Returns the exit status: 0, or 128 + the signal.
    /// The terminal is restored and the recording flushed on every way out, errors included.
    public func run() throws -> Int32 {
        try run { try Screen.openTerminal(request: settings.colorRequest) }
    }

    /// `run()` on the screen `openScreen` makes (tests: one on a pseudo-terminal).
    func run(openScreen: () throws -> Screen) throws -> Int32 {
        let recorder = SessionRecorder(trace: Trace(
            world: .init(kind: world.kind, identity: world.identity, location: settings.worldLocation),
            frame: .init(width: world.frameWidth, height: world.frameHeight),
            seed: settings.seed,
            actionNames: (0..<world.actionCount).map { world.actionName($0) },
            settings: .init(fps: settings.fps, mode: settings.stepMode ? "step" : "realtime"),
            numerics: world.numerics))
        if let directory = settings.recordDirectory { try recorder.start(directory: directory) }

        StopSignal.install()
        let screen = try openScreen()
        var status: Int32 = 0
        do {
            status = try loop(screen: screen, recorder: recorder)
        } catch {
            screen.close()
            try? recorder.flush()
            throw error
        }
        screen.close()
        try recorder.flush()
        return status
    }

    private func loop(screen: Screen, recorder: SessionRecorder) throws -> Int32 {
        let clock = Clock()
        let view = FrameView(screen: screen, frameWidth: world.frameWidth, frameHeight: world.frameHeight,
                             maxScale: settings.maxScale, glyphs: settings.glyphs)
        var keyMap = KeyMap()
        let noop = world.action(forControl: Control.noop) ?? 0
        let period = 1 / settings.fps
        var rate = RateMeter()

        var frame = try world.reset(seed: settings.seed)
        var index = 0
        try recorder.frameShown(index, frame)
        view.hud = HUD(step: 0, fps: 0, actionName: "-", recording: recorder.isRecording,
                       mode: settings.stepMode ? "step mode" : "")
        view.show(frame)

        // The action chosen by keys since the last tick (real time) or to take now (step mode).
        var pending: (action: Int, control: String, key: String)?
        var paused = false
        var nextTick = clock.now + period

        func takeStep(_ choice: (action: Int, control: String, key: String)) throws {
            let time = clock.now
            frame = try world.step(choice.action)
            index += 1
            recorder.stepTaken(.init(action: choice.action, control: choice.control, key: choice.key, time: time))
            try recorder.frameShown(index, frame)
            rate.tick(at: time)
            view.hud.step = index
            view.hud.fps = rate.perSecond
            view.hud.actionName = world.actionName(choice.action)
            view.show(frame)
        }

        // Real time: one frame with the pending action (noop without one).
        func tick() throws {
            let choice = pending ?? (noop, Control.noop, "none")
            pending = nil
            try takeStep(choice)
            nextTick += period
            if nextTick < clock.now { nextTick = clock.now + period }  // fell behind: drop frames, don't race to catch up
        }

        while true {
            if let signal = StopSignal.received { return StopSignal.exitStatus(for: signal) }
            let waitsForTick = !settings.stepMode && !paused && !view.isTooSmall
            let timeout = waitsForTick ? Int(max(0, min(60_000, ((nextTick - clock.now) * 1000).rounded(.up)))) : 100
            // Everything typed so far (while the last frame was being made) counts before the
            // next frame: a slow world answers the latest keys, not a backlog of old ones.
            var keys = screen.readKey(timeoutMilliseconds: timeout).map { [$0] } ?? []
            while !keys.isEmpty, let more = screen.readKey(timeoutMilliseconds: 0) { keys.append(more) }
            for key in keys {
                switch keyMap.command(for: key, at: clock.now) {
                case .quit:
                    return 0
                case .resize:
                    view.relayout()
                case .pause:
                    paused.toggle()
                    view.hud.paused = paused
                    nextTick = clock.now + period
                    view.showHUD()
                case .toggleRecording:
                    if recorder.isRecording {
                        try recorder.stop()
                    } else {
                        try recorder.start()
                        try recorder.frameShown(index, frame)
                    }
                    view.hud.recording = recorder.isRecording
                    view.showHUD()
                case .control(let control):
                    if let action = world.action(forControl: control) {
                        pending = (action, control, KeyMap.name(of: key))
                    }
                case .rawAction(let action):
                    if action < world.actionCount { pending = (action, "raw", KeyMap.name(of: key)) }
                case .ignored:
                    break
                }
            }
            if settings.stepMode, let choice = pending, !paused, !view.isTooSmall {
                pending = nil
                try takeStep(choice)
            }
            if !settings.stepMode && !paused && !view.isTooSmall && clock.now >= nextTick {
                try tick()
            }
        }
    }
}

/// Seconds since creation, from a monotonic clock.
struct Clock {
    private let start = DispatchTime.now().uptimeNanoseconds
    var now: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}

/// Frames per second over the last few frames.
struct RateMeter {
    private var times: [Double] = []
    mutating func tick(at time: Double) {
        times.append(time)
        if times.count > 11 { times.removeFirst() }
    }
    var perSecond: Double {
        guard times.count >= 2, let first = times.first, let last = times.last, last > first else { return 0 }
        return Double(times.count - 1) / (last - first)
    }
}
