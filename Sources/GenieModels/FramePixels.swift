import GenieMedia
import GenieTensor

// The one conversion between 8-bit RGB frames and the networks' pixel tensors: values in
// [0, 1], laid out [B, T, H, W, 3].

/// Clips of frames as a [B, T, H, W, 3] tensor of values in [0, 1] (the networks' input).
/// All frames must have one size; every clip must have the same length.
public func unitTensor(clips: [[Frame]]) -> Tensor {
    precondition(!clips.isEmpty && !clips[0].isEmpty)
    let length = clips[0].count, h = clips[0][0].height, w = clips[0][0].width, size = h * w * 3
    let out = Tensor(shape: [clips.count, length, h, w, 3], zeroed: false)
    for (b, clip) in clips.enumerated() {
        precondition(clip.count == length, "clips of different lengths")
        for (t, frame) in clip.enumerated() {
            precondition(frame.width == w && frame.height == h, "frames of different sizes")
            let dst = out.data + (b * length + t) * size
            frame.pixels.withUnsafeBufferPointer { src in
                for i in 0..<size { dst[i] = Float(src[i]) * (1 / 255) }
            }
        }
    }
    return out
}

/// Frames as a [1, T, H, W, 3] tensor of values in [0, 1].
public func unitTensor(_ frames: [Frame]) -> Tensor { unitTensor(clips: [frames]) }

/// Frame `index` (counted over all leading axes) of a [.., H, W, 3] tensor of values in
/// [0, 1], rounded to 8-bit RGB.
public func rgbFrame(_ pixels: Tensor, index: Int) -> Frame {
    let h = pixels.shape[pixels.rank - 3], w = pixels.shape[pixels.rank - 2]
    precondition(pixels.shape[pixels.rank - 1] == 3, "rgbFrame needs 3 channels")
    let size = h * w * 3
    let src = pixels.data + index * size
    var bytes = [UInt8](repeating: 0, count: size)
    for i in 0..<size { bytes[i] = UInt8(max(0, min(255, (src[i] * 255).rounded()))) }
    return Frame(width: w, height: h, pixels: bytes)
}

extension Tensor {
    /// Frame `t` of clip `b` of a [B, T, H, W, 3] tensor in [0, 1], as 8-bit RGB.
    public func frame(batch b: Int, time t: Int) -> Frame { rgbFrame(self, index: b * shape[1] + t) }
}
