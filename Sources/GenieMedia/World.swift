/// The names of the controls a player has, shared by every world. The simulator's true
/// actions carry these names; a learned world maps them to latent actions through its key
/// map. Digits 1–8 bypass them and pick a raw action index.
public enum Control {
    public static let noop = "noop"
    public static let left = "left"
    public static let right = "right"
    public static let jump = "jump"
    public static let leftJump = "left+jump"
    public static let rightJump = "right+jump"
    /// The controls every world understands, in a fixed order.
    public static let all = [noop, left, right, jump, leftJump, rightJump]
    /// Each control that jumps and the same control without its jump: what it does in the air.
    public static let withoutJump = [jump: noop, leftJump: left, rightJump: right]
}

/// Something a player can play: the built-in simulator now, the learned world model later.
/// The terminal, the recorder and replay depend only on this protocol.
public protocol World: AnyObject {
    /// "sim" for the simulator, "model" for the learned world.
    var kind: String { get }
    /// What identifies this world for a trace (seed, model hashes, sampling settings…).
    /// Replay refuses a trace whose identity differs.
    var identity: [String: String] { get }
    var frameWidth: Int { get }
    var frameHeight: Int { get }
    /// Number of actions (at most 8).
    var actionCount: Int { get }
    /// A short name of action `index`, for the HUD.
    func actionName(_ index: Int) -> String
    /// The action index a control (one of `Control.all`) stands for now, if any: ask at the
    /// step it is played, as a learned world's answer can depend on the steps before (a jump
    /// pressed in the air plays no jump).
    func action(forControl control: String) -> Int?
    /// Starts over from a seed; returns the first frame.
    func reset(seed: UInt64) throws -> Frame
    /// Applies one action; returns the next frame.
    func step(_ action: Int) throws -> Frame
    /// The arithmetic behind the frames, when it can vary between runs of the same world
    /// (a learned world's BLAS kernel and threads); recorded in traces for replay.
    var numerics: Trace.Numerics? { get }
}

extension World {
    /// The simulator's integer arithmetic is the same everywhere.
    public var numerics: Trace.Numerics? { nil }
}

/// A rectangle of a frame, in pixels.
public struct PixelBox: Equatable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) { self.x = x; self.y = y; self.width = width; self.height = height }

    /// The box grown by `margin` pixels on every side and cut to a frame of `frameWidth` ×
    /// `frameHeight`; nil when nothing of it is inside the frame.
    public func expanded(by margin: Int, within frameWidth: Int, _ frameHeight: Int) -> PixelBox? {
        let x0 = max(0, x - margin), y0 = max(0, y - margin)
        let x1 = min(frameWidth, x + width + margin), y1 = min(frameHeight, y + height + margin)
        return x1 > x0 && y1 > y0 ? PixelBox(x: x0, y: y0, width: x1 - x0, height: y1 - y0) : nil
    }

    public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < x + width && py >= y && py < y + height }
}

/// A world that can say where its player is drawn: the simulator, so that an evaluation
/// can look at the player in a learned world's frames.
public protocol PlayerLocating {
    /// The player's sprite box in the current frame (it may reach past the frame's edges).
    var playerBox: PixelBox { get }
    /// Every colour the player's sprites are drawn with.
    var playerColors: Set<RGB> { get }
}
