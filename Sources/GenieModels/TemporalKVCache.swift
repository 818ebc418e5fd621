import GenieTensor

/// The keys and values that past frames gave ONE temporal-attention layer, kept so that a
/// new frame costs one frame's tokens, not the whole window's.
///
/// Layout: `keys` and `values` are `[1, slots, S, C]`, one slot per frame, keys already
/// rotated to their absolute frame index. `slots` grows to `window` and then stays: the
/// slot of the oldest frame is reused by the frame being generated (a ring buffer). Slot
/// order does not matter to attention: rotary positions are baked into the keys, and a
/// single query row's softmax does not care in which order its keys come. So the frame
/// being generated sees itself plus the `window − 1` frames before it.
///
/// Protocol per frame: `write` its key/value (as often as it is recomputed: every MaskGIT
/// iteration), attend over `keys`/`values`, and `commit` once the frame is final.
public final class TemporalKVCache {
    /// Frames a query sees, itself included.
    public let window: Int
    public let tokens: Int
    public let width: Int
    public private(set) var keys: Tensor
    public private(set) var values: Tensor
    /// Absolute frame index held in each slot; −1 marks the slot of the frame being generated.
    private var frameInSlot: [Int]
    /// Where the frame being generated writes its key and value.
    private var currentSlot: Int

    public init(window: Int, tokens: Int, width: Int) {
        precondition(window >= 1, "a temporal window holds at least the frame itself")
        self.window = window; self.tokens = tokens; self.width = width
        keys = Tensor.zeros([1, 1, tokens, width])
        values = Tensor.zeros([1, 1, tokens, width])
        frameInSlot = [-1]
        currentSlot = 0
    }

    /// Number of committed past frames a new frame attends to (at most window − 1).
    public var pastFrames: Int { frameInSlot.count - 1 }

    /// The absolute frame indices of the committed past frames, oldest first.
    public var cachedFrames: [Int] { frameInSlot.filter { $0 >= 0 }.sorted() }

    /// Stores the current frame's key and value ([1, 1, S, C] each) in its slot.
    public func write(key: Tensor, value: Tensor) {
        precondition(key.shape == [1, 1, tokens, width] && value.shape == key.shape, "cache: key \(key.shape) is not one frame")
        let offset = currentSlot * tokens * width
        (keys.data + offset).update(from: key.data, count: key.count)
        (values.data + offset).update(from: value.data, count: value.count)
    }

    /// Declares the last written key/value final for absolute frame `frame`, and makes room
    /// for the next frame: a new slot while the window fills, else the oldest frame's slot.
    public func commit(frame: Int) {
        frameInSlot[currentSlot] = frame
        if frameInSlot.count < window {
            // Grow by one slot (a copy, once per frame and only while the window fills).
            let slots = frameInSlot.count + 1
            keys = Self.grown(keys, slots: slots)
            values = Self.grown(values, slots: slots)
            frameInSlot.append(-1)
            currentSlot = slots - 1
        } else {
            currentSlot = frameInSlot.indices.min { frameInSlot[$0] < frameInSlot[$1] }!
            frameInSlot[currentSlot] = -1
        }
    }

    private static func grown(_ x: Tensor, slots: Int) -> Tensor {
        let y = Tensor.zeros([1, slots, x.shape[2], x.shape[3]])
        y.data.update(from: x.data, count: x.count)
        return y
    }
}

/// One `TemporalKVCache` per ST block of a transformer.
public final class TransformerCache {
    public let layers: [TemporalKVCache]
    /// Absolute index of the next frame (the one a forward now computes).
    public private(set) var nextFrame: Int

    public init(_ config: TransformerConfig, tokens: Int, window: Int, firstFrame: Int = 0) {
        layers = (0..<config.depth).map { _ in TemporalKVCache(window: window, tokens: tokens, width: config.width) }
        nextFrame = firstFrame
    }

    public var window: Int { layers.first?.window ?? 0 }

    /// Makes the last forward's keys and values final for frame `nextFrame` and moves on.
    public func commit() {
        for layer in layers { layer.commit(frame: nextFrame) }
        nextFrame += 1
    }
}
