import GenieSupport
import Foundation

/// Element types genie reads and writes in safetensors files. Half types are converted to
/// and from float32 on the way.
public enum StorageType: String, Sendable, CaseIterable {
    case float32 = "F32", float16 = "F16", bfloat16 = "BF16"
    public var byteSize: Int { self == .float32 ? 4 : 2 }
}

/// Everything that can be wrong with a safetensors file, each with a clear message.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(String)
    case unreadable(String, reason: String)
    case truncated(String, reason: String)
    case headerTooLarge(String, headerLength: UInt64, fileLength: Int)
    case invalidHeader(String, reason: String)
    case unknownDType(String, tensor: String, dtype: String)
    case sizeMismatch(String, tensor: String, expectedBytes: Int, actualBytes: Int)
    case offsetsOutOfRange(String, tensor: String)
    case overlapping(String, tensor: String)
    case missingTensor(String, tensor: String)
    case shapeMismatch(String, tensor: String, expected: [Int], found: [Int])
    case unexpectedTensor(String, tensor: String)
    case nonFinite(String, tensor: String, index: Int, value: Float)
    case checksumMismatch(String)
    case writeFailed(String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let f): return "checkpoint not found: \(f)"
        case .unreadable(let f, let r): return "cannot read checkpoint \(f): \(r)"
        case .truncated(let f, let r): return "\(f) is truncated: \(r)"
        case .headerTooLarge(let f, let h, let n):
            return "\(f): header length \(h) bytes runs past the end of the \(n)-byte file (truncated or not a safetensors file)"
        case .invalidHeader(let f, let r): return "\(f): invalid safetensors header: \(r)"
        case .unknownDType(let f, let t, let d): return "\(f): tensor '\(t)' has unsupported dtype '\(d)' (genie reads F32, F16, BF16)"
        case .sizeMismatch(let f, let t, let e, let a):
            return "\(f): tensor '\(t)' needs \(e) bytes for its shape and dtype but its offsets span \(a)"
        case .offsetsOutOfRange(let f, let t): return "\(f): tensor '\(t)' has data offsets outside the file's data"
        case .overlapping(let f, let t): return "\(f): tensor '\(t)' overlaps another tensor or leaves a gap in the data"
        case .missingTensor(let f, let t): return "\(f): tensor '\(t)' is missing (checkpoint of another model?)"
        case .shapeMismatch(let f, let t, let e, let s):
            return "\(f): tensor '\(t)' has shape \(s) but the model expects \(e) (checkpoint of another configuration?)"
        case .unexpectedTensor(let f, let t): return "\(f): tensor '\(t)' is not part of the model (checkpoint of another configuration?)"
        case .nonFinite(let f, let t, let i, let v): return "\(f): tensor '\(t)' holds \(v) at element \(i) (a damaged file or a diverged training)"
        case .checksumMismatch(let f): return "\(f): the checksum does not match the contents (the file is damaged)"
        case .writeFailed(let f, let r): return "could not write \(f): \(r)"
        }
    }
}

/// A safetensors file read into memory: named float32 tensors plus string metadata.
/// Format: u64 little-endian header length, a JSON header (padded with spaces to a multiple
/// of 8), then the raw little-endian tensor bytes, contiguous in header order.
public struct SafeTensorsFile {
    public let path: String
    public let metadata: [String: String]
    /// Tensor names in the order of their data.
    public let names: [String]
    private let tensors: [String: Tensor]
    public let storageTypes: [String: StorageType]

    /// The number of values in all tensors together.
    public var elementCount: Int { tensors.values.reduce(0) { $0 + $1.count } }

    /// The tensor called `name`, checked against the shape the caller expects.
    public func tensor(_ name: String, shape expected: [Int]? = nil) throws -> Tensor {
        guard let t = tensors[name] else { throw SafeTensorsError.missingTensor(path, tensor: name) }
        if let expected, expected != t.shape {
            throw SafeTensorsError.shapeMismatch(path, tensor: name, expected: expected, found: t.shape)
        }
        return t
    }

    public static func read(_ path: String) throws -> SafeTensorsFile {
        let data: Data
        do { data = try RegularFile.read(path, limit: maximumFileBytes) } catch {
            throw error == .missing ? SafeTensorsError.fileNotFound(path) : SafeTensorsError.unreadable(path, reason: error.description)
        }
        return try parse(data, path: path)
    }

    /// The metadata key of the checksum genie writes: "fnv1a64:<16 hex digits>" of the
    /// canonical header (without this key) followed by the data, so that a flipped bit
    /// anywhere is found. Files without it (older checkpoints, other tools) are read unchecked.
    public static let checksumKey = "genie.checksum"

    /// The largest tensor genie reads: 2^40 elements, far above any model, far below overflow.
    static let maximumElements = 1 << 40
    /// The largest checkpoint file read whole.
    public static let maximumFileBytes = 16 << 30

