import GenieMedia
import GenieTensor

/// The alternative to the rolling KV cache, kept to measure the difference: at every step
/// the last `window` frames are re-run from scratch (no cache), through the dynamics model
/// for each MaskGIT iteration and through the tokenizer's decoder, as in training where
/// every clip starts fresh (its first frame gets "no action", and every layer sees exactly
/// the clip). Costs about `window` times more per frame than the cached `WorldModel`.
///
/// Same sampler, schedule and random stream as `WorldModel`, so with the same seed the two
/// differ only where the attention pattern changes the logits.
public final class RerunWindowRollout {
    public let tokenizer: VideoTokenizer
    public let dynamics: DynamicsModel
    public let settings: MaskGITSettings
    public let dynamicsWindow: Int
    public let decoderWindow: Int
    /// Tokens of every frame so far, and the action into each frame (index 0: none).
    public private(set) var frames: [[Int32]] = []
    public private(set) var actions: [Int32] = []
    private var generator = RandomGenerator(seed: 0)

    public init(tokenizer: VideoTokenizer, dynamics: DynamicsModel, settings: MaskGITSettings, dynamicsWindow: Int, decoderWindow: Int) {
        self.tokenizer = tokenizer; self.dynamics = dynamics; self.settings = settings
        self.dynamicsWindow = dynamicsWindow; self.decoderWindow = decoderWindow
    }

    /// Starts from prompt frames (consecutive prompt frames joined by `promptAction`), as
    /// `WorldModel.reset` does; returns the decoded last prompt frame.
    public func reset(prompt: [Frame], seed: UInt64, promptAction: Int32) -> Frame {
        generator = RandomGenerator(seed: seed)
        let s = tokenizer.config.tokensPerFrame
        let codes = tokenizer.encode(unitTensor(prompt))
        frames = (0..<prompt.count).map { Array(codes[($0 * s)..<(($0 + 1) * s)]) }
        actions = [dynamics.noAction] + [Int32](repeating: promptAction, count: prompt.count - 1)
        return decodeLast()
    }

    /// Generates the next frame under `action` from the last `dynamicsWindow − 1` frames.
    public func step(_ action: Int32) -> Frame {
        let first = max(0, frames.count - (dynamicsWindow - 1))
        let context = frames[first...].flatMap { $0 }
        // Actions of the transitions inside the window and into the new frame.
        let transitions = Array(actions[(first + 1)...]) + [action]
        let next = generateNextFrame(model: dynamics, context: context, actions: transitions, settings: settings,
                                     generator: &generator, timeOffset: first)
        frames.append(next)
        actions.append(action)
        return decodeLast()
    }

    /// Decodes the last `decoderWindow` frames from scratch and returns the newest.
    private func decodeLast() -> Frame {
        let first = max(0, frames.count - decoderWindow)
        let codes = frames[first...].flatMap { $0 }
        let count = frames.count - first
        let pixels = withoutGradient {
            tokenizer.decode(vectors: tokenizer.quantizer.vectors(codes, shape: [1, count, tokenizer.config.tokensPerFrame]), timeOffset: first)
        }
        return rgbFrame(pixels, index: count - 1)
    }
}
