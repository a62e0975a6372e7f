import Foundation

/// How well each contender finds an original from an edited copy: per transform, the share of copies whose
/// distance to their own original is below the contender's cut, the cut chosen so that a false-positive rate of
/// `falsePositiveRate` holds over every (copy, other original) pair of the run, all transforms pooled (one
/// operating point per method, as a user runs it); and the share whose nearest original is their own.
public struct RobustnessReport: Sendable, Codable {
    public struct TransformScore: Sendable, Codable {
        public let transform: String
        public let copies: Int
        /// Copies within the cut of their original, and copies whose nearest original (strictly) is their own.
        public let found: Int
        public let nearest: Int
        public var foundShare: Double { copies == 0 ? 0 : Double(found) / Double(copies) }
        public var nearestShare: Double { copies == 0 ? 0 : Double(nearest) / Double(copies) }
    }

    public struct MethodScore: Sendable, Codable {
        public let name: String
        public let descriptor: String
        public let metric: String
        /// A copy counts as found when its distance to its original is below `cut`.
        public let cut: Float
        /// The false-positive rate that cut gives over `negatives` pairs of a copy and another original.
        public let achievedFalsePositiveRate: Double
        public let negatives: Int
        public let transforms: [TransformScore]
        public let secondsPerImage: Double?
    }

    public let originals: [String]
    public let transforms: [String]
    public let falsePositiveRate: Double
    public let methods: [MethodScore]
}

/// Makes every transformed copy of each original into `copiesFolder`, describes originals and copies once with
/// every contender's methods, and scores each contender (`RobustnessReport`).
public struct RobustnessRun {
    public let originals: [String]
    public let contenders: [Contender]
    public let copiesFolder: String
    public var transforms = ImageTransform.standard
    public var falsePositiveRate = 1e-3
    public var workers = ProcessInfo.processInfo.activeProcessorCount

    public init(originals: [String], contenders: [Contender], copiesFolder: String) {
        self.originals = originals
        self.contenders = contenders
        self.copiesFolder = copiesFolder
    }

    public struct Outcome {
        public let report: RobustnessReport
        public let skipped: [(name: String, reason: String)]
        /// Originals that could not be read (left out with all their copies), and copies that could not be
        /// written or described.
        public let failures: [ImageFailure]
        public let writeFailures: [String]
        public let methods: [any DescriptorMethod]
        /// For each kept original, its copies' paths in `transforms` order.
        public let copies: [(original: String, copies: [String])]
    }

    /// The copy of original `k` made by transform `t`.
    public func copyPath(_ k: Int, _ t: ImageTransform) -> String {
        copiesFolder + "/" + String(format: "%05d", k) + "-" + t.name.replacingOccurrences(of: "%", with: "pc") + ".jpg"
    }