    /// One tensor's header entry.
    struct Entry { let name: String; let type: StorageType; let shape: [Int]; let begin: Int; let end: Int }

    public static func parse(_ data: Data, path: String) throws -> SafeTensorsFile {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw SafeTensorsError.truncated(path, reason: "\(bytes.count) bytes, shorter than the 8-byte header length") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw SafeTensorsError.headerTooLarge(path, headerLength: headerLength, fileLength: bytes.count)
        }
        let dataStart = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
        } catch {
            throw SafeTensorsError.invalidHeader(path, reason: "header is not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw SafeTensorsError.invalidHeader(path, reason: "header is not a JSON object") }
        var metadata: [String: String] = [:]
        if let m = header["__metadata__"] {
            guard let m = m as? [String: Any] else { throw SafeTensorsError.invalidHeader(path, reason: "__metadata__ is not an object") }
            for (k, v) in m {
                guard let s = v as? String else { throw SafeTensorsError.invalidHeader(path, reason: "__metadata__ value for '\(k)' is not a string") }
                metadata[k] = s
            }
        }
        var entries: [Entry] = []
        let dataLength = bytes.count - dataStart
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any] else { throw SafeTensorsError.invalidHeader(path, reason: "entry '\(name)' is not an object") }
            guard let dtypeName = info["dtype"] as? String else { throw SafeTensorsError.invalidHeader(path, reason: "entry '\(name)' has no dtype") }
            guard let type = StorageType(rawValue: dtypeName) else { throw SafeTensorsError.unknownDType(path, tensor: name, dtype: dtypeName) }
            guard let shapeValues = info["shape"] as? [Any], shapeValues.count <= 8,
                  let offsets = info["data_offsets"] as? [Any], offsets.count == 2 else {
                throw SafeTensorsError.invalidHeader(path, reason: "entry '\(name)' needs a shape of at most 8 sizes and two data_offsets")
            }
            let shape = try shapeValues.map { v -> Int in
                guard let n = wholeNumber(v, atMost: maximumElements) else { throw SafeTensorsError.invalidHeader(path, reason: "entry '\(name)' has a bad shape") }
                return n
            }
            let bounds = try offsets.map { v -> Int in
                guard let n = wholeNumber(v, atMost: Int(Int32.max) * 16) else { throw SafeTensorsError.offsetsOutOfRange(path, tensor: name) }
                return n
            }
            guard bounds[0] <= bounds[1] else { throw SafeTensorsError.offsetsOutOfRange(path, tensor: name) }
            guard bounds[1] <= dataLength else {
                throw SafeTensorsError.truncated(path, reason: "tensor '\(name)' ends at data byte \(bounds[1]) but the file holds \(dataLength)")
            }
            // The element count of a hostile shape can overflow: check each product.
            var elements = 1
            for n in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: n)
                guard !overflow, product <= maximumElements else {
                    throw SafeTensorsError.invalidHeader(path, reason: "entry '\(name)' has shape \(shape), too many elements")
                }
                elements = product
            }
            guard elements * type.byteSize == bounds[1] - bounds[0] else {
                throw SafeTensorsError.sizeMismatch(path, tensor: name, expectedBytes: elements * type.byteSize, actualBytes: bounds[1] - bounds[0])
            }
            entries.append(Entry(name: name, type: type, shape: shape, begin: bounds[0], end: bounds[1]))
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        // The data must be covered exactly: each tensor starts where the previous ended.
        var cursor = 0
        for e in entries {
            guard e.begin == cursor else { throw SafeTensorsError.overlapping(path, tensor: e.name) }
            cursor = e.end
        }
        guard cursor == dataLength else {
            throw SafeTensorsError.truncated(path, reason: "data is \(dataLength) bytes but the header describes \(cursor)")
        }
        if let stored = metadata[checksumKey] {
            var unchecked = metadata
            unchecked[checksumKey] = nil
            let computed = bytes.withUnsafeBufferPointer {
                checksum(header: headerJSON(entries, metadata: unchecked), data: UnsafeBufferPointer(rebasing: $0[dataStart...]))
            }
            guard stored == computed else { throw SafeTensorsError.checksumMismatch(path) }
            metadata = unchecked
        }
        var tensors: [String: Tensor] = [:], types: [String: StorageType] = [:]
        try bytes.withUnsafeBufferPointer { raw in
            for e in entries {
                let t = Tensor(shape: e.shape)
                let src = raw.baseAddress! + dataStart + e.begin
                decode(src, type: e.type, count: t.count, into: t.data)
                // A NaN or infinity in a weight plays as white or noisy frames: refuse it here.
                if let bad = (0..<t.count).first(where: { !t.data[$0].isFinite }) {
                    throw SafeTensorsError.nonFinite(path, tensor: e.name, index: bad, value: t.data[bad])
                }
                tensors[e.name] = t
                types[e.name] = e.type
            }
        }
        return SafeTensorsFile(path: path, metadata: metadata, names: entries.map(\.name), tensors: tensors, storageTypes: types)
    }

    /// A JSON number that is a whole number in 0...limit, else nil (never traps on 1e300 or 2.5).
    /// (`true` reads as 1: Foundation's JSON gives booleans as numbers.)
    private static func wholeNumber(_ value: Any, atMost limit: Int) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        let d = number.doubleValue
        guard d.isFinite, d >= 0, d <= Double(limit), d == d.rounded(.towardZero) else { return nil }
        return Int(d)
    }

    /// The header JSON: metadata with sorted keys, then the tensors in data order.
    static func headerJSON(_ entries: [Entry], metadata: [String: String]) -> String {
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }.joined(separator: ",")
            parts.append("\"__metadata__\":{\(m)}")
        }
        for e in entries {
            parts.append("\(jsonString(e.name)):{\"dtype\":\"\(e.type.rawValue)\",\"shape\":[\(e.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(e.begin),\(e.end)]}")
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    static func checksum(header: String, data: UnsafeBufferPointer<UInt8>) -> String {
        var hash = FNV1a64()
        hash.add(header.utf8)
        hash.add(data)
        return "fnv1a64:" + hash.hex
    }

    /// Serialises tensors (in the given order) and metadata, with the checksum.
    public static func serialize(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:],
                                 type: StorageType = .float32) -> Data {
        serialize(tensors, metadata: metadata, type: type, checksum: true)
    }

    /// Serialises with or without the checksum (without: as older genie wrote, for tests).
    static func serialize(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String], type: StorageType,
                          checksum withChecksum: Bool) -> Data {
        var entries: [Entry] = []
        var offset = 0
        for (name, t) in tensors {
            let size = t.count * type.byteSize
            entries.append(Entry(name: name, type: type, shape: t.shape, begin: offset, end: offset + size))
            offset += size
        }
        var body = [UInt8](repeating: 0, count: offset)
        body.withUnsafeMutableBufferPointer { out in
            for (e, (_, t)) in zip(entries, tensors) where t.count > 0 {
                encode(t.data, count: t.count, type: type, into: out.baseAddress! + e.begin)
            }
        }
        var checked = metadata
        checked[checksumKey] = nil
        if withChecksum {
            checked[checksumKey] = body.withUnsafeBufferPointer { checksum(header: headerJSON(entries, metadata: checked), data: $0) }
        }
        var headerBytes = Array(headerJSON(entries, metadata: checked).utf8)
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }
        var out = Data(capacity: 8 + headerBytes.count + offset)
        var length = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        out.append(contentsOf: body)
        return out
    }

    /// Writes atomically (temp file, fsync, rename): a reader never sees half a checkpoint.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:],
                             type: StorageType = .float32, to path: String) throws {
        do {
            try AtomicFile.write(serialize(tensors, metadata: metadata, type: type), to: path)
        } catch {
            throw SafeTensorsError.writeFailed(path, reason: ErrorMessage.line(error))
        }
    }

    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    static func decode(_ src: UnsafePointer<UInt8>, type: StorageType, count: Int, into dst: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            switch type {
            case .float32:
                let bits = UInt32(src[4 * i]) | UInt32(src[4 * i + 1]) << 8 | UInt32(src[4 * i + 2]) << 16 | UInt32(src[4 * i + 3]) << 24
                dst[i] = Float(bitPattern: bits)
            case .float16:
                let bits = UInt16(src[2 * i]) | UInt16(src[2 * i + 1]) << 8
                dst[i] = Float(Float16(bitPattern: bits))
            case .bfloat16:
                let bits = UInt32(src[2 * i]) << 16 | UInt32(src[2 * i + 1]) << 24
                dst[i] = Float(bitPattern: bits)
            }
        }
    }

    static func encode(_ src: UnsafePointer<Float>, count: Int, type: StorageType, into dst: UnsafeMutablePointer<UInt8>) {
        for i in 0..<count {
            switch type {
            case .float32:
                let bits = src[i].bitPattern
                for b in 0..<4 { dst[4 * i + b] = UInt8(truncatingIfNeeded: bits >> (8 * UInt32(b))) }
            case .float16:
                let bits = Float16(src[i]).bitPattern
                dst[2 * i] = UInt8(truncatingIfNeeded: bits); dst[2 * i + 1] = UInt8(truncatingIfNeeded: bits >> 8)
            case .bfloat16:
                let bits = bfloat16Bits(src[i])
                dst[2 * i] = UInt8(truncatingIfNeeded: bits); dst[2 * i + 1] = UInt8(truncatingIfNeeded: bits >> 8)
            }
        }
    }

    /// float32 → bfloat16 with round-to-nearest-even (NaN stays NaN).
    static func bfloat16Bits(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        if x.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounding = ((bits >> 16) & 1) + 0x7FFF
        return UInt16((bits &+ rounding) >> 16)
    }
}
