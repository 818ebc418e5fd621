import Foundation
import XCTest
@testable import GenieTensor

/// Damaged and hostile safetensors files: each gives a `SafeTensorsError` or reads back
/// exactly what was written, never a crash, a hang or different numbers.
final class SafeTensorsFuzzTests: XCTestCase {
    let tensors: [(name: String, tensor: Tensor)] = [
        ("weight", Tensor((0..<24).map { Float($0) * 0.25 - 3 }, shape: [4, 6])),
        ("bias", Tensor([0.5, -1.25, 3, 8], shape: [4])),
        ("scalar", Tensor([7], shape: [])),
    ]

    func assertSame(_ file: SafeTensorsFile, _ original: SafeTensorsFile, ignoring key: String?, _ message: String) throws {
        XCTAssertEqual(file.names, original.names, message)
        XCTAssertEqual(file.metadata.filter { $0.key != key }, original.metadata, message)
        for name in original.names {
            let a = try file.tensor(name), b = try original.tensor(name)
            XCTAssertEqual(a.shape, b.shape, message)
            XCTAssertEqual(a.array.map(\.bitPattern), b.array.map(\.bitPattern), "\(name): \(message)")
        }
    }

    func testMutatedFilesFailCleanlyOrReadBackUnchanged() throws {
        let good = SafeTensorsFile.serialize(tensors, metadata: ["genie.kind": "test", "steps": "3"])
        let original = try SafeTensorsFile.parse(good, path: "good")
        var corpus = SafeTensorsCorpus(seed: 11, valid: [UInt8](good))
        var errors = 0, unchanged = 0, uncheckedKey = 0
        let start = Date()
        for i in 0..<4000 {
            let (bytes, mutation) = corpus.next()
            do {
                let file = try SafeTensorsFile.parse(Data(bytes), path: "case\(i)")
                // A damaged name of the checksum key leaves a file without a checksum, read
                // with every other check: its numbers must still be the original ones.
                let damagedKey = file.metadata.first { $0.value.hasPrefix("fnv1a64:") && $0.key != SafeTensorsFile.checksumKey }?.key
                if damagedKey != nil { uncheckedKey += 1 }
                try assertSame(file, original, ignoring: damagedKey, "case \(i) (\(mutation)) read without an error but differs")
                unchanged += 1
            } catch is SafeTensorsError {
                errors += 1
            }
        }
        XCTAssertGreaterThan(errors, 3500, "most mutations must be found")
        XCTAssertLessThan(Date().timeIntervalSince(start), 20, "4000 small files parse in seconds")
        print("safetensors fuzz: 4000 cases, \(errors) clean errors, \(unchanged) read back with the original numbers (\(uncheckedKey) of them unchecked: the checksum key's name was damaged), 0 silent garbage, 0 crashes")
    }

    func testShapeWhoseElementCountOverflowsIsAnError() {
        let header = #"{"t":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}}"#
        var bytes = [UInt8]()
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { bytes += $0 }
        bytes += Array(header.utf8)
        XCTAssertThrowsError(try SafeTensorsFile.parse(Data(bytes), path: "big")) { error in
            guard case SafeTensorsError.invalidHeader(_, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("too many elements"), reason)
        }
        // Sizes that are no whole number (1e300, 2.5, -1, a string) are refused, not trapped on.
        for size in ["1e300", "2.5", "-1", "\"4\"", "null"] {
            let h = #"{"t":{"dtype":"F32","shape":[SIZE],"data_offsets":[0,4]}}"#.replacingOccurrences(of: "SIZE", with: size)
            var b = [UInt8]()
            var m = UInt64(h.utf8.count).littleEndian
            withUnsafeBytes(of: &m) { b += $0 }
            b += Array(h.utf8) + [0, 0, 0, 0]
            XCTAssertThrowsError(try SafeTensorsFile.parse(Data(b), path: size), size) { error in
                XCTAssertEqual(error as? SafeTensorsError, .invalidHeader(size, reason: "entry 't' has a bad shape"))
            }
        }
    }

    func testNaNOrInfinityIsAnErrorNamingTheTensor() {
        for bad in [Float.nan, .infinity, -.infinity] {
            let bias = Tensor([0.5, bad, 3, 8], shape: [4])
            let data = SafeTensorsFile.serialize([tensors[0], ("bias", bias)])
            XCTAssertThrowsError(try SafeTensorsFile.parse(data, path: "f")) { error in
                guard case SafeTensorsError.nonFinite("f", tensor: "bias", index: 1, _) = error else { return XCTFail("\(error)") }
            }
        }
    }

    func testChecksumFindsAFlippedBitInTheData() throws {
        var bytes = [UInt8](SafeTensorsFile.serialize(tensors, metadata: ["a": "b"]))
        bytes[bytes.count - 5] ^= 0x01  // the low bit of a mantissa: still a finite number
        XCTAssertThrowsError(try SafeTensorsFile.parse(Data(bytes), path: "f")) { error in
            XCTAssertEqual(error as? SafeTensorsError, .checksumMismatch("f"))
        }
        // The checksum is a detail of the format: readers see the metadata they wrote.
        let file = try SafeTensorsFile.parse(SafeTensorsFile.serialize(tensors, metadata: ["a": "b"]), path: "f")
        XCTAssertEqual(file.metadata, ["a": "b"])
    }
}

/// Seeded mutations of a valid safetensors file: bit flips anywhere, in the header alone or
/// in the length prefix, digits changed in the header, bytes inserted or deleted, truncations.
struct SafeTensorsCorpus {
    var generator: RandomGenerator
    let valid: [UInt8]
    let headerEnd: Int

    init(seed: UInt64, valid: [UInt8]) {
        generator = RandomGenerator(seed: seed)
        self.valid = valid
        var n = 0
        for i in 0..<8 { n |= Int(valid[i]) << (8 * i) }
        headerEnd = 8 + n
    }

    mutating func below(_ n: Int) -> Int { generator.nextInt(max(n, 1)) }

    mutating func next() -> ([UInt8], String) {
        var bytes = valid
        switch below(7) {
        case 0:
            let i = below(bytes.count)
            bytes[i] ^= UInt8(1 << below(8))
            return (bytes, "bit flip at \(i)")
        case 1:
            let i = 8 + below(headerEnd - 8)
            bytes[i] = UInt8(below(256))
            return (bytes, "header byte \(i)")
        case 2:
            let i = below(8)
            bytes[i] = UInt8(below(256))
            return (bytes, "length byte \(i)")
        case 3:
            let digits = (8..<headerEnd).filter { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }
            let i = digits[below(digits.count)]
            bytes[i] = 0x30 + UInt8(below(10))
            return (bytes, "header digit \(i)")
        case 4:
            let n = below(bytes.count)
            return (Array(bytes.prefix(n)), "truncated to \(n)")
        case 5:
            let i = below(bytes.count)
            bytes.insert(UInt8(below(256)), at: i)
            return (bytes, "byte inserted at \(i)")
        default:
            let i = below(bytes.count)
            bytes.remove(at: i)
            return (bytes, "byte \(i) deleted")
        }
    }
}
