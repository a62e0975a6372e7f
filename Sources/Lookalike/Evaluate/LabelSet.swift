import Foundation

/// Ground truth from a `labels.csv` with columns path,group[,view]: which images show the same product.
/// Paths are relative to the CSV's folder unless absolute.
public struct LabelSet: Sendable {
    public let paths: [String]
    public let groups: [String]
    public let views: [String]
    /// The CSV's columns by name, in order (`columnNames`), each row's field or nil where the row is short: what
    /// other readers of the file need (a category column) without parsing it again.
    public private(set) var columnNames: [String] = []
    public private(set) var columns: [String: [String?]] = [:]

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(paths: [String], groups: [String], views: [String]? = nil) {
        self.paths = paths
        self.groups = groups
        self.views = views ?? Array(repeating: "", count: paths.count)
    }

    public init(csvAt file: String) throws {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw ParseError(description: "\(file): cannot read the labels file")
        }
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first?.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }),
              let pathColumn = header.firstIndex(of: "path"), let groupColumn = header.firstIndex(of: "group") else {
            throw ParseError(description: "\(file): the first line must name the columns, with at least path and group")
        }
        let viewColumn = header.firstIndex(of: "view")
        lines.removeFirst()
        var paths: [String] = [], groups: [String] = [], views: [String] = []
        var columns = [[String?]](repeating: [], count: header.count)
        for (n, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count > max(pathColumn, groupColumn) else {
                throw ParseError(description: "\(file):\(n + 2): expected \(header.count) columns")
            }
            let path = fields[pathColumn]
            paths.append(path.hasPrefix("/") ? path : base.appendingPathComponent(path).path)
            groups.append(fields[groupColumn])
            views.append(viewColumn.map { $0 < fields.count ? fields[$0] : "" } ?? "")
            for c in header.indices { columns[c].append(c < fields.count ? fields[c] : nil) }
        }
        self.init(paths: paths, groups: groups, views: views)
        columnNames = header
        self.columns = Dictionary(zip(header, columns), uniquingKeysWith: { first, _ in first })
    }
}

/// Pairwise precision, recall and F1 of a clustering against labels: a pair of images counts as predicted
/// together when they share a cluster, and as truly together when they share a label.
public struct PairwiseScore: Sendable, Equatable {
    public let precision: Double
    public let recall: Double
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }

    public init(clusters: [[Int]], labels: [String]) {
        var truePairs = 0
        var byLabel: [String: Int] = [:]
        for l in labels { byLabel[l, default: 0] += 1 }
        for c in byLabel.values { truePairs += c * (c - 1) / 2 }
        var predicted = 0, correct = 0
        for cluster in clusters {
            predicted += cluster.count * (cluster.count - 1) / 2
            var inCluster: [String: Int] = [:]
            for i in cluster { inCluster[labels[i], default: 0] += 1 }
            for c in inCluster.values { correct += c * (c - 1) / 2 }
        }
        precision = predicted == 0 ? 1 : Double(correct) / Double(predicted)
        recall = truePairs == 0 ? 1 : Double(correct) / Double(truePairs)
    }
}

/// Recall over the same-product pairs of two kinds of shot (catalogue packshot and shelf photo, say): the share
/// of such pairs put in one cluster. Where hashing fails is seen here: a set's overall F1 can hide that no
/// catalogue shot ever joins its shelf photos.
public struct CrossViewRecall: Sendable, Equatable {
    public let pairs: Int
    public let recall: Double

    /// Pairs (i, j) with labels[i] == labels[j], views[i] == `view` and views[j] != `view`.
    public init(clusters: [[Int]], labels: [String], views: [String], view: String) {
        let clusterOf = Comparison.membership(clusters, count: labels.count)
        var byLabel: [String: [Int]] = [:]
        for i in labels.indices { byLabel[labels[i], default: []].append(i) }
        var total = 0, joined = 0
        for members in byLabel.values {
            for i in members where views[i] == view {
                for j in members where views[j] != view {
                    total += 1
                    if clusterOf[i] >= 0 && clusterOf[i] == clusterOf[j] { joined += 1 }
                }
            }
        }
        pairs = total
        recall = total == 0 ? 0 : Double(joined) / Double(total)
    }
}

/// BCubed precision, recall and F1 (Bagga & Baldwin 1998): per image, the share of its cluster that carries its
/// label, and the share of its label that sits in its cluster, averaged over images.
public struct BCubedScore: Sendable, Equatable {
    public let precision: Double
    public let recall: Double
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }

    public init(clusters: [[Int]], labels: [String]) {
        var labelSize: [String: Int] = [:]
        for l in labels { labelSize[l, default: 0] += 1 }
        var p = 0.0, r = 0.0, n = 0
        for cluster in clusters {
            var inCluster: [String: Int] = [:]
            for i in cluster { inCluster[labels[i], default: 0] += 1 }
            for i in cluster {
                let same = Double(inCluster[labels[i]]!)
                p += same / Double(cluster.count)
                r += same / Double(labelSize[labels[i]]!)
                n += 1
            }
        }
        precision = n == 0 ? 1 : p / Double(n)
        recall = n == 0 ? 1 : r / Double(n)
    }
}

/// A labelled set's images described: per method, the descriptors of the images that gave a record, with their
/// labels and views in the same order, and the files that gave none.
public struct LabelledDescriptors: Sendable {
    public let descriptorSets: [[Descriptor]]
    public let labels: [String]
    public let views: [String]
    /// The files the records came from, in the same order.
    public let paths: [String]
    public let failures: [ImageFailure]
    /// Each record's ORB features (`KeypointAdjustedIndex.features`), when asked for; nil where none were made.
    public var keypoints: [ORBFeatures?]? = nil
}

extension LabelSet {
    /// Describes every image with `methods`; `observe` sees each outcome in order (progress, messages).
    /// With `clock`, decoding and each method are timed into it.
    /// With `keypoints`, each image's ORB features for `--verify-orb` are made from the same decoding.
    public func describe(methods: [any DescriptorMethod], workers: Int, clock: DescriptionClock? = nil,
                         keypoints: Bool = false,
                         observe: (FileOutcome) -> Void = { _ in }) -> LabelledDescriptors {
        guard keypoints else { return describe(methods: methods, workers: workers, clock: clock, visit: nil, observe: observe) }
        let collector = KeypointCollector()
        var described = describe(methods: methods, workers: workers, clock: clock,
                                 visit: { i, sample in collector.add(i, sample) }, observe: observe)
        let position = Dictionary(paths.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        described.keypoints = described.paths.map { position[$0].flatMap { collector.take($0) } }
        return described
    }

    public func describe(methods: [any DescriptorMethod], workers: Int, clock: DescriptionClock? = nil,
                         visit: (@Sendable (Int, ImageSample) -> Void)?,
                         observe: (FileOutcome) -> Void = { _ in }) -> LabelledDescriptors {
        var sets: [[Descriptor]] = Array(repeating: [], count: methods.count)
        var labels: [String] = [], views: [String] = [], described: [String] = [], failures: [ImageFailure] = []
        var run = DescriptionRun(methods: methods, workers: workers)
        run.clock = clock
        run.run(paths: paths, visit: visit) { outcome in
            switch outcome.result {
            case .success(let record):
                for m in methods.indices { sets[m].append(record.descriptors[m]) }
                labels.append(groups[outcome.index])
                views.append(self.views[outcome.index])
                described.append(paths[outcome.index])
            case .failure(let failure):
                failures.append(failure)
            }
            observe(outcome)
        }
        return LabelledDescriptors(descriptorSets: sets, labels: labels, views: views, paths: described, failures: failures)
    }
}
