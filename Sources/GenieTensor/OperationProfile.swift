import Foundation

/// Wall time spent in each kind of operation, forward and backward, for `genie bench train
/// --profile`. Off by default; turning it on costs one clock read per operation.
///
/// Backward time is exact (each backward function is timed). Forward time is charged to an
/// operation from the moment its result is created until the next operation's result is:
/// operations compute their forward right after creating the result, so this is the forward
/// plus whatever glue the caller runs before the next operation.
public enum OperationProfile {
    nonisolated(unsafe) public private(set) static var enabled = false
    nonisolated(unsafe) private static var seconds: [String: Double] = [:]
    nonisolated(unsafe) private static var calls: [String: Int] = [:]
    nonisolated(unsafe) private static var pending: (name: String, start: UInt64)?

    /// Starts recording from zero.
    public static func start() { seconds = [:]; calls = [:]; pending = nil; enabled = true }

    /// Stops recording and returns (operation, seconds, calls), largest first.
    public static func stop() -> [(operation: String, seconds: Double, calls: Int)] {
        closeForward()
        enabled = false
        return seconds.map { ($0.key, $0.value, calls[$0.key] ?? 0) }.sorted { $0.1 > $1.1 }
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    static func record(_ name: String, since start: UInt64) {
        seconds[name, default: 0] += Double(now() - start) / 1e9
        calls[name, default: 0] += 1
    }

    /// A new operation's result is being created: the previous one's forward has ended.
    static func beginForward(_ name: String) {
        closeForward()
        pending = (name + ".forward", now())
    }

    /// Ends the running forward interval (before a backward, or at the end of a step).
    public static func closeForward() {
        if let p = pending { record(p.name, since: p.start); pending = nil }
    }
}

extension OperationProfile {
    /// Runs `body`, and while recording charges its time to `name` (work outside the tape,
    /// such as the optimiser step).
    public static func time(_ name: String, _ body: () -> Void) {
        guard enabled else { body(); return }
        closeForward()
        let start = now()
        body()
        record(name, since: start)
    }
}
