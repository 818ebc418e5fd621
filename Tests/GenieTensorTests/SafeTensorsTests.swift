import Foundation
import XCTest
@testable import GenieTensor
import GenieSupport

final class SafeTensorsTests: XCTestCase {
    var directory: String!

    override func setUp() {
        directory = NSTemporaryDirectory() + "genie-st-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    func sampleTensors() -> [(name: String, tensor: Tensor)] {
        [("weight", randomTensor([3, 4], seed: 1, grad: false)),
         ("bias", Tensor([0.5, -1.25, 3], shape: [3])),
         ("scalar", Tensor([7], shape: []))]
    }

    func testRoundTripAllTypes() throws {
        for type in StorageType.allCases {
            let path = directory + "/m-\(type.rawValue).safetensors"
            try SafeTensorsFile.write(sampleTensors(), metadata: ["config": "{\"d\": 4}", "steps": "12"], type: type, to: path)
            let file = try SafeTensorsFile.read(path)
            XCTAssertEqual(file.metadata, ["config": "{\"d\": 4}", "steps": "12"])
            XCTAssertEqual(file.names, ["weight", "bias", "scalar"])
            for (name, t) in sampleTensors() {
                let back = try file.tensor(name, shape: t.shape)
                let tolerance: Float = type == .float32 ? 0 : (type == .float16 ? 2e-3 : 1e-2)
                for i in 0..<t.count { XCTAssertEqual(back.data[i], t.data[i], accuracy: tolerance * max(1, abs(t.data[i]))) }
            }
        }
    }

    func testHeaderLayout() throws {
        let data = SafeTensorsFile.serialize(sampleTensors(), metadata: ["a": "b"])
        let bytes = [UInt8](data)
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        XCTAssertEqual((8 + Int(n)) % 8, 0, "header padded to a multiple of 8")
        let header = String(decoding: bytes[8..<(8 + Int(n))], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{\"__metadata__\":{\"a\":\"b\",\"genie.checksum\":\"fnv1a64:"), header)
        XCTAssertTrue(header.contains("\"weight\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,48]}"))
        XCTAssertTrue(header.contains("\"bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[48,60]}"))
        XCTAssertEqual(bytes.count, 8 + Int(n) + 64)
    }

    func testHalfConversions() {
        XCTAssertEqual(SafeTensorsFile.bfloat16Bits(1.0), 0x3F80)
        XCTAssertEqual(SafeTensorsFile.bfloat16Bits(-2.0), 0xC000)
        // 1 + 2^-8 lies exactly between two bfloat16 values: ties go to even (1.0).
        XCTAssertEqual(SafeTensorsFile.bfloat16Bits(1 + 1.0 / 256), 0x3F80)
        XCTAssertEqual(SafeTensorsFile.bfloat16Bits(1 + 3.0 / 256), 0x3F82)
    }

