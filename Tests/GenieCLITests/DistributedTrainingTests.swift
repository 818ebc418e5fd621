import Foundation
import XCTest
import GenieTensor

/// `mpirun -np 2 genie train …` against one process on the same global batch, for each of the
/// three networks: the parameters after several steps agree to summation-order rounding (so
/// the ranks' shares tile the batch, the gradients are averaged right, and the restarts and
/// k-means placement see the whole batch); a run cut by 2 ranks resumes on 1; a stop signal to
/// one rank stops both with one checkpoint; a rank that dies ends the job.
///
/// Needs the MPI build (`swift test --traits MPI`) and Open MPI's mpirun; skipped otherwise,
/// unless GENIE_REQUIRE_MPI=1 (CI) makes it required.
final class DistributedTrainingTests: XCTestCase {
    var directory = ""
    /// Summation-order rounding after a few Adam steps stays far below this (measured: under
    /// 1e-6); the steps move the parameters by far more (checked).
    let tolerance: Float = 2e-5
    /// The LAM's codes are placed by k-means: means of thousands of latents (values near 1),
    /// summed in another order on two ranks, agree to about 1e-4 rather than to a step's 2e-5.
    let kMeansTolerance: Float = 3e-4
    static func placedByKMeans(_ kind: String, _ name: String) -> Bool { kind == "lam" && name == "quantizer.codebook" }

    override func setUpWithError() throws {
        let required = ProcessInfo.processInfo.environment["GENIE_REQUIRE_MPI"] == "1"
        #if !MPI
        if required { XCTFail("GENIE_REQUIRE_MPI=1 but genie was built without the MPI trait (swift test --traits MPI)") }
        throw XCTSkip("genie was built without MPI (build and test with --traits MPI)")
        #else
        if mpirun == nil {
            if required { XCTFail("GENIE_REQUIRE_MPI=1 but mpirun is not installed (apt-get install openmpi-bin)") }
            throw XCTSkip("mpirun not found (apt-get install openmpi-bin)")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("genie-mpi-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let (status, output) = try GenieExecutable.run(["data", "generate", "--out", "data", "--episodes", "2", "--frames", "16",
                                                        "--seed", "3", "--width", "16", "--height", "48"], in: directory)
        XCTAssertEqual(status, 0, output)
        #endif
    }

    override func tearDownWithError() throws {
        if !directory.isEmpty { try? FileManager.default.removeItem(atPath: directory) }
    }

    var mpirun: String? {
        ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Environment for Open MPI as root (CI) on a machine with fewer cores than ranks.
    var mpiEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.merging(["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]) { $1 }
    }

    func mpiProcess(ranks: Int, _ arguments: [String]) -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: mpirun!)
        p.arguments = ["--oversubscribe", "-np", String(ranks), GenieExecutable.url.path] + arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        p.environment = mpiEnvironment
        return p
    }

    func runMPI(ranks: Int, _ arguments: [String]) throws -> (Int32, String) {
        try GenieExecutable.runToEnd(mpiProcess(ranks: ranks, arguments))
    }

    func genie(_ arguments: [String]) throws -> (Int32, String) { try GenieExecutable.run(arguments, in: directory) }

    /// Tiny networks, a learning rate that moves them, no warm-up.
    let tiny = ["--width", "16", "--depth", "1", "--heads", "2", "--patch", "8", "--batch", "4", "--clip", "4",
                "--lr", "3e-3", "--warmup", "1", "--steps", "4", "--data", "data"]
    let tokenizerArguments = ["train", "tokenizer", "--codes", "16", "--code-dimension", "4"]
    /// Quantising starts at step 2, with the codes placed by k-means on 16 fresh batches.
    let lamArguments = ["train", "lam", "--latent-dimension", "4", "--continuous-steps", "2", "--cluster-codes-every", "0"]

    /// The largest difference between the tensors of two checkpoints (which must hold the same
    /// names), over the tensors whose names `include` accepts.
    func largestDifference(_ a: String, _ b: String, include: (String) -> Bool = { _ in true }) throws -> Float {
        let (x, y) = (try SafeTensorsFile.read(directory + "/" + a), try SafeTensorsFile.read(directory + "/" + b))
        XCTAssertEqual(x.names.sorted(), y.names.sorted())
        var worst: Float = 0
        for name in x.names where include(name) {
            let (s, t) = (try x.tensor(name), try y.tensor(name))
            XCTAssertEqual(s.shape, t.shape, name)
            for i in 0..<s.count { worst = max(worst, abs(s.data[i] - t.data[i])) }
        }
        return worst
    }

