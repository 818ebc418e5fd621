import Foundation
@testable import GenieModels
@testable import GenieTensor

/// Damaged checkpoints of the three tiny models, made from valid ones by seeded mutations:
/// every configuration value set to hostile values (0, −1, 3, 10^9, 10^30, Int.max, 0.5,
/// strings, null), tensors dropped, added, reshaped, or holding NaN or infinity, the kind
/// or the configuration missing, bits flipped and files cut short.
///
/// Configuration edits are made on files without the checksum (as an older checkpoint or
/// another tool writes them), so that the configuration checks, not the checksum, must
/// find them; the NaN cases carry a valid checksum for the same reason.
struct CheckpointCorpus {
    struct Case {
        let kind: String
        let mutation: String
        let bytes: Data
    }

    /// A valid checkpoint of one kind and its parameters.
    struct Original {
        let kind: String
        let bytes: Data
        let parameters: [String: [UInt32]]
    }

    static func originals() throws -> [Original] {
        func make<Config: Encodable>(_ model: Module, _ kind: String, _ config: Config) throws -> Original {
            let path = NSTemporaryDirectory() + "genie-corpus-\(UUID().uuidString).safetensors"
            defer { try? FileManager.default.removeItem(atPath: path) }
            try Checkpoint.save(model, kind: kind, config: config, provenance: ["steps": "7"], to: path)
            let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor.array.map(\.bitPattern)) })
            return Original(kind: kind, bytes: try Data(contentsOf: URL(fileURLWithPath: path)), parameters: parameters)
        }
        // One block each, so that a file with a second block is a config that undercounts.
        let oneBlock = TransformerConfig(width: 16, depth: 1, heads: 2, feedForwardMultiple: 2)
        var t = tinyTokenizerConfig(); t.encoder = oneBlock; t.decoder = oneBlock
        var l = tinyLatentActionConfig(); l.encoder = oneBlock; l.decoder = oneBlock; l.changedPixelWeight = 10
        var d = tinyDynamicsConfig(); d.transformer = oneBlock
        return [try make(VideoTokenizer(t, seed: 1), "tokenizer", t), try make(LatentActionModel(l, seed: 2), "lam", l),
                try make(DynamicsModel(d, seed: 3), "dynamics", d)]
    }

    /// Values a hostile configuration might hold.
    static var hostileValues: [(String, Any)] { [
        ("0", 0), ("-1", -1), ("1", 1), ("3", 3), ("1e9", 1_000_000_000), ("1e30", 1e30), ("Int.max", Int.max),
        ("0.5", 0.5), ("string", "x"), ("null", NSNull()), ("object", ["a": 1]),
    ] }

    static func cases(seed: UInt64) throws -> [Case] {
        var generator = RandomGenerator(seed: seed)
        var out: [Case] = []
        for original in try originals() {
            let file = try SafeTensorsFile.parse(original.bytes, path: original.kind)
            let config = try JSONSerialization.jsonObject(with: Data(file.metadata["genie.config"]!.utf8)) as! [String: Any]
            // Every configuration value, nested ones included, set to every hostile value.
            for path in leafPaths(config) {
                for (label, value) in hostileValues {
                    var edited = config
                    set(&edited, path, value)
                    var metadata = file.metadata
                    metadata["genie.config"] = json(edited)
                    out.append(Case(kind: original.kind, mutation: "\(path.joined(separator: ".")) = \(label)",
                                    bytes: rewritten(file, metadata: metadata, checksum: false)))
                }
            }
            var metadata = file.metadata
            metadata["genie.config"] = nil
            out.append(Case(kind: original.kind, mutation: "no config", bytes: rewritten(file, metadata: metadata, checksum: false)))
            metadata = file.metadata
            metadata["genie.kind"] = original.kind == "dynamics" ? "tokenizer" : "dynamics"
            out.append(Case(kind: original.kind, mutation: "other kind", bytes: rewritten(file, metadata: metadata, checksum: false)))
            metadata = file.metadata
            metadata["genie.config"] = "{not json"
            out.append(Case(kind: original.kind, mutation: "config not JSON", bytes: rewritten(file, metadata: metadata, checksum: false)))
            // Tensors dropped, duplicated as an extra block, reshaped, or with NaN/infinity.
            for _ in 0..<4 {
                let drop = file.names[generator.nextInt(file.names.count)]
                out.append(Case(kind: original.kind, mutation: "\(drop) dropped",
                                bytes: rewritten(file, tensors: file.names.filter { $0 != drop }.map { ($0, try! file.tensor($0)) }, checksum: false)))
            }
            let blockNames = file.names.filter { $0.contains(".blocks.0.") }
            let extra = blockNames.map { ($0.replacingOccurrences(of: ".blocks.0.", with: ".blocks.1."), try! file.tensor($0)) }
            out.append(Case(kind: original.kind, mutation: "an extra block the config does not count",
                            bytes: rewritten(file, tensors: file.names.map { ($0, try! file.tensor($0)) } + extra, checksum: false)))
            for _ in 0..<4 {
                let name = file.names.filter { (try! file.tensor($0)).rank == 2 }[generator.nextInt(10)]
                let t = try file.tensor(name)
                let transposed = Tensor(t.array, shape: [t.shape[1], t.shape[0]])
                out.append(Case(kind: original.kind, mutation: "\(name) reshaped to \(transposed.shape)",
                                bytes: rewritten(file, tensors: file.names.map { ($0, $0 == name ? transposed : try! file.tensor($0)) }, checksum: false)))
            }
            for value in [Float.nan, .infinity, -.infinity, .nan, .nan] {
                let name = file.names[generator.nextInt(file.names.count)]
                let t = try file.tensor(name)
                var values = t.array
                values[generator.nextInt(values.count)] = value
                let damaged = Tensor(values, shape: t.shape)
                out.append(Case(kind: original.kind, mutation: "\(value) in \(name)",
                                bytes: rewritten(file, tensors: file.names.map { ($0, $0 == name ? damaged : try! file.tensor($0)) }, checksum: true)))
            }
            // Bytes damaged on the way: bit flips anywhere and truncations.
            for _ in 0..<40 {
                var bytes = [UInt8](original.bytes)
                let i = generator.nextInt(bytes.count)
                bytes[i] ^= UInt8(1 << generator.nextInt(8))
                out.append(Case(kind: original.kind, mutation: "bit flip at byte \(i)", bytes: Data(bytes)))
            }
            for _ in 0..<10 {
                let n = generator.nextInt(original.bytes.count)
                out.append(Case(kind: original.kind, mutation: "cut to \(n) bytes", bytes: original.bytes.prefix(n)))
            }
        }
        return out
    }

    /// The paths of every number in a JSON object ("encoder", "width").
    static func leafPaths(_ object: [String: Any], prefix: [String] = []) -> [[String]] {
        object.keys.sorted().flatMap { key -> [[String]] in
            if let child = object[key] as? [String: Any] { return leafPaths(child, prefix: prefix + [key]) }
            return object[key] is NSNumber ? [prefix + [key]] : []
        }
    }

    static func set(_ object: inout [String: Any], _ path: [String], _ value: Any) {
        if path.count == 1 { object[path[0]] = value; return }
        var child = object[path[0]] as! [String: Any]
        set(&child, Array(path.dropFirst()), value)
        object[path[0]] = child
    }

    static func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// The file written again with other metadata or tensors, with or without the checksum.
    static func rewritten(_ file: SafeTensorsFile, metadata: [String: String]? = nil, tensors: [(String, Tensor)]? = nil,
                          checksum: Bool) -> Data {
        let named = (tensors ?? file.names.map { ($0, try! file.tensor($0)) }).map { (name: $0.0, tensor: $0.1) }
        return SafeTensorsFile.serialize(named, metadata: metadata ?? file.metadata, type: .float32, checksum: checksum)
    }
}
