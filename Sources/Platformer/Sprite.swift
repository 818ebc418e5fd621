import GenieMedia

/// A small RGB image with a transparency mask. Asset PNGs are plain RGB; pure magenta
/// (255, 0, 255) marks the transparent pixels.
public struct Sprite: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` bytes, row-major RGB.
    public let pixels: [UInt8]
    /// `width * height` flags, true where the sprite has colour.
    public let opaque: [Bool]

    public init(frame: Frame) {
        width = frame.width
        height = frame.height
        pixels = frame.pixels
        var mask = [Bool](repeating: true, count: width * height)
        for i in 0..<(width * height) {
            let p = frame.pixels
            mask[i] = !(p[3 * i] == 255 && p[3 * i + 1] == 0 && p[3 * i + 2] == 255)
        }
        opaque = mask
    }

    /// Number of opaque pixels (tests use it to check that art was drawn).
    public var opaqueCount: Int { opaque.reduce(0) { $0 + ($1 ? 1 : 0) } }
}

/// An RGB canvas that sprites are drawn onto, clipped at its edges.
struct Canvas {
    let width: Int
    let height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
    }

    /// Draws the opaque pixels of `sprite` with its top-left corner at (x, y).
    mutating func draw(_ sprite: Sprite, x: Int, y: Int) {
        let x0 = max(0, x), x1 = min(width, x + sprite.width)
        let y0 = max(0, y), y1 = min(height, y + sprite.height)
        guard x0 < x1, y0 < y1 else { return }
        pixels.withUnsafeMutableBufferPointer { dst in
            sprite.pixels.withUnsafeBufferPointer { src in
                sprite.opaque.withUnsafeBufferPointer { mask in
                    for py in y0..<y1 {
                        let sy = py - y
                        for px in x0..<x1 {
                            let si = sy * sprite.width + (px - x)
                            guard mask[si] else { continue }
                            let d = (py * width + px) * 3
                            dst[d] = src[3 * si]; dst[d + 1] = src[3 * si + 1]; dst[d + 2] = src[3 * si + 2]
                        }
                    }
                }
            }
        }
    }

    /// Fills row `y` with one colour.
    mutating func fillRow(_ y: Int, r: UInt8, g: UInt8, b: UInt8) {
        for x in 0..<width {
            let d = (y * width + x) * 3
            pixels[d] = r; pixels[d + 1] = g; pixels[d + 2] = b
        }
    }

    var frame: Frame { Frame(width: width, height: height, pixels: pixels) }
}
