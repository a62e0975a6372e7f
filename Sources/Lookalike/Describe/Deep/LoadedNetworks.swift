import Synchronization

/// Networks loaded once per weights file and process, shared read-only by every worker and every method instance
/// (a second `make` of a method reuses the first one's network instead of reading and packing 100 MB again).
final class LoadedNetworks<Network: Sendable>: Sendable {
    private let loaded = Mutex<[String: Network]>([:])

    /// The network kept for `key`, or one made by `load` and kept.
    func network(_ key: String, load: () throws -> Network) rethrows -> Network {
        if let kept = loaded.withLock({ $0[key] }) { return kept }
        let made = try load()
        loaded.withLock { $0[key] = made }
        return made
    }
}
