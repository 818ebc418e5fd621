import Foundation

/// How busy the machine's cores are, from Linux's /proc/stat: the time all cores spent
/// working (neither idle nor waiting for I/O) over a short interval, counted in cores.
public enum SystemLoad {
    /// Cumulative CPU time of all cores, in clock ticks (working and in all), and how many
    /// cores the machine has.
    public struct Times: Equatable, Sendable {
        public var busy: UInt64
        public var total: UInt64
        public var cores: Int
        public init(busy: UInt64, total: UInt64, cores: Int) { self.busy = busy; self.total = total; self.cores = cores }
    }

    /// Reads /proc/stat: its first line, "cpu  user nice system idle iowait irq softirq
    /// steal …" (at least four counts), and one "cpuN" line per core; nil otherwise.
    public static func parse(_ stat: String) -> Times? {
        let lines = stat.split(separator: "\n")
        guard let line = lines.first else { return nil }
        let fields = line.split(separator: " ")
        guard fields.first == "cpu", fields.count >= 5 else { return nil }
        var counts: [UInt64] = []
        for field in fields.dropFirst().prefix(8) {
            guard let n = UInt64(field) else { return nil }
            counts.append(n)
        }
        let (total, overflow) = counts.reduce((UInt64(0), false)) { sum, n in
            let (s, o) = sum.0.addingReportingOverflow(n)
            return (s, sum.1 || o)
        }
        guard !overflow else { return nil }
        let cores = lines.dropFirst().prefix { $0.hasPrefix("cpu") }.count
        guard cores >= 1 else { return nil }
        let waiting = counts[3] + (counts.count > 4 ? counts[4] : 0)  // idle + iowait
        return Times(busy: total - waiting, total: total, cores: cores)
    }

    /// Cores at work between two readings, 0 … cores; nil when no time passed, the counters
    /// went backwards or the core count changed.
    public static func coresBusy(from a: Times, to b: Times) -> Double? {
        guard a.cores == b.cores, b.total > a.total, b.busy >= a.busy, b.busy - a.busy <= b.total - a.total else { return nil }
        return Double(b.busy - a.busy) / Double(b.total - a.total) * Double(b.cores)
    }

    /// The machine's cores, and how many of them were at work over the next `seconds` (this
    /// process sleeps meanwhile, so the work is other processes'); nil where there is no
    /// /proc/stat.
    public static func coresBusy(over seconds: Double) -> (busy: Double, cores: Int)? {
        func read() -> Times? { (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)).flatMap(parse) }
        guard let a = read() else { return nil }
        Thread.sleep(forTimeInterval: seconds)
        guard let b = read(), let busy = coresBusy(from: a, to: b) else { return nil }
        return (busy, b.cores)
    }
}
