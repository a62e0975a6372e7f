import Foundation

/// Makes every contender's methods once (a method shared by several contenders with the same settings is made
/// and run once), describes each labelled image once with all of them, timed, and scores every contender.
public struct ComparisonRun {
    public let labels: LabelSet
    public let contenders: [Contender]
    public var workers: Int
    public var examples: Int

    public init(labels: LabelSet, contenders: [Contender], workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                examples: Int = 8) {
        self.labels = labels
        self.contenders = contenders
        self.workers = workers
        self.examples = examples
    }

    public struct Outcome {
        public let comparison: Comparison
        /// Contenders left out, with why (a network's weights missing).
        public let skipped: [(name: String, reason: String)]
        public let failures: [ImageFailure]
        /// The methods made (for store messages).
        public let methods: [any DescriptorMethod]
    }

    /// `observe` sees each file's outcome in order (progress, messages).
    public func run(observe: (FileOutcome) -> Void = { _ in }) -> Outcome {
        let methods = ContenderMethods(contenders)
        let made = methods.made, columns = methods.columns, kept = methods.kept
        let clock = DescriptionClock(methods: made.count)
        // ORB features from the same decoding, when a contender re-scores its pairs with them (`--verify-orb`).
        let described = labels.describe(methods: made, workers: workers, clock: clock,
                                        keypoints: kept.contains { $0.plan.keypointAdjustment != nil }, observe: observe)
        let totals = clock.totals
        let comparison = Comparison(
            described: described, contenders: kept,
            descriptorSets: columns.map { $0.map { described.descriptorSets[$0] } },
            seconds: methods.contenderSeconds(clock),
            decodeSeconds: totals.decoded > 0 ? totals.decode / Double(totals.decoded) : nil,
            explanations: described.labels.indices.map { i in explanation(made, made.indices.map { described.descriptorSets[$0][i] }) },
            examples: examples, workers: workers,
            keypoints: described.keypoints)
        return Outcome(comparison: comparison, skipped: methods.skipped, failures: described.failures, methods: made)
    }
}

/// Contenders' methods, each distinct method (name and settings) made once: `columns[c]` are contender c's
/// methods as indices into `made`, for the contenders that could start (`kept`); the others are in `skipped`.
public struct ContenderMethods {
    public private(set) var made: [any DescriptorMethod] = []
    public private(set) var columns: [[Int]] = []
    public private(set) var kept: [Contender] = []
    public private(set) var skipped: [(name: String, reason: String)] = []

    public init(_ contenders: [Contender]) {
        var keys: [String] = []
        for contender in contenders {
            var columnsOfThis: [Int] = []
            do {
                for entry in contender.plan.methods {
                    let s = contender.plan.settings
                    let key = "\(entry.name)|\(s.hashSize)|\(s.weightsPath ?? "")|\(s.pooling)|\(s.focus)"
                    if let k = keys.firstIndex(of: key) { columnsOfThis.append(k); continue }
                    made.append(try entry.make(s))
                    keys.append(key)
                    columnsOfThis.append(made.count - 1)
                }
                columns.append(columnsOfThis)
                kept.append(contender)
            } catch {
                skipped.append((contender.name, Self.firstSentence(error)))
            }
        }
    }

    /// A method's start-up error in one line: the first line, less a trailing "Looked in:" that introduced a list.
    static func firstSentence(_ error: Error) -> String {
        var line = String("\(error)".split(separator: "\n").first ?? "")
        if line.hasSuffix(":"), let stop = line.range(of: ". ", options: .backwards) {
            line = String(line[..<stop.lowerBound]) + " (lookalike models says where it looked)"
        }
        return line
    }


    /// Seconds per image each method computed, from a run's clock: a method that answered from its store (a
    /// network's kept vectors) is timed only over the images it ran on; none at all gives nil.
    public func secondsPerImage(_ clock: DescriptionClock) -> [Double?] {
        let totals = clock.totals
        return made.indices.map { m in
            let computed = totals.decoded - (made[m].store?.reusedCount ?? 0)
            return computed > 0 ? totals.methods[m] / Double(computed) : nil
        }
    }

    /// Each kept contender's seconds per image: the sum over its methods (nil when one of them was not timed).
    public func contenderSeconds(_ clock: DescriptionClock) -> [Double?] {
        let perImage = secondsPerImage(clock)
        return columns.map { cols in cols.contains { perImage[$0] == nil } ? nil : cols.reduce(0) { $0 + perImage[$1]! } }
    }
}
