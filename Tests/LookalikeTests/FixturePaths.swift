import Foundation

/// Locations of the repository's fixtures and the optional shared data sets, found from this file's path.
enum FixturePaths {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let images = repositoryRoot.appendingPathComponent("Fixtures/images")
    static let goldens = repositoryRoot.appendingPathComponent("Fixtures/goldens.json")
    static let resampleGoldens = repositoryRoot.appendingPathComponent("Fixtures/goldens-resample.json")
    /// `../shared/data` beside the checkout: real labelled sets, absent on some machines.
    static let sharedData = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")

    static func image(_ relative: String) -> String { images.appendingPathComponent(relative).path }

    static func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }
}
