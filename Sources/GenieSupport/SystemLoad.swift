import Foundation

/// How busy the machine's cores are, from Linux's /proc/stat: the time all cores spent
/// working (neither idle nor waiting for I/O) over a short interval, counted in cores.
public enum SystemLoad {
    /// Cumulative CPU time of all cores, in clock ticks: working and in all.
    public struct Times: Equatable, Sendable {
        public var busy: UInt64
        public var total: UInt64
        public init(busy: UInt64, total: UInt64) { self.busy = busy; self.total = total }
    }

    /// Reads the "cpu" line of /proc/stat ("cpu  user nice system idle iowait irq softirq
    /// steal …"); nil when the text does not start with one of at least four counts.
    public static func parse(_ stat: String) -> Times? {
        guard let line = stat.split(separator: "\n", maxSplits: 1).first else { return nil }
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
        let waiting = counts[3] + (counts.count > 4 ? counts[4] : 0)  // idle + iowait
        return Times(busy: total - waiting, total: total)
    }

    /// Cores at work between two readings, 0 … cores; nil when no time passed or the
    /// counters went backwards.
    public static func coresBusy(from a: Times, to b: Times, cores: Int) -> Double? {
        guard b.total > a.total, b.busy >= a.busy, b.busy - a.busy <= b.total - a.total else { return nil }
        return Double(b.busy - a.busy) / Double(b.total - a.total) * Double(cores)
    }

    /// Cores at work over the next `seconds` (this process sleeps meanwhile, so they are
    /// other processes'); nil where there is no /proc/stat.
    public static func coresBusy(over seconds: Double, cores: Int) -> Double? {
        func read() -> Times? { (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)).flatMap(parse) }
        guard let a = read() else { return nil }
        Thread.sleep(forTimeInterval: seconds)
        guard let b = read() else { return nil }
        return coresBusy(from: a, to: b, cores: cores)
    }
}
