import ArgumentParser
import Foundation
import GenieSupport
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
        var command: ParsableCommand
        do { command = try parseAsRoot() } catch { exit(withError: error) }
        // A runtime error is one line in genie's words: no usage block (the command line
        // was fine) and no Foundation dump.
        do {
            if training { try Distributed.start() }
            try command.run()
            Distributed.finish()
        } catch let error as ValidationError {
            fail(error.message)
        } catch where String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
            // Exit codes, and help asked for (`genie help`, which runs as a command).
            exit(withError: error)
        } catch {
            fail(ErrorMessage.line(error))
        }
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("Error: \(ErrorMessage.oneLine(message))\n".utf8))
        // Under mpirun the other ranks may be waiting for this one: end the whole job.
        if Distributed.group.size > 1 { Distributed.abortJob(status: 1) }
        Foundation.exit(1)
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
