import Foundation
import GenieTensor

/// Why a checkpoint cannot be used for what it was given for.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case wrongKind(String, expected: String, found: String)
    case badConfig(String, reason: String)
    case mismatched(String)

    public var description: String {
        switch self {
        case .wrongKind(let p, let e, let f): return "\(p) is a \(f) checkpoint, but a \(e) checkpoint is needed here"
        case .badConfig(let p, let r): return "\(p): cannot read the model configuration in its metadata: \(r)"
        case .mismatched(let r): return "checkpoints do not belong together: \(r)"
        }
    }
}

/// Model checkpoints: safetensors whose `__metadata__` holds the model kind, its Codable
/// configuration as JSON, and provenance (command, steps, data), so that a file alone
/// rebuilds its model.
public enum Checkpoint {
    public static func save<Config: Encodable>(_ model: Module, kind: String, config: Config, provenance: [String: String] = [:],
                                               type: StorageType = .float32, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var metadata = provenance
        metadata["genie.kind"] = kind
        metadata["genie.config"] = String(decoding: try encoder.encode(config), as: UTF8.self)
        metadata["genie.format"] = "1"
        try SafeTensorsFile.write(model.namedParameters(), metadata: metadata, type: type, to: path)
    }

    /// Reads a checkpoint's kind and configuration.
    public static func config<Config: Decodable>(_ file: SafeTensorsFile, kind: String, as type: Config.Type) throws -> Config {
        let found = file.metadata["genie.kind"] ?? "unknown (not made by genie)"
        guard found == kind else { throw CheckpointError.wrongKind(file.path, expected: kind, found: found) }
        guard let json = file.metadata["genie.config"] else { throw CheckpointError.badConfig(file.path, reason: "no genie.config") }
        do { return try JSONDecoder().decode(Config.self, from: Data(json.utf8)) } catch {
            throw CheckpointError.badConfig(file.path, reason: "\(error)")
        }
    }

    /// Copies every parameter from the file into the model, checking names and shapes.
    public static func loadWeights(_ model: Module, from file: SafeTensorsFile) throws {
        for (name, parameter) in model.namedParameters() {
            let stored = try file.tensor(name, shape: parameter.shape)
            parameter.data.update(from: stored.data, count: parameter.count)
        }
    }

    public static func loadTokenizer(_ path: String) throws -> (VideoTokenizer, SafeTensorsFile) {
        let file = try SafeTensorsFile.read(path)
        let model = VideoTokenizer(try config(file, kind: "tokenizer", as: TokenizerConfig.self), seed: 0)
        try loadWeights(model, from: file)
        return (model, file)
    }

    public static func loadLatentActionModel(_ path: String) throws -> (LatentActionModel, SafeTensorsFile) {
        let file = try SafeTensorsFile.read(path)
        let model = LatentActionModel(try config(file, kind: "lam", as: LatentActionConfig.self), seed: 0)
        try loadWeights(model, from: file)
        return (model, file)
    }

    public static func loadDynamics(_ path: String) throws -> (DynamicsModel, SafeTensorsFile) {
        let file = try SafeTensorsFile.read(path)
        let model = DynamicsModel(try config(file, kind: "dynamics", as: DynamicsConfig.self), seed: 0)
        try loadWeights(model, from: file)
        return (model, file)
    }
}
