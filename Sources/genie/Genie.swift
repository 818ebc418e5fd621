import ArgumentParser
import Foundation
import GenieTensor

/// The `genie` command line: play, train and measure a Genie world model.
@main
struct Genie: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genie",
        abstract: "Genie in Swift: learn a playable world from video, and play it in the terminal.",
        subcommands: [PlayCommand.self, ReplayCommand.self, GenerateCommand.self, DataCommand.self, TrainCommand.self, EvalCommand.self, KeymapCommand.self, Bench.self])

    static func main() {
        #if ENGINE_NEEDS_AVX2
        // Checked before any engine code runs: on an older CPU it would stop with SIGILL.
        if let missing = missingCPUFeatures(), !missing.isEmpty {
            FileHandle.standardError.write(Data("""
                Error: this build of genie uses CPU features this machine lacks (\(missing.joined(separator: ", "))).
                Rebuild it for any x86-64 CPU: GENIE_BASELINE_CPU=1 swift build -c release

                """.utf8))
            Foundation.exit(1)
        }
        #endif
        // OpenBLAS reads its kernel and thread settings when it loads: set them first.
        // Training wants idle BLAS threads asleep at once; play wants them spinning.
        let words = CommandLine.arguments.dropFirst().prefix(2)
        let training = words.first == "train" || Array(words) == ["bench", "train"]
        OpenBLASKernel.reexecWithTunedOpenBLASIfNeeded(threadTimeout: training ? OpenBLASKernel.trainingThreadTimeout : nil)
        do {
            var command = try parseAsRoot()
            if training { try Distributed.start() }
            try command.run()
            Distributed.finish()
        } catch {
            let status = exitCode(for: error).rawValue
            if Distributed.group.size > 1, status != 0 {
                // One rank failed: say why, and end the other ranks, which may be waiting for it.
                FileHandle.standardError.write(Data(("Error: " + message(for: error) + "\n").utf8))
                Distributed.abortJob(status: status)
            }
            exit(withError: error)
        }
    }
}

/// The AVX2/FMA features the engine was compiled for that /proc/cpuinfo does not list, or
/// nil where the file cannot be read (then nothing is claimed).
func missingCPUFeatures() -> [String]? {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
    let flags = Set(line.split(separator: " ").map(String.init))
    return ["avx2", "fma", "f16c", "bmi2"].filter { !flags.contains($0) }
}
