import Foundation

/// One grouping setting: rule, threshold and (for the graph rule) its k and resolution.
public struct GroupingSetting: Sendable, Equatable, Codable {
    public var rule: String
    public var threshold: Float
    public var k: Int
    public var resolution: Double

    public init(rule: ClusteringRule, threshold: Float, graph: GraphSettings = GraphSettings()) {
        self.rule = rule.rawValue
        self.threshold = threshold
        self.k = graph.k
        self.resolution = graph.resolution
    }

    public var clusteringRule: ClusteringRule { ClusteringRule(rawValue: rule) ?? .components }
    public var graph: GraphSettings { GraphSettings(k: k, resolution: resolution) }
}

/// What `lookalike tune` saves and `group --profile` reads.
public struct GroupingProfile: Codable, Sendable, Equatable {
    public var methods: [String]
    public var weights: [Float]?
    public var hashSize: Int
    public var setting: GroupingSetting
    public var inSampleF1: Double
    public var crossValidatedF1: Double
    public var labels: String

    public init(methods: [String], weights: [Float]?, hashSize: Int, setting: GroupingSetting,
                inSampleF1: Double, crossValidatedF1: Double, labels: String) {
        self.methods = methods
        self.weights = weights
        self.hashSize = hashSize
        self.setting = setting
        self.inSampleF1 = inSampleF1
        self.crossValidatedF1 = crossValidatedF1
        self.labels = labels
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }

    public static func read(_ path: String) throws -> GroupingProfile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GroupingPlan.ProfileError("\(path): cannot read the profile")
        }
        do { return try JSONDecoder().decode(GroupingProfile.self, from: data) } catch {
            throw GroupingPlan.ProfileError("\(path): not a lookalike profile (\(error))")
        }
    }
}
