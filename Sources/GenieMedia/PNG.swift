import CPNG
import Foundation
import GenieSupport

/// What can go wrong reading or writing a PNG, each with a message a person can act on.
public enum PNGError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(String)
    case unreadable(String, reason: String)
    case notPNG(String)
    case corrupt(String, reason: String)
    case writeFailed(String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let p): return "PNG file not found: \(p)"
        case .unreadable(let p, let r): return "cannot read PNG \(p): \(r)"
        case .notPNG(let p): return "not a PNG file: \(p)"
        case .corrupt(let p, let r): return "corrupt or truncated PNG \(p): \(r)"
        case .writeFailed(let p, let r): return "could not write PNG \(p): \(r)"
        }
    }
}

/// PNG reading and writing through libpng's simplified `png_image` API.
public enum PNG {
    /// The largest PNG file read: far above any frame genie reads (4096x4096 at 16 bits a channel).
    static let maximumFileBytes = 256 << 20

    /// Reads any PNG libpng accepts (palette, grey, alpha, 16-bit, interlaced) as 8-bit RGB.
    /// Alpha is composited over black, the way a terminal would show it.
    public static func read(_ path: String) throws -> Frame {
        let data: Data
        do { data = try RegularFile.read(path, limit: maximumFileBytes) } catch {
            throw error == .missing ? PNGError.fileNotFound(path) : PNGError.unreadable(path, reason: error.description)
        }
        return try decode(data, name: path)
    }

    /// Decodes PNG bytes held in memory.
    public static func decode(_ data: Data, name: String = "<memory>") throws -> Frame {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard data.count >= 8, Array(data.prefix(8)) == signature else { throw PNGError.notPNG(name) }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let ok = data.withUnsafeBytes { raw -> Int32 in
            png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count)
        }
        guard ok != 0 else {
            let message = messageOf(&image)
            png_image_free(&image)
            throw PNGError.corrupt(name, reason: message)
        }
        // libpng's simplified API treats 16-bit files as linear light and would re-encode
        // them to sRGB (and composite alpha in linear light). Video frames want the stored
        // values: read 8-bit files as 8-bit RGBA and 16-bit files as 16-bit "linear" RGBA
        // (which libpng leaves unconverted, premultiplied), then composite over black here.
        let sixteenBit = image.format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0
        image.format = sixteenBit ? genie_png_format_linear_rgb_alpha() : genie_png_format_rgba()
        let width = Int(image.width), height = Int(image.height)
        // At most 4096x4096 pixels (a 4K screenshot fits): a small file of zeros may claim a
        // huge image, and decoding allocates for all of it.
        guard width > 0, height > 0, width * height <= 1 << 24 else {
            png_image_free(&image)
            throw PNGError.corrupt(name, reason: "unreasonable size \(width)x\(height)")
        }
        let channels = width * height * 4
        var raw = [UInt8](repeating: 0, count: channels * (sixteenBit ? 2 : 1))
        let finished = data.withUnsafeBytes { _ -> Int32 in
            raw.withUnsafeMutableBytes { buffer in
                png_image_finish_read(&image, nil, buffer.baseAddress, 0, nil)
            }
        }
        guard finished != 0 else {
            let message = messageOf(&image)
            png_image_free(&image)
            throw PNGError.corrupt(name, reason: message)
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        if sixteenBit {
            raw.withUnsafeBytes { bytes in
                let wide = bytes.bindMemory(to: UInt16.self)
                for i in 0..<(width * height) {
                    // Already premultiplied by alpha: that is compositing over black.
                    for c in 0..<3 { pixels[3 * i + c] = UInt8((UInt32(wide[4 * i + c]) * 255 + 32767) / 65535) }
                }
            }
        } else {
            for i in 0..<(width * height) {
                let alpha = UInt32(raw[4 * i + 3])
                for c in 0..<3 { pixels[3 * i + c] = UInt8((UInt32(raw[4 * i + c]) * alpha + 127) / 255) }
            }
        }
        return Frame(width: width, height: height, pixels: pixels)
    }

    /// Encodes a frame as an 8-bit RGB PNG in memory. The bytes depend only on the pixels,
    /// so the same frame always gives the same file.
    public static func encode(_ frame: Frame) throws -> Data {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(frame.width)
        image.height = UInt32(frame.height)
        image.format = UInt32(PNG_FORMAT_RGB)
        var size: Int = 0
        // First call asks for the size, second writes.
        var ok = frame.pixels.withUnsafeBytes { px in
            png_image_write_to_memory(&image, nil, &size, 0, px.baseAddress, Int32(frame.width * 3), nil)
        }
        guard ok != 0, size > 0 else {
            throw PNGError.writeFailed("<memory>", reason: messageOf(&image))
        }
        var out = Data(count: size)
        ok = out.withUnsafeMutableBytes { dst in
            frame.pixels.withUnsafeBytes { px in
                png_image_write_to_memory(&image, dst.baseAddress, &size, 0, px.baseAddress, Int32(frame.width * 3), nil)
            }
        }
        guard ok != 0 else { throw PNGError.writeFailed("<memory>", reason: messageOf(&image)) }
        return out.prefix(size)
    }

    /// Writes a frame as an 8-bit RGB PNG, atomically (temp file, then rename).
    public static func write(_ frame: Frame, to path: String) throws {
        let data = try encode(frame)
        do {
            try AtomicFile.write(data, to: path)
        } catch {
            throw PNGError.writeFailed(path, reason: ErrorMessage.line(error))
        }
    }

    private static func messageOf(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