    /// Trains `arguments` on 1 process and on 2 ranks, and from step 0 only, and compares.
    func checkTwoRanksMatchOne(_ kind: String, _ arguments: [String]) throws {
        var (status, output) = try genie(arguments + ["--out", "\(kind)-one"])
        XCTAssertEqual(status, 0, output)
        (status, output) = try runMPI(ranks: 2, arguments + ["--out", "\(kind)-two"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("2 ranks of 2 clips"), output)
        (status, output) = try genie(arguments + ["--out", "\(kind)-start", "--until", "0"])
        XCTAssertEqual(status, 0, output)

        let (one, two) = ("\(kind)-one/\(kind).safetensors", "\(kind)-two/\(kind).safetensors")
        let difference = try largestDifference(one, two) { !Self.placedByKMeans(kind, $0) }
        XCTAssertLessThan(difference, tolerance, "\(kind): 2 ranks against 1 process")
        XCTAssertLessThan(try largestDifference(one, two, include: { Self.placedByKMeans(kind, $0) }), kMeansTolerance, "\(kind): codes placed by k-means")
        let moved = try largestDifference("\(kind)-one/\(kind).safetensors", "\(kind)-start/\(kind).safetensors")
        XCTAssertGreaterThan(moved, 100 * tolerance, "\(kind): the steps must move the parameters for the comparison to mean anything")
        // Rank 0 alone writes the log: the header and the row of the last step. Its figures are
        // the global batch's: the loss and the gradient norm (which Adam's updates would not
        // show if the gradient were off by a factor) and the task's figures match one process.
        let logs = try ["one", "two"].map { try String(contentsOfFile: directory + "/\(kind)-\($0)/\(kind).log.csv", encoding: .utf8) }
        let rows = logs.map { $0.split(separator: "\n") }
        XCTAssertEqual(rows[1].count, 2, logs[1])
        XCTAssertEqual(rows[0].first, rows[1].first, "the same columns")
        let values = rows.map { $0.last!.split(separator: ",").map { Float($0)! } }
        for (name, (a, b)) in zip(rows[0][0].split(separator: ","), zip(values[0], values[1])) where name != "cpu_seconds" {
            XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(a)), "\(kind) log column \(name)")
        }
    }

    func testEachModelTrainsTheSameOnTwoRanksAsOnOne() throws {
        try checkTwoRanksMatchOne("tokenizer", tokenizerArguments + tiny)
        try checkTwoRanksMatchOne("lam", lamArguments + tiny)
        // The dynamics model on the codes and actions of the networks just trained.
        try checkTwoRanksMatchOne("dynamics", ["train", "dynamics", "--tokenizer", "tokenizer-one/tokenizer.safetensors",
                                               "--lam", "lam-one/lam.safetensors"] + tiny.filter { $0 != "--patch" && $0 != "8" })
    }

    func testARunOfTwoRanksResumesOnOneAndAnUnevenBatchIsRefused() throws {
        let arguments = tokenizerArguments + tiny
        var (status, output) = try genie(arguments + ["--out", "straight"])
        XCTAssertEqual(status, 0, output)
        (status, output) = try runMPI(ranks: 2, arguments + ["--out", "split", "--until", "2"])
        XCTAssertEqual(status, 0, output)
        (status, output) = try genie(arguments + ["--out", "split", "--resume"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("resumed tokenizer at step 2"), output)
        XCTAssertLessThan(try largestDifference("straight/tokenizer.safetensors", "split/tokenizer.safetensors"), tolerance)

        (status, output) = try runMPI(ranks: 2, arguments.map { $0 == "4" ? "3" : $0 } + ["--out", "uneven"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("--batch 3 does not split evenly over 2 ranks"), output)
    }

    /// Starts a long 2-rank run, waits for rank 0's first progress line, and returns the job
    /// and the process id of rank 1. Step 10 needs every rank's gradient, so by then every rank
    /// has its stop handlers in place.
    func startLongRun(_ out: String) throws -> (job: Process, output: Pipe, rank1: pid_t) {
        let job = mpiProcess(ranks: 2, tokenizerArguments + tiny + ["--out", out, "--steps", "100000", "--checkpoint-every", "100000"])
        let pipe = Pipe()
        job.standardOutput = pipe
        job.standardError = pipe
        try job.run()
        var seen = ""
        while !seen.contains("10/100000 steps") {
            let chunk = pipe.fileHandleForReading.availableData
            XCTAssertFalse(chunk.isEmpty, "the job ended before training: \(seen)")
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        // The ranks are genie processes below mpirun; rank 1 says so in its environment.
        let ranks = try descendants(of: job.processIdentifier).filter {
            (try? String(contentsOfFile: "/proc/\($0)/environ", encoding: .utf8))?.contains("OMPI_COMM_WORLD_RANK=1\0") ?? false
        }
        let rank1 = try XCTUnwrap(ranks.first, "no rank 1 below mpirun")
        return (job, pipe, rank1)
    }

    func descendants(of parent: pid_t) throws -> [pid_t] {
        let children = ((try? String(contentsOfFile: "/proc/\(parent)/task/\(parent)/children", encoding: .utf8)) ?? "")
            .split(separator: " ").compactMap { pid_t($0) }
        return try children + children.flatMap { try descendants(of: $0) }
    }

    /// SIGTERM to rank 1 alone, or SIGUSR1 to mpirun (which forwards it to every rank): both
    /// ranks stop after the same step, and rank 0 writes the one checkpoint, of that step.
    func testAStopSignalStopsEveryRankWithOneCheckpoint() throws {
        for (out, signalMPIRun) in [("terminated", false), ("usr1", true)] {
            let (job, pipe, rank1) = try startLongRun(out)
            if signalMPIRun { kill(job.processIdentifier, SIGUSR1) } else { kill(rank1, SIGTERM) }
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            job.waitUntilExit()
            XCTAssertEqual(job.terminationStatus, 0, output)
            XCTAssertTrue(output.contains("checkpoint written (continue with --resume)"), output)
            let state = try SafeTensorsFile.read(directory + "/\(out)/tokenizer.state.safetensors")
            let step = try XCTUnwrap(Int(state.metadata["step"] ?? ""))
            XCTAssertGreaterThanOrEqual(step, 10)
            XCTAssertLessThan(step, 100000)
            XCTAssertTrue(output.contains("stopped at step \(step) of 100000"), output)
            XCTAssertEqual(try SafeTensorsFile.read(directory + "/\(out)/tokenizer.safetensors").metadata["steps"], String(step))
        }
    }

    func testARankThatDiesEndsTheJob() throws {
        let (job, pipe, rank1) = try startLongRun("killed")
        kill(rank1, SIGKILL)
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        job.waitUntilExit()
        XCTAssertNotEqual(job.terminationStatus, 0, output)
        XCTAssertTrue(output.contains("rank 1") && output.contains("signal 9"), output)
    }
}
