import Foundation
import XCTest
import GenieSupport
@testable import GenieModels
@testable import GenieTensor
@testable import GenieTraining

/// The training state is one atomic unit: a resume is exact whatever the model file beside
/// it says, an older state file is used only with a model file of its step, and a run
/// folder's lock is exclusive.
extension TrainingTests {
    func trainer(_ run: String, steps: Int = 8) throws -> Trainer {
        let data = directory + "/data"
        if !FileManager.default.fileExists(atPath: data) { try makeDataset(data) }
        return try Trainer(task: try makeTask(data), options: options(steps: steps), runDirectory: directory + "/" + run)
    }

    func parameters(_ path: String) throws -> [String: [UInt32]] {
        let file = try SafeTensorsFile.read(path)
        return Dictionary(uniqueKeysWithValues: try file.names.map { ($0, try file.tensor($0).array.map(\.bitPattern)) })
    }

    func testResumeIsExactWhenTheModelFileIsAheadOfTheState() throws {
        let straight = try trainer("straight")
        try straight.run()
        let split = try trainer("split")
        try split.run(until: 4)
        // Whatever model file lies beside the state (here one of step 5), the state alone decides.
        let ahead = try trainer("ahead")
        try ahead.run(until: 5)
        try FileManager.default.removeItem(atPath: split.modelPath)
        try FileManager.default.copyItem(atPath: ahead.modelPath, toPath: split.modelPath)
        let resumed = try trainer("split")
        try resumed.resume()
        XCTAssertEqual(resumed.step, 4)
        try resumed.run()
        XCTAssertEqual(try parameters(resumed.modelPath), try parameters(straight.modelPath))
    }

    /// A state file as genie wrote it before it held the weights.
    func writeLegacyState(of trainer: Trainer, step: String) throws {
        let state = try SafeTensorsFile.read(trainer.statePath)
        var metadata = state.metadata
        metadata["step"] = step
        let kept = try state.names.filter { !$0.hasPrefix("model.") }.map { (name: $0, tensor: try state.tensor($0)) }
        try SafeTensorsFile.write(kept, metadata: metadata, to: trainer.statePath)
    }

    func testOlderStateResumesWithAModelOfItsStepAndRefusesATornPair() throws {
        let straight = try trainer("straight")
        try straight.run()
        let split = try trainer("split")
        try split.run(until: 4)
        try writeLegacyState(of: split, step: "4")
        let resumed = try trainer("split")
        try resumed.resume()
        try resumed.run()
        XCTAssertEqual(try parameters(resumed.modelPath), try parameters(straight.modelPath), "an agreeing older pair resumes exactly")

        let torn = try trainer("torn")
        try torn.run(until: 5)
        try writeLegacyState(of: torn, step: "4")
        XCTAssertThrowsError(try trainer("torn").resume()) { error in
            XCTAssertEqual(error as? TrainingStateError,
                           .torn(torn.modelPath, modelStep: "5", statePath: torn.statePath, stateStep: 4))
        }
    }

    /// Weights of the same shapes can belong to another model: a run resumes only with the
    /// model settings it was started with.
    func testResumeRefusesOtherModelSettings() throws {
        let run = try trainer("settings")
        try run.run(until: 2)
        let model = try SafeTensorsFile.read(run.modelPath)
        var metadata = model.metadata
        let saved = try XCTUnwrap(metadata["genie.config"])
        XCTAssertTrue(saved.contains("\"commitment\":0.25"), saved)
        metadata["genie.config"] = saved.replacingOccurrences(of: "\"commitment\":0.25", with: "\"commitment\":0.5")
        try SafeTensorsFile.write(try model.names.map { (name: $0, tensor: try model.tensor($0)) }, metadata: metadata, to: run.modelPath)
        XCTAssertThrowsError(try trainer("settings").resume()) { error in
            XCTAssertTrue("\(error)".contains("--resume with model settings other than the run's (\(run.modelPath))"), "\(error)")
        }
        metadata["genie.config"] = saved
        try SafeTensorsFile.write(try model.names.map { (name: $0, tensor: try model.tensor($0)) }, metadata: metadata, to: run.modelPath)
        XCTAssertNoThrow(try trainer("settings").resume())
    }

    /// Fine-tuning starts from a finished model's weights at step 0, and only from a model of
    /// the same kind and settings.
    func testInitStartsFromACheckpointsWeightsWithAFreshOptimiser() throws {
        let source = try trainer("source")
        try source.run(until: 3)
        let tuned = try trainer("tuned")
        try tuned.initialize(from: source.modelPath)
        XCTAssertEqual(tuned.step, 0)
        let sourceWeights = try parameters(source.modelPath)
        for (name, tensor) in tuned.task.model.namedParameters() {
            XCTAssertEqual(tensor.array.map(\.bitPattern), sourceWeights[name], name)
        }
        XCTAssertEqual(tuned.provenance["init_steps"], "3")

        let model = try SafeTensorsFile.read(source.modelPath)
        var metadata = model.metadata
        metadata["genie.config"] = metadata["genie.config"]!.replacingOccurrences(of: "\"commitment\":0.25", with: "\"commitment\":0.5")
        let other = directory + "/other.safetensors"
        try SafeTensorsFile.write(try model.names.map { (name: $0, tensor: try model.tensor($0)) }, metadata: metadata, to: other)
        XCTAssertThrowsError(try trainer("refused").initialize(from: other)) { error in
            XCTAssertTrue("\(error)".contains("--init \(other) was trained with other model settings"), "\(error)")
        }
        metadata["genie.kind"] = "dynamics"
        try SafeTensorsFile.write(try model.names.map { (name: $0, tensor: try model.tensor($0)) }, metadata: metadata, to: other)
        XCTAssertThrowsError(try trainer("refused").initialize(from: other)) { error in
            XCTAssertTrue("\(error)".contains("\(other) is a dynamics checkpoint, but a tokenizer checkpoint is needed here"), "\(error)")
        }
    }

    func testNothingToResume() throws {
        XCTAssertThrowsError(try trainer("empty").resume()) { error in
            XCTAssertEqual(error as? TrainingStateError, .nothingToResume(self.directory + "/empty", kind: "tokenizer"))
        }
    }

    func testARunLockIsExclusiveUntilReleased() throws {
        let path = directory + "/tokenizer.lock"
        var first: RunLock? = try RunLock(path, owner: "genie train tokenizer")
        XCTAssertThrowsError(try RunLock(path, owner: "second")) { error in
            XCTAssertEqual(error as? RunLockError, .held(path, holder: "pid \(getpid()): genie train tokenizer"))
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "pid \(getpid()): genie train tokenizer\n", "the lock file names its holder")
        XCTAssertNotNil(first, "the first lock is still held here")
        first = nil
        XCTAssertNoThrow(try RunLock(path, owner: "second"))
    }
}
