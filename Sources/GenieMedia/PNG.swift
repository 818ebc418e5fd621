import CPNG
import Foundation
import AtomicIO

/// What can go wrong reading or writing a PNG, each with a message a person can act on.
public enum PNGError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(String)
    case notPNG(String)
    case corrupt(String, reason: String)
    case writeFailed(String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let p): return "PNG file not found: \(p)"
        case .notPNG(let p): return "not a PNG file: \(p)"
        case .corrupt(let p, let r): return "corrupt or truncated PNG \(p): \(r)"
        case .writeFailed(let p, let r): return "could not write PNG \(p): \(r)"
        }
    }
}

/// PNG reading and writing through libpng's simplified `png_image` API.
public enum PNG {
    /// Reads any PNG libpng accepts (palette, grey, alpha, 16-bit, interlaced) as 8-bit RGB.
    /// Alpha is composited over black, the way a terminal would show it.
    public static func read(_ path: String) throws -> Frame {
        guard FileManager.default.fileExists(atPath: path) else { throw PNGError.fileNotFound(path) }
        guard let data = FileManager.default.contents(atPath: path) else { throw PNGError.fileNotFound(path) }
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
        image.format = UInt32(PNG_FORMAT_RGB)
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0, width * height <= 1 << 26 else {
            png_image_free(&image)
            throw PNGError.corrupt(name, reason: "unreasonable size \(width)x\(height)")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var black = png_color(red: 0, green: 0, blue: 0)
        let finished = data.withUnsafeBytes { _ -> Int32 in
            pixels.withUnsafeMutableBytes { buffer in
                png_image_finish_read(&image, &black, buffer.baseAddress, Int32(width * 3), nil)
            }
        }
        guard finished != 0 else {
            let message = messageOf(&image)
            png_image_free(&image)
            throw PNGError.corrupt(name, reason: message)
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
            throw PNGError.writeFailed(path, reason: "\(error)")
        }
    }

    private static func messageOf(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
