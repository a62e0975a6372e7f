import Synchronization

/// How far a long computation has got, for a progress bar: workers call `advance`, and `report` sees the new
/// count (serialised, so it may draw) from whichever thread advanced.
public final class WorkProgress: Sendable {
    private let done = Mutex(0)
    let report: @Sendable (_ done: Int, _ total: Int) -> Void
    /// Set by the computation before its first `advance`.
    private let totalUnits = Mutex(0)

    public init(report: @escaping @Sendable (_ done: Int, _ total: Int) -> Void) { self.report = report }

    func start(total: Int) {
        totalUnits.withLock { $0 = total }
        done.withLock { $0 = 0 }
    }

    func advance(by units: Int = 1) {
        let total = totalUnits.withLock { $0 }
        done.withLock { d in
            d += units
            report(d, total)
        }
    }
}
