/// A frame size, as written on the command line: "64x48", or "64" for a square.
public struct FrameSize: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let width: Int
    public let height: Int
    /// Largest side accepted anywhere a size is given (the PNG reader's limit is larger).
    public static let maximumSide = 4096

    public init(width: Int, height: Int) {
        precondition((1...Self.maximumSide).contains(width) && (1...Self.maximumSide).contains(height), "frame size \(width)x\(height) out of range")
        self.width = width
        self.height = height
    }

    /// Parses "WxH" or "N"; nil for anything else or a side outside 1...maximumSide.
    public init?(parsing text: String) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2,
              let w = Int(parts[0]), let h = Int(parts.count == 2 ? parts[1] : parts[0]),
              (1...Self.maximumSide).contains(w), (1...Self.maximumSide).contains(h) else { return nil }
        self.init(width: w, height: h)
    }

    public var description: String { "\(width)x\(height)" }
}

extension Frame {
    /// This frame brought to `size`: the largest centred region with the target's aspect
    /// is kept (the rest cropped, so nothing is stretched), then area-averaged to `size`.
    /// A frame already of that size is returned unchanged.
    public func fitted(to size: FrameSize) -> Frame {
        if width == size.width && height == size.height { return self }
        let sourceAspect = Double(width) / Double(height), targetAspect = Double(size.width) / Double(size.height)
        let cropWidth = sourceAspect > targetAspect ? Double(height) * targetAspect : Double(width)
        let cropHeight = sourceAspect > targetAspect ? Double(height) : Double(width) / targetAspect
        return resampled(x: (Double(width) - cropWidth) / 2, y: (Double(height) - cropHeight) / 2,
                         width: cropWidth, height: cropHeight, to: size)
    }

    /// The whole frame area-averaged to `size` (stretched if the aspects differ): each
    /// output pixel is the mean of the source area it covers, weighted by overlap, so
    /// shrinking keeps thin lines as blends and enlarging by an integer repeats pixels.
    public func resampled(to size: FrameSize) -> Frame {
        if width == size.width && height == size.height { return self }
        return resampled(x: 0, y: 0, width: Double(width), height: Double(height), to: size)
    }

    /// The region [x, x + width) × [y, y + height) of this frame, area-averaged to `size`.
    func resampled(x: Double, y: Double, width regionWidth: Double, height regionHeight: Double, to size: FrameSize) -> Frame {
        let columns = Self.areaWeights(source: width, start: x, extent: regionWidth, count: size.width)
        let rows = Self.areaWeights(source: height, start: y, extent: regionHeight, count: size.height)
        var out = [UInt8](repeating: 0, count: size.width * size.height * 3)
        var line = [Float](repeating: 0, count: size.width * 3)
        for (row, rowTaps) in rows.enumerated() {
            for i in line.indices { line[i] = 0 }
            for (sy, wy) in rowTaps {
                let rowBase = sy * width * 3
                for (column, columnTaps) in columns.enumerated() {
                    var r: Float = 0, g: Float = 0, b: Float = 0
                    for (sx, wx) in columnTaps {
                        let i = rowBase + sx * 3
                        r += wx * Float(pixels[i]); g += wx * Float(pixels[i + 1]); b += wx * Float(pixels[i + 2])
                    }
                    line[3 * column] += wy * r; line[3 * column + 1] += wy * g; line[3 * column + 2] += wy * b
                }
            }
            for i in line.indices { out[row * size.width * 3 + i] = UInt8(max(0, min(255, line[i].rounded()))) }
        }
        return Frame(width: size.width, height: size.height, pixels: out)
    }

    /// For each of `count` output pixels along one axis, the source pixels its interval of
    /// [start, start + extent) covers and the share of the interval each covers (summing to 1).
    static func areaWeights(source: Int, start: Double, extent: Double, count: Int) -> [[(Int, Float)]] {
        let step = extent / Double(count)
        return (0..<count).map { o in
            let lo = start + Double(o) * step, hi = lo + step
            var taps: [(Int, Float)] = []
            var s = max(0, Int(lo.rounded(.down)))
            while s < source && Double(s) < hi - 1e-9 {
                let covered = min(hi, Double(s + 1)) - max(lo, Double(s))
                if covered > 1e-9 { taps.append((s, Float(covered / step))) }
                s += 1
            }
            return taps
        }
    }
}
