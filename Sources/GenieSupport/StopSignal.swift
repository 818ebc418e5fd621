import Foundation

/// The signal (SIGINT, SIGTERM, SIGHUP) that asked the program to stop, or 0. Written only by
/// the C signal handler below and read by the main loop; one aligned Int32 store.
nonisolated(unsafe) private var receivedStopSignal: Int32 = 0

/// Turns Ctrl-C, SIGTERM and SIGHUP into a flag that the play loop polls, so that every way
/// out goes through the same cleanup: the recording is flushed and the terminal restored.
///
/// Install before the screen opens: ncurses then leaves these handlers in place.
public enum StopSignal {
    /// `also`: further signals that ask to stop (training under mpirun adds SIGUSR1, the
    /// signal mpirun forwards to every rank).
    public static func install(also extra: [Int32] = []) {
        for s in [SIGINT, SIGTERM, SIGHUP] + extra {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in receivedStopSignal = signal }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0  // no SA_RESTART: a blocking read returns at once
            sigaction(s, &action, nil)
        }
    }

    /// The signal that arrived, if any.
    public static var received: Int32? {
        let s = receivedStopSignal
        return s == 0 ? nil : s
    }

    /// The conventional exit status after stopping for `signal`: 128 + its number.
    public static func exitStatus(for signal: Int32) -> Int32 { 128 + signal }
}
