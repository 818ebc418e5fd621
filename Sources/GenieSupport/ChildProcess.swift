import Foundation

/// Runs another program to its end, with no input, for what it prints.
public enum ChildProcess {
    /// The exit status and standard output (standard error discarded) of `executable` run with
    /// `arguments`, or nil when it cannot be started.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) -> (status: Int32, output: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
