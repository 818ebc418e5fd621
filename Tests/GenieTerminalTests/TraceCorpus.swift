import Foundation
import GenieMedia
import GenieTensor

/// Damaged traces made from a valid one by seeded mutations: every field set to hostile
/// values (wrong types, negatives, huge numbers, NaN-like strings, nulls), fields removed,
/// and the JSON text itself damaged (bytes flipped, inserted, deleted, cut short).
struct TraceCorpus {
    /// A trace of the simulator that `genie replay` replays (seed 3 is a night level).
    static func valid() -> Trace {
        Trace(world: .init(kind: "sim", identity: ["seed": "3", "theme": "night"]), frame: .init(width: 64, height: 64),
              seed: 3, actionNames: Control.all, settings: .init(fps: 10, mode: "realtime"),
              steps: (0..<6).map { .init(action: $0 % 4, control: "c\($0)", key: "k", time: 0.1 * Double($0 + 1)) },
              recordedFrames: [[0, 2], [4, 6]])
    }

    static var hostileValues: [(String, Any)] { [
        ("0", 0), ("-1", -1), ("1e9", 1_000_000_000), ("1e300", 1e300), ("Int.max", Int.max), ("0.5", 0.5),
        ("empty string", ""), ("string", "x"), ("null", NSNull()), ("empty array", [Any]()), ("object", ["a": 1]),
    ] }

    /// Every field of the valid trace (array items included) set to every hostile value, and
    /// each field removed.
    static func fieldCases() throws -> [(String, Data)] {
        let object = try JSONSerialization.jsonObject(with: try valid().encoded()) as! [String: Any]
        var out: [(String, Data)] = []
        for path in paths(object) {
            for (label, value) in hostileValues {
                out.append(("\(path) = \(label)", data(replacing(object, path, with: value))))
            }
            out.append(("\(path) removed", data(replacing(object, path, with: nil))))
        }
        return out
    }

    /// Byte-level damage to the JSON text.
    static func byteCases(seed: UInt64, count: Int) throws -> [(String, Data)] {
        let text = [UInt8](try valid().encoded())
        var g = RandomGenerator(seed: seed)
        return (0..<count).map { _ in
            var bytes = text
            let i = g.nextInt(bytes.count)
            switch g.nextInt(4) {
            case 0: bytes[i] ^= UInt8(1 << g.nextInt(8)); return ("bit flip at \(i)", Data(bytes))
            case 1: bytes.insert(UInt8(g.nextInt(128)), at: i); return ("byte inserted at \(i)", Data(bytes))
            case 2: bytes.remove(at: i); return ("byte \(i) deleted", Data(bytes))
            default: return ("cut to \(i) bytes", Data(bytes.prefix(i)))
            }
        }
    }

    /// A path is a list of keys (String) and indices (Int).
    static func paths(_ value: Any, prefix: [Any] = []) -> [[Any]] {
        if let object = value as? [String: Any] {
            return object.keys.sorted().flatMap { [prefix + [$0]] + paths(object[$0]!, prefix: prefix + [$0]) }
        }
        if let array = value as? [Any] {
            return array.indices.flatMap { [prefix + [$0]] + paths(array[$0], prefix: prefix + [$0]) }
        }
        return []
    }

    static func replacing(_ value: Any, _ path: [Any], with new: Any?) -> Any {
        guard let first = path.first else { return new ?? NSNull() }
        let rest = Array(path.dropFirst())
        if var object = value as? [String: Any], let key = first as? String {
            if rest.isEmpty && new == nil { object[key] = nil } else { object[key] = replacing(object[key]!, rest, with: new) }
            return object
        }
        var array = value as! [Any]
        let index = first as! Int
        if rest.isEmpty && new == nil { array.remove(at: index) } else { array[index] = replacing(array[index], rest, with: new) }
        return array
    }

    static func data(_ value: Any) -> Data { try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) }
}
