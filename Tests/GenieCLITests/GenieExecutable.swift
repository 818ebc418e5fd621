import Foundation

/// The built `genie` that sits next to the test bundle, and a way to run it to the end.
enum GenieExecutable {
    private final class BundleToken {}

    static var url: URL {
        var dir = Bundle(for: BundleToken.self).bundleURL.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("genie").path) {
            dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        }
        return dir.appendingPathComponent("genie")
    }

    /// Runs genie with `arguments` (in `directory`, with `environment` when given) and returns
    /// its exit status and its stdout and stderr together.
    static func run(_ arguments: [String], in directory: String? = nil, environment: [String: String]? = nil) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment { p.environment = environment }
        return try runToEnd(p)
    }

    /// Runs genie with `arguments` in `directory`; its exit status, stdout and stderr apart
    /// (stderr through a file, so that neither pipe can fill while the other is read).
    static func runApart(_ arguments: [String], in directory: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        let errorPath = directory + "/.stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let errorFile = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        defer { try? errorFile.close() }
        p.standardError = errorFile
        let (status, stdout) = try runToEnd(p, stderrToo: false)
        return (status, stdout, try String(contentsOfFile: errorPath, encoding: .utf8))
    }

    /// Runs a prepared process to its end; its exit status and its stdout and stderr together.
    static func runToEnd(_ p: Process, stderrToo: Bool = true) throws -> (Int32, String) {
        let pipe = Pipe()
        p.standardOutput = pipe
        if stderrToo { p.standardError = pipe }
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
