import Foundation
import GenieSupport
import GenieTensor

/// Why a checkpoint cannot be used for what it was given for.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case wrongKind(String, expected: String, found: String)
    case badConfig(String, reason: String)
    case invalidConfig(String, reason: String)
    case wrongSize(String, parameters: Int, stored: Int)
    case mismatched(String)

    public var description: String {
        switch self {
        case .wrongKind(let p, let e, let f): return "\(p) is a \(f) checkpoint, but a \(e) checkpoint is needed here"
        case .badConfig(let p, let r): return "\(p): cannot read the model configuration in its metadata: \(r)"
        case .invalidConfig(let p, let r): return "\(p): the model configuration in its metadata is invalid: \(r)"
        case .wrongSize(let p, let n, let stored):
            return "\(p): its configuration describes \(n) parameters but the file holds \(stored) values (damaged, or its configuration was edited)"
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
        var metadata = provenance
        metadata["genie.kind"] = kind
        metadata["genie.config"] = try configText(config)
        metadata["genie.format"] = "1"
        try SafeTensorsFile.write(model.namedParameters(), metadata: metadata, type: type, to: path)
    }

    /// A configuration as a checkpoint stores it (JSON with sorted keys).
    public static func configText<Config: Encodable>(_ config: Config) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(config), as: UTF8.self)
    }

    /// Whether a stored configuration text describes `config` (compared decoded, so that
    /// fields an older genie wrote and this one reads as defaults do not count).
    public static func config<Config: Codable>(_ config: Config, matches text: String) -> Bool {
        guard let saved = try? JSONDecoder().decode(Config.self, from: Data(text.utf8)) else { return false }
        return (try? configText(saved)) == (try? configText(config))
    }

    /// Refuses a checkpoint of another kind (a LAM where a tokenizer is needed).
    public static func checkKind(_ file: SafeTensorsFile, _ kind: String) throws {
        let found = file.metadata["genie.kind"] ?? "unknown (not made by genie)"
        guard found == kind else { throw CheckpointError.wrongKind(file.path, expected: kind, found: found) }
    }

    /// Reads a checkpoint's kind and configuration, and checks the configuration's values.
    public static func config<Config: ModelConfiguration>(_ file: SafeTensorsFile, kind: String, as type: Config.Type) throws -> Config {
        try checkKind(file, kind)
        guard let json = file.metadata["genie.config"] else { throw CheckpointError.badConfig(file.path, reason: "no genie.config") }
        let config: Config
        do { config = try JSONDecoder().decode(Config.self, from: Data(json.utf8)) } catch let error as DecodingError {
            throw CheckpointError.badConfig(file.path, reason: oneLineReason(error, document: "genie.config"))
        } catch let error as ModelConfigurationError {
            throw CheckpointError.invalidConfig(file.path, reason: error.reason)  // a retired variant, refused while decoding
        } catch {
            throw CheckpointError.badConfig(file.path, reason: "genie.config is not valid JSON")
        }
        do { try config.validate() } catch let error as ModelConfigurationError {
            throw CheckpointError.invalidConfig(file.path, reason: error.reason)
        }
        return config
    }

    /// Copies every parameter from the file into the model. The file must hold exactly the
    /// model's tensors, each with the model's shape: a tensor left over means the
    /// configuration does not describe the weights (a 3-block config over 4 blocks).
    /// Parameters named in `skipping` are left to the caller (a codebook grown from a smaller one).
    public static func loadWeights(_ model: Module, from file: SafeTensorsFile, prefix: String = "", skipping: Set<String> = []) throws {
        var expected = Set(skipping.map { prefix + $0 })
        for (name, parameter) in model.namedParameters() where !skipping.contains(name) {
            let (stored, names) = try storedParameter(prefix + name, shape: parameter.shape, in: file)
            parameter.data.update(from: stored.data, count: parameter.count)
            expected.formUnion(names)
        }
        if let extra = file.names.first(where: { $0.hasPrefix(prefix) && !expected.contains($0) }) {
            throw SafeTensorsError.unexpectedTensor(file.path, tensor: extra)
        }
    }

    /// Reads the tensor of one parameter (or of its optimiser state), and the names it came
    /// from. Checkpoints written before attention fused its projections hold a
    /// `queryKeyValue` matrix [C, 3C] as three, `query`, `key` and `value` [C, C], side by
    /// side in its columns: they are fused here as they load.
    public static func storedParameter(_ name: String, shape: [Int], in file: SafeTensorsFile) throws -> (Tensor, [String]) {
        let fused = ".queryKeyValue."
        guard let range = name.range(of: fused), !file.names.contains(name), shape.last.map({ $0 % 3 == 0 }) == true else {
            return (try file.tensor(name, shape: shape), [name])
        }
        let names = ["query", "key", "value"].map { name.replacingCharacters(in: range, with: ".\($0).") }
        guard names.allSatisfy(file.names.contains) else { return (try file.tensor(name, shape: shape), [name]) }
        var partShape = shape
        partShape[shape.count - 1] /= 3
        let parts = try names.map { try file.tensor($0, shape: partShape) }
        return (withoutGradient { concatenate(parts, axis: shape.count - 1) }, names)
    }

    /// Reads a checkpoint of `kind` and builds its model, validating everything before the
    /// model is allocated: the configuration's values, and that the parameters it describes
    /// are as many as the values the file holds (then names and shapes one by one).
    static func load<Config: ModelConfiguration, Model: Module>(_ path: String, kind: String, as type: Config.Type,
                                                                build: (Config) -> Model) throws -> (Model, SafeTensorsFile) {
        let file = try SafeTensorsFile.read(path)
        let config = try config(file, kind: kind, as: type)
        let stored = file.elementCount
        guard config.parameterCount == stored else {
            throw CheckpointError.wrongSize(path, parameters: config.parameterCount, stored: stored)
        }
        let model = build(config)
        try loadWeights(model, from: file)
        return (model, file)
    }

    public static func loadTokenizer(_ path: String) throws -> (VideoTokenizer, SafeTensorsFile) {
        try load(path, kind: "tokenizer", as: TokenizerConfig.self) { VideoTokenizer($0, seed: 0) }
    }

    public static func loadLatentActionModel(_ path: String) throws -> (LatentActionModel, SafeTensorsFile) {
        try load(path, kind: "lam", as: LatentActionConfig.self) { LatentActionModel($0, seed: 0) }
    }

    public static func loadDynamics(_ path: String) throws -> (DynamicsModel, SafeTensorsFile) {
        try load(path, kind: "dynamics", as: DynamicsConfig.self) { DynamicsModel($0, seed: 0) }
    }

}