    /// Builds a file from a raw header and data, bypassing the writer.
    func rawFile(_ header: String, data: [UInt8], lengthOverride: UInt64? = nil) -> Data {
        var out = Data()
        var n = (lengthOverride ?? UInt64(header.utf8.count)).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: Array(header.utf8))
        out.append(contentsOf: data)
        return out
    }

    func expectError(_ data: Data, _ check: (SafeTensorsError) -> Bool, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try SafeTensorsFile.parse(data, path: "bad.safetensors")
            XCTFail("expected an error", file: file, line: line)
        } catch let e as SafeTensorsError {
            XCTAssertTrue(check(e), "unexpected error \(e)", file: file, line: line)
            XCTAssertTrue(e.description.hasPrefix("bad.safetensors"), "the message starts with the file: \(e)", file: file, line: line)
        } catch { XCTFail("untyped error \(error)", file: file, line: line) }
    }

    func testEveryBadFileGetsATypedError() throws {
        let good = SafeTensorsFile.serialize(sampleTensors())
        expectError(good.prefix(5)) { if case .truncated = $0 { return true }; return false }
        expectError(good.prefix(good.count - 4)) { if case .truncated = $0 { return true }; return false }
        expectError(rawFile("{}", data: [], lengthOverride: 1000)) { if case .headerTooLarge = $0 { return true }; return false }
        expectError(rawFile("{not json", data: [])) { if case .invalidHeader = $0 { return true }; return false }
        expectError(rawFile("{\"x\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", data: [UInt8](repeating: 0, count: 8))) {
            if case .unknownDType(_, "x", "I64") = $0 { return true }; return false
        }
        expectError(rawFile("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data: [UInt8](repeating: 0, count: 8))) {
            if case .sizeMismatch = $0 { return true }; return false
        }
        expectError(rawFile("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data: [UInt8](repeating: 0, count: 4))) {
            if case .truncated = $0 { return true }; return false
        }
        expectError(rawFile("{\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", data: [UInt8](repeating: 0, count: 8))) {
            if case .offsetsOutOfRange = $0 { return true }; return false
        }
        expectError(rawFile("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data: [UInt8](repeating: 0, count: 8))) {
            if case .overlapping = $0 { return true }; return false
        }
        let file = try SafeTensorsFile.parse(good, path: "good")
        XCTAssertThrowsError(try file.tensor("missing")) { XCTAssertEqual($0 as? SafeTensorsError, .missingTensor("good", tensor: "missing")) }
        XCTAssertThrowsError(try file.tensor("weight", shape: [4, 3])) {
            XCTAssertEqual($0 as? SafeTensorsError, .shapeMismatch("good", tensor: "weight", expected: [4, 3], found: [3, 4]))
        }
        XCTAssertThrowsError(try SafeTensorsFile.read(directory + "/nope")) { XCTAssertEqual($0 as? SafeTensorsError, .fileNotFound(directory + "/nope")) }
    }

    /// A device, a pipe or a folder named as a checkpoint is refused from its descriptor,
    /// before anything is read (/dev/zero would otherwise fill memory), and a file over the
    /// limit before it is allocated.
    func testOnlyRegularFilesAreReadAndWithinTheirLimit() throws {
        let fifo = directory + "/pipe.safetensors"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        for (path, kind) in [("/dev/zero", "device"), (fifo, "pipe"), (directory!, "folder")] {
            XCTAssertThrowsError(try SafeTensorsFile.read(path)) { error in
                XCTAssertEqual(error as? SafeTensorsError, .unreadable(path, reason: "a \(kind), not a regular file"))
            }
        }
        let link = directory + "/zero.safetensors"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/zero")
        XCTAssertThrowsError(try SafeTensorsFile.read(link)) { XCTAssertEqual($0 as? SafeTensorsError, .unreadable(link, reason: "a device, not a regular file")) }

        let path = directory + "/ten"
        try Data(0..<10).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try RegularFile.read(path, limit: 10), Data(0..<10))
        XCTAssertThrowsError(try RegularFile.read(path, limit: 9)) { XCTAssertEqual($0 as? RegularFileError, .tooLarge(bytes: 10, limit: 9)) }
        XCTAssertThrowsError(try RegularFile.read(directory + "/nope", limit: 9)) { XCTAssertEqual($0 as? RegularFileError, .missing) }
        try Data().write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try RegularFile.read(path, limit: 0), Data())
    }

    func testWriteIsAtomicAndLeavesNoTempFile() throws {
        let path = directory + "/a.safetensors"
        try SafeTensorsFile.write(sampleTensors(), to: path)
        try SafeTensorsFile.write(sampleTensors(), metadata: ["v": "2"], to: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["a.safetensors"])
        XCTAssertEqual(try SafeTensorsFile.read(path).metadata["v"], "2")
    }

    /// The real client: Python's `safetensors` reads genie's file, and genie reads its file.
    func testInteroperatesWithPythonSafetensors() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import safetensors.numpy, numpy"]
        probe.standardError = FileHandle.nullDevice
        try probe.run(); probe.waitUntilExit()
        guard probe.terminationStatus == 0 else { throw XCTSkip("python3 with safetensors and numpy is not installed (.ci/run installs it)") }
        let ours = directory + "/ours.safetensors", theirs = directory + "/theirs.safetensors"
        try SafeTensorsFile.write(sampleTensors(), metadata: ["k": "v"], type: .float32, to: ours)
        try SafeTensorsFile.write(sampleTensors(), type: .bfloat16, to: ours + ".bf16")
        let expected = sampleTensors().map { "'\($0.name)': numpy.array(\($0.tensor.array), dtype=numpy.float32).reshape(\($0.tensor.shape))" }.joined(separator: ", ")
        let script = """
        import numpy, safetensors.numpy as st, safetensors
        expected = {\(expected)}
        got = st.load_file('\(ours)')
        assert set(got) == set(expected), got.keys()
        for k in expected: assert got[k].dtype == numpy.float32 and got[k].shape == expected[k].shape and (got[k] == expected[k]).all(), k
        with safetensors.safe_open('\(ours)', 'np') as f: m = f.metadata()
        assert m['k'] == 'v' and m['genie.checksum'].startswith('fnv1a64:') and len(m) == 2, m
        import json
        raw = open('\(ours).bf16', 'rb').read(); n = int.from_bytes(raw[:8], 'little'); h = json.loads(raw[8:8+n])
        assert h['weight']['dtype'] == 'BF16'
        st.save_file({'a': numpy.arange(6, dtype=numpy.float32).reshape(2, 3), 'h': numpy.array([0.5, -2], dtype=numpy.float16)}, '\(theirs)', metadata={'m': 'x'})
        """
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script]
        let pipe = Pipe()
        python.standardError = pipe
        try python.run(); python.waitUntilExit()
        let message = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(python.terminationStatus, 0, message)
        let file = try SafeTensorsFile.read(theirs)
        XCTAssertEqual(try file.tensor("a", shape: [2, 3]).array, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(try file.tensor("h", shape: [2]).array, [0.5, -2])
        XCTAssertEqual(file.metadata, ["m": "x"])
    }
}
