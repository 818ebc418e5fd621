// swift-tools-version: 6.1
import PackageDescription

/// The engine's own loops (GELU, softmax, LayerNorm, attention glue) are compiled for
/// Haswell-level x86-64 (AVX2 + FMA: every x86 server and desktop CPU since 2013-2015): the baseline
/// x86-64 target allows only 4-wide SSE and split SIMD types into stack spills.
/// `genie` checks the CPU at start and says so if it lacks these; building with
/// GENIE_BASELINE_CPU=1 in the environment gives a build for any x86-64 CPU.
let engineCodeGeneration: [SwiftSetting] = {
    #if arch(x86_64)
    if Context.environment["GENIE_BASELINE_CPU"] == nil {
        return [.unsafeFlags(["-Xfrontend", "-target-cpu", "-Xfrontend", "haswell"]), .define("ENGINE_NEEDS_AVX2")]
    }
    #endif
    return []
}()

let package = Package(
    name: "genie",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "genie", targets: ["genie"]),
    ],
    // `swift build -c release --traits MPI` builds data-parallel training over Open MPI
    // (libopenmpi-dev); the default build needs no MPI.
    traits: [
        .trait(name: "MPI", description: "Data-parallel training under mpirun (needs Open MPI: libopenmpi-dev)."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries, each with a shim header that builds under Swift 6.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CNCurses", path: "Sources/CNCurses"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        // Open MPI, only in builds with the MPI trait.
        .systemLibrary(name: "CMPI", path: "Sources/CMPI"),

        // Process-level support shared by every module: atomic file writes, stop signals
        // (Ctrl-C, SIGTERM), the progress bar.
        .target(name: "GenieSupport"),
        // Engine: tensors, BLAS-backed kernels, tape autograd, optimiser, safetensors.
        .target(name: "GenieTensor", dependencies: ["CBLAS", "GenieSupport"], swiftSettings: engineCodeGeneration),
        // The three Genie networks on one ST-transformer, their checkpoints, and the MaskGIT sampler.
        .target(name: "GenieModels", dependencies: ["GenieTensor", "GenieMedia", "GenieSupport"]),
        // Play: the world model that encodes a prompt once and steps frame by frame through
        // cached streams, the key map from controls to latent actions, weight fingerprints.
        .target(name: "GenieWorld", dependencies: ["GenieModels", "GenieTensor", "GenieMedia", "GenieSupport"]),
        // Data loading, trainers, checkpoints and metrics.
        .target(name: "GenieTraining", dependencies: ["GenieWorld", "GenieModels", "GenieTensor", "GenieMedia", "GenieSupport"]),
        // Frames, PNG I/O, action traces and the World protocol.
        .target(name: "GenieMedia", dependencies: ["CPNG", "GenieSupport"]),

        // Data-parallel training over MPI: the ProcessGroup of `mpirun` ranks.
        .target(name: "GenieMPI", dependencies: ["CMPI", "GenieTraining"]),

        // The built-in 2D platformer: levels, physics, sprites, renderer.
        .target(name: "Platformer", dependencies: ["GenieMedia"]),
        // The ncurses front end: half-block renderer, key map, HUD, recorder.
        .target(name: "GenieTerminal", dependencies: ["CNCurses", "GenieMedia", "GenieSupport"]),

        .executableTarget(
            name: "genie",
            dependencies: [
                "GenieSupport", "GenieTensor", "GenieModels", "GenieWorld", "GenieTraining", "GenieMedia", "Platformer", "GenieTerminal",
                .target(name: "GenieMPI", condition: .when(traits: ["MPI"])),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Only the `ENGINE_NEEDS_AVX2` define: the start-up CPU check itself is built for any x86-64.
            swiftSettings: engineCodeGeneration.isEmpty ? [] : [.define("ENGINE_NEEDS_AVX2")]),

        .testTarget(name: "GenieTensorTests", dependencies: ["GenieTensor", "GenieSupport"]),
        // The models' tests and play's (the cache-equivalence tests check play's streams against the models).
        .testTarget(name: "GenieModelsTests", dependencies: ["GenieModels", "GenieWorld", "GenieTensor", "GenieMedia"]),
        .testTarget(name: "GenieTrainingTests", dependencies: ["GenieTraining", "GenieWorld", "GenieModels", "GenieTensor", "GenieMedia", "GenieSupport", "Platformer"]),
        .testTarget(name: "GenieMediaTests", dependencies: ["GenieMedia", "GenieTensor"], exclude: ["Fixtures"]),
        .testTarget(name: "PlatformerTests", dependencies: ["Platformer", "GenieMedia"]),
        .testTarget(name: "GenieTerminalTests", dependencies: ["GenieTerminal", "GenieMedia", "GenieTensor"]),
        // End-to-end tests that run the built `genie` executable.
        .testTarget(name: "GenieCLITests", dependencies: ["genie", "GenieMedia", "GenieModels", "GenieWorld", "GenieTensor", "GenieTraining", "Platformer"], exclude: ["Golden"]),
    ]
)
