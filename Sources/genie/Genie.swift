import ArgumentParser
import GenieTensor

/// The `genie` command line: play, train and measure a Genie world model.
@main
struct Genie: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genie",
        abstract: "Genie in Swift: learn a playable world from video, and play it in the terminal.",
        subcommands: [PlayCommand.self, ReplayCommand.self, GenerateCommand.self, DataCommand.self, TrainCommand.self, EvalCommand.self, KeymapCommand.self, Bench.self])

    static func main() {
        // OpenBLAS reads its kernel and thread settings when it loads: set them first.
        OpenBLASKernel.reexecWithTunedOpenBLASIfNeeded()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
