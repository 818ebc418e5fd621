import ArgumentParser
import Foundation
import GenieMedia
import GenieTensor
import GenieTerminal
import Platformer

/// `genie bench render`: terminal frames per second (64x64 frames at scale 1 and 2, drawn
/// into a pseudo-terminal) and simulator frames per second.
struct BenchRender: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Frames per second of the half-block renderer (into a pseudo-terminal) and of the simulator.")

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: "Seconds to time each case.")
    var seconds: Double = 1

    func run() throws {
        // Changing frames, as in play: the simulator running right and jumping.
        let world = try PlatformerWorld(seed: 1)
        var frames = [try world.reset(seed: 1)]
        let right = world.action(forControl: Control.right) ?? 0
        let rightJump = world.action(forControl: Control.rightJump) ?? right
        for i in 1..<64 { frames.append(try world.step(i % 8 == 0 ? rightJump : right)) }

        var report: [String: Any] = ["cpu": OpenBLASKernel.cpuModel, "frame": "\(frames[0].width)x\(frames[0].height)"]
        for (mode, suffix) in [(ColorMode.palette256, ""), (ColorMode.direct, "_direct")] {
            for scale in [1, 2] {
                let fps = try RenderBenchmark.framesPerSecond(frames: frames, scale: scale, colorMode: mode, seconds: seconds)
                report["render_fps_scale\(scale)\(suffix)"] = rounded(fps, 1)
            }
        }

        // Simulator: step + render of one frame, no terminal.
        _ = try world.reset(seed: 2)
        var steps = 0
        let start = Date()
        while Date().timeIntervalSince(start) < seconds || steps < 10 {
            _ = try world.step(steps % 8 == 0 ? rightJump : right)
            steps += 1
        }
        report["sim_fps"] = rounded(Double(steps) / Date().timeIntervalSince(start), 1)

        if json { printJSON(report); return }
        print("CPU \(report["cpu"]!), \(report["frame"]!) frames")
        for key in report.keys.sorted() where key != "cpu" && key != "frame" {
            print("\(key): \(report[key]!)")
        }
    }
}
