import Foundation
import XCTest
import GenieTensor

/// `genie train` end to end where the unit tests cannot reach: what a resumed run reuses.
final class TrainCLITests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("genie-train-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/elsewhere", withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    /// The dynamics run's token cache is keyed by the data and the two checkpoints, not by how
    /// the command spells their paths: resumed from another folder, the run does not tokenise
    /// again; pointed at other data, it does.
    func testAResumedDynamicsRunKeepsItsTokenCacheFromAnotherFolder() throws {
        var (status, output) = try GenieExecutable.run(["data", "generate", "--out", "data", "--episodes", "2", "--frames", "12",
                                                        "--seed", "3", "--width", "16", "--height", "48"], in: directory)
        XCTAssertEqual(status, 0, output)
        try EvalCLITests.saveTinyNetworks(in: directory)
        let training = ["--width", "16", "--depth", "1", "--heads", "2", "--batch", "2", "--clip", "4", "--steps", "3", "--warmup", "1"]

        (status, output) = try GenieExecutable.run(["train", "dynamics", "--data", "data", "--out", "run", "--tokenizer", "tokenizer.safetensors",
                                                    "--lam", "lam.safetensors", "--until", "1"] + training, in: directory)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("tokenising: "), output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/run/tokens.safetensors"))

        (status, output) = try GenieExecutable.run(["train", "dynamics", "--data", "../data/", "--out", "../run", "--tokenizer", "../tokenizer.safetensors",
                                                    "--lam", "./../lam.safetensors", "--resume", "--until", "2"] + training, in: directory + "/elsewhere")
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("resumed dynamics at step 1"), output)
        XCTAssertFalse(output.contains("tokenising"), "the cache was made for this data and these checkpoints: \(output)")

        // Other data (a copy in another folder) is not trusted to be the same.
        try FileManager.default.copyItem(atPath: directory + "/data", toPath: directory + "/copy")
        (status, output) = try GenieExecutable.run(["train", "dynamics", "--data", "copy", "--out", "run", "--tokenizer", "tokenizer.safetensors",
                                                    "--lam", "lam.safetensors", "--resume"] + training, in: directory)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("tokenising: "), output)
    }

    /// `genie train lam --labelled-episodes N`: the reader's loss is logged and the reader is
    /// part of the checkpoint; a folder that cannot lend N episodes' actions gets one error line.
    func testALAMWithLabelledEpisodesLogsItsReaderAndRefusesEpisodesWithoutActions() throws {
        var (status, output) = try GenieExecutable.run(["data", "generate", "--out", "data", "--episodes", "3", "--frames", "10",
                                                        "--seed", "4", "--width", "16", "--height", "48"], in: directory)
        XCTAssertEqual(status, 0, output)
        let lam = ["train", "lam", "--data", "data", "--width", "16", "--depth", "1", "--heads", "2", "--batch", "2", "--clip", "4",
                   "--steps", "3", "--warmup", "1", "--latent-dimension", "4", "--continuous-steps", "2", "--cluster-codes-every", "0"]
        (status, output) = try GenieExecutable.run(lam + ["--out", "run", "--labelled-episodes", "2"], in: directory)
        XCTAssertEqual(status, 0, output)
        let log = try String(contentsOfFile: directory + "/run/lam.log.csv", encoding: .utf8)
        XCTAssertTrue(log.hasPrefix("step,") && log.split(separator: "\n")[0].contains("label_loss"), log)
        let file = try SafeTensorsFile.read(directory + "/run/lam.safetensors")
        XCTAssertTrue(file.metadata["genie.config"]?.contains(#""labelledActions""#) == true, "\(file.metadata)")
        XCTAssertTrue(file.names.contains("actionReader.weight"), "\(file.names)")

        (status, output) = try GenieExecutable.run(lam + ["--out", "run-too-many", "--labelled-episodes", "4"], in: directory)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("holds 3 episodes"), output)
        let first = try FileManager.default.contentsOfDirectory(atPath: directory + "/data").sorted().first { $0.hasPrefix("episode") }!
        try FileManager.default.removeItem(atPath: "\(directory)/data/\(first)/actions.csv")
        (status, output) = try GenieExecutable.run(lam + ["--out", "run-unlabelled", "--labelled-episodes", "1"], in: directory)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("has no actions.csv"), output)
        XCTAssertFalse(output.contains("Fatal error") || output.contains("Stack"), output)
    }
}