    /// `made` sees each original once its copies are written; `observe` each described file, in order.
    public func run(made: (Int) -> Void = { _ in }, observe: (FileOutcome) -> Void = { _ in }) -> Outcome {
        // 1. Copies, one decoder per chunk of originals.
        let transforms = self.transforms
        let written = Parallel.mapChunks(count: originals.count, workers: workers) { range -> [(Int, Result<[String], ImageFailure>, [String])] in
            let decoder = ImageDecoder()
            return range.map { k in
                switch decoder.decode(path: originals[k]) {
                case .failure(let error): return (k, .failure(.file(error)), [])
                case .success(let outcome):
                    let rgb = RGBImage(outcome.image).applying(outcome.image.orientation)
                    var paths: [String] = [], problems: [String] = []
                    for (t, transform) in transforms.enumerated() {
                        let edited = transform(rgb, seed: UInt64(k) &* 1_000_003 &+ UInt64(t))
                        let path = copyPath(k, transform)
                        guard let jpeg = JPEGEncoder.encode(rgb: edited.pixels, width: edited.width, height: edited.height,
                                                            quality: transform.quality),
                              FileManager.default.createFile(atPath: path, contents: Data(jpeg)) else {
                            problems.append("\(path): cannot write the \(transform.name) copy of \(originals[k])")
                            continue
                        }
                        paths.append(path)
                    }
                    return (k, .success(paths), problems)
                }
            }
        }.flatMap { $0 }
        var failures: [ImageFailure] = [], writeFailures: [String] = []
        var kept: [Int] = [], copies: [(String, [String])] = []
        for (k, result, problems) in written {
            made(k)
            writeFailures += problems
            switch result {
            case .failure(let f): failures.append(f)
            case .success(let paths) where paths.count == transforms.count:
                kept.append(k)
                copies.append((originals[k], paths))
            case .success: break  // a copy could not be written: said in writeFailures; the original is left out
            }
        }

        // 2. Every original and copy described once by every method.
        let methods = ContenderMethods(contenders)
        let paths = kept.map { originals[$0] } + copies.flatMap(\.1)
        let clock = DescriptionClock(methods: methods.made.count)
        var run = DescriptionRun(methods: methods.made, workers: workers)
        run.clock = clock
        var records: [ImageRecord?] = Array(repeating: nil, count: paths.count)
        run.run(paths: paths) { outcome in
            switch outcome.result {
            case .success(let record): records[outcome.index] = record
            case .failure(let f): failures.append(f)
            }
            observe(outcome)
        }
        // An original or copy without a record takes its whole original out (so every figure counts the same).
        let n = kept.count, t = transforms.count
        let complete = (0..<n).filter { o in records[o] != nil && (0..<t).allSatisfy { records[n + o * t + $0] != nil } }
        let items = complete + complete.flatMap { o in (0..<t).map { n + o * t + $0 } }
        let seconds = methods.contenderSeconds(clock)
        let scores = methods.kept.indices.map { c in
            let sets = methods.columns[c].map { m in items.map { records[$0]!.descriptors[m] } }
            return score(methods.kept[c], index: methods.kept[c].plan.index(sets, workers: workers),
                         originals: complete.count, seconds: seconds[c])
        }
        let report = RobustnessReport(originals: complete.map { originals[kept[$0]] }, transforms: transforms.map(\.name),
                                      falsePositiveRate: falsePositiveRate, methods: scores)
        return Outcome(report: report, skipped: methods.skipped, failures: failures, writeFailures: writeFailures,
                       methods: methods.made, copies: complete.map { copies[$0] })
    }

    /// Items 0..<n are the originals; then each original's copies in transform order.
    func score(_ contender: Contender, index: any NeighbourIndex, originals n: Int, seconds: Double?) -> RobustnessReport.MethodScore {
        let t = transforms.count
        // Per copy: its distance to its own original, and the nearest other original.
        let rows = Parallel.mapChunks(count: n * t, workers: workers) { range -> [(own: Float, other: Float, negatives: [Float])] in
            range.map { q in
                let o = q / t
                var negatives: [Float] = []
                negatives.reserveCapacity(n - 1)
                for j in 0..<n where j != o { negatives.append(index.distance(n + q, j)) }
                return (index.distance(n + q, o), negatives.min() ?? .infinity, negatives)
            }
        }.flatMap { $0 }
        var negatives = rows.flatMap(\.negatives)
        negatives.sort()
        // The cut: at most rate x N negatives lie strictly below it.
        let allowed = Int((falsePositiveRate * Double(negatives.count)).rounded(.down))
        let cut = allowed < negatives.count ? negatives[allowed] : .infinity
        let below = negatives.prefix { $0 < cut }.count
        let plan = contender.plan
        let scores = transforms.enumerated().map { (k, transform) in
            let mine = stride(from: k, to: n * t, by: t).map { rows[$0] }
            return RobustnessReport.TransformScore(transform: transform.name, copies: mine.count,
                                                   found: mine.filter { $0.own < cut }.count,
                                                   nearest: mine.filter { $0.own < $0.other }.count)
        }
        return RobustnessReport.MethodScore(
            name: contender.name, descriptor: plan.methods.map { $0.kind(plan.settings).description }.joined(separator: " + "),
            metric: index.metric.rawValue, cut: cut,
            achievedFalsePositiveRate: negatives.isEmpty ? 0 : Double(below) / Double(negatives.count),
            negatives: negatives.count, transforms: scores, secondsPerImage: seconds)
    }
}
