import Foundation
import Synchronization

/// Everything that decides how images become groups, with every default resolved from the catalog: the
/// method (or several, fused), rule, threshold, graph settings, re-ranking, a cascade's second stage, the keep
/// policy. Built from options (`group`, `dedupe`, `evaluate`, `tune`) or from a profile (`tune --output`), and
/// run over files, or over descriptors already made (sweeps, tuners).
public struct GroupingPlan: Sendable {
    /// What the plan is for, when no rule is given: products (each method family's own rule), or moving
    /// duplicates (components: a looser product grouping is only used when asked for).
    public enum Purpose: Sendable { case grouping, dedupe }

    public struct CascadeStage: Sendable {
        public let method: MethodCatalog.Entry
        /// In units of the second method's unit (1 = "alike" for that method).
        public let threshold: Float
    }

    public let methods: [MethodCatalog.Entry]
    public let settings: MethodSettings
    /// With several methods: their weights in fused distances (nil: equal).
    public let weights: [Float]?
    public let rule: ClusteringRule
    public let threshold: Float
    public let graph: GraphSettings
    public let rerank: Bool
    public let cascade: CascadeStage?
    public let keep: KeepPolicy
    /// Near-duplicates checked pair by pair (`NearDuplicateVerifier`): groups are formed from verified pairs only,
    /// and the methods' descriptors are not used to group. Nil: group by the methods' distances.
    public var verification: Verification?
    /// Product grouping's `--verify-orb`: the k-nearest pairs the graph rule links re-scored by ORB inliers
    /// (`KeypointAdjustedIndex`). Nil: the descriptors' distances as they are.
    public var keypointAdjustment: KeypointAdjustedIndex.Settings?

    public struct Verification: Sendable {
        public var verifier: NearDuplicateVerifier
        /// Mirrored views too (`--transforms`).
        public var transforms: Bool
        /// How far verified pairs chain: a group is its kept copy, the images verified against it, and (depth 2)
        /// the images verified against one of those; nil joins every connected pair (components). Depth 2 was
        /// measured against components on the two near-duplicate sets (README): one false pair no longer merges
        /// two whole families of copies.
        public var chainDepth: Int?
        public init(verifier: NearDuplicateVerifier = NearDuplicateVerifier(), transforms: Bool = false, chainDepth: Int? = 2) {
            self.verifier = verifier
            self.transforms = transforms
            self.chainDepth = chainDepth
        }
    }

    /// Resolves every default not given: the rule from the purpose and the method family, the threshold from
    /// the rule (a method's near-duplicate threshold or graph cutoff, the catalog's fused ones for fusions, 0.8
    /// re-ranked), k and
    /// resolution from the method's measured product-grouping setting.
    public init(methods: [MethodCatalog.Entry], settings: MethodSettings = MethodSettings(), weights: [Float]? = nil,
                purpose: Purpose = .grouping, rule: ClusteringRule? = nil, threshold: Float? = nil, k: Int? = nil,
                resolution: Double? = nil, seed: UInt64 = 1, rerank: Bool = false,
                cascade: MethodCatalog.Entry? = nil, cascadeThreshold: Float? = nil, keep: KeepPolicy = .standard) {
        precondition(!methods.isEmpty, "a grouping plan needs a method")
        precondition(weights.map { $0.count == methods.count } ?? true, "one weight per method")
        self.methods = methods
        self.settings = settings
        self.weights = weights
        self.rerank = rerank
        self.keep = keep
        let rule = rule ?? (purpose == .dedupe ? .components : Self.defaultRule(for: methods))
        self.rule = rule
        let product = MethodCatalog.productGrouping(methods, settings)
        let defaultThreshold = rerank ? 0.8 : rule == .graph ? product.cutoff
            : methods.count > 1 ? MethodCatalog.fusedNearDuplicateThreshold : methods[0].defaultThreshold(settings)
        self.threshold = threshold ?? defaultThreshold
        graph = GraphSettings(k: k ?? product.k, resolution: resolution ?? product.resolution, seed: seed)
        self.cascade = cascade.map { CascadeStage(method: $0, threshold: cascadeThreshold ?? $0.fusionUnit(settings)) }
    }

    /// The plan a profile (`lookalike tune --output`) describes.
    public init(profile: GroupingProfile, settings: MethodSettings, keep: KeepPolicy = .standard, seed: UInt64 = 1) throws {
        guard profile.hashSize == settings.hashSize else {
            throw ProfileError("was fitted with --size \(profile.hashSize); pass --size \(profile.hashSize)")
        }
        let entries = try profile.methods.map { name in
            guard let entry = MethodCatalog.entry(named: name) else { throw ProfileError("names an unknown method '\(name)'") }
            return entry
        }
        self.init(methods: entries, settings: settings, weights: profile.weights, rule: profile.setting.clusteringRule,
                  threshold: profile.setting.threshold, k: profile.setting.k, resolution: profile.setting.resolution,
                  seed: seed, keep: keep)
    }

    public struct ProfileError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The plan `group` runs when no method is named: `MethodCatalog.productDefault` with its own graph setting
    /// (and its k-nearest pairs re-scored by ORB, `KeypointAdjustedIndex`, when the default says so),
    /// or, when one of its methods cannot start (a network's weights missing), the fallback method with its own
    /// defaults; `fellBack` then says why. `settings`' pooling and focus are used where given, else the default's.
    /// `keypoints` false or true turns the ORB re-scoring off or on, with the graph setting measured for each;
    /// nil: as the default says. `methods` are the default's methods, made to see whether they start (pass them
    /// to `run`); nil on a fallback.
    public static func productDefault(settings: MethodSettings, pooling: EfficientNetLite.Pooling? = nil,
                                      focus: MethodSettings.Focus? = nil, keypoints: Bool? = nil,
                                      keep: KeepPolicy = .standard, seed: UInt64 = 1)
        -> (plan: GroupingPlan, methods: [any DescriptorMethod]?, fellBack: String?)
    {
        let d = MethodCatalog.productDefault
        var chosen = settings
        chosen.pooling = pooling ?? d.pooling
        chosen.focus = focus ?? d.focus
        let entries = d.methods.compactMap(MethodCatalog.entry(named:))
        do {
            let made = try entries.map { try $0.make(chosen) }
            // The k-nearest pairs re-scored by ORB inliers: grocery F1 0.872 -> 0.922 (k 10 -> 20), seed 1.000
            // either way (README).
            let orb = keypoints ?? (d.keypoints != nil)
            let g = d.grouping(keypoints: orb)
            var plan = GroupingPlan(methods: entries, settings: chosen, weights: d.weights, rule: .graph,
                                    threshold: g.cutoff, k: g.k, resolution: g.resolution, seed: seed, keep: keep)
            plan.keypointAdjustment = orb ? KeypointAdjustedIndex.Settings() : nil
            return (plan, made, nil)
        } catch {
            let fallback = MethodCatalog.entry(named: d.fallback)!
            let why = "the default \(d.methods.joined(separator: ",")) cannot start (\(String("\(error)".split(separator: "\n").first ?? ""))); "
                + "grouping with \(d.fallback) instead. Get the weights with: bash Scripts/get-weights.sh (then lookalike models)"
            return (GroupingPlan(methods: [fallback], settings: settings, seed: seed, keep: keep), nil, why)
        }
    }

    /// Near-duplicate methods (hashes) group by components; as soon as a vector method is involved, graph.
    public static func defaultRule(for methods: [MethodCatalog.Entry]) -> ClusteringRule {
        methods.allSatisfy(\.isNearDuplicateMethod) ? .components : .graph
    }

    /// "phash", or "mask+phash" for a fusion, or "phash>resnet50" for a cascade.
    public var methodName: String {
        methods.map(\.name).joined(separator: "+") + (cascade.map { ">" + $0.method.name } ?? "")
    }

    /// Each method's catalog unit: what a fusion divides its distance by where the method's median distance over
    /// the images is 0 (otherwise the median; `FusionScales`). Ignored for one method.
    public var units: [Float] { methods.count > 1 ? methods.map { $0.fusionUnit(settings) } : [1] }

    /// Makes the methods (a deep method without its weights throws, saying where it looked).
    public func makeMethods() throws -> [any DescriptorMethod] { try methods.map { try $0.make(settings) } }

    /// The index over these methods' descriptors: one method, the fusion, re-ranked if asked.
    public func index(_ descriptorSets: [[Descriptor]], workers: Int? = nil) -> any NeighbourIndex {
        DescriptorSearch.index(descriptorSets, units: units, weights: weights, rerank: rerank, workers: workers)
    }

    /// This plan's clusters of an index's items (sweeps and tuners vary the threshold and graph settings).
    public func clusters(_ index: any NeighbourIndex, threshold: Float? = nil, graph: GraphSettings? = nil) -> [[Int]] {
        Clusterer(rule: rule, threshold: threshold ?? self.threshold, graph: graph ?? self.graph).clusters(index)
    }

    /// Groups images whose descriptors are already made (`descriptorSets[m][i]`: method m, image i). The
    /// cascade's second stage is not run here (it needs the images).
    /// `keypoints[i]`: image i's ORB features (`KeypointAdjustedIndex.features`), used when `keypointAdjustment` is set.
    public func group(images: [ImageFacts], descriptorSets: [[Descriptor]], workers: Int? = nil,
                      keypoints: [ORBFeatures?]? = nil) -> GroupingReport {
        var index = self.index(descriptorSets, workers: workers)
        if let keypointAdjustment, let keypoints {
            index = KeypointAdjustedIndex(base: index, features: keypoints, settings: keypointAdjustment, workers: workers)
        }
        return GroupingReport(method: methods.map(\.name).joined(separator: "+") + (keypointAdjustment != nil ? " +orb" : ""),
                              images: images, index: index, rule: rule, threshold: threshold, graph: graph, keep: keep)
    }

    /// How a plan reads its files.
    public struct Reading: Sendable {
        public var decode: DecodeOptions
        public var applyOrientation: Bool
        public var workers: Int
        /// When set, each grouped image's mask overlay is written into this folder (`MaskOverlay.overlayPath`),
        /// from the same decoding as its descriptors.
        public var overlayFolder: String?

        public init(decode: DecodeOptions = DecodeOptions(), applyOrientation: Bool = true,
                    workers: Int = ProcessInfo.processInfo.activeProcessorCount, overlayFolder: String? = nil) {
            self.decode = decode
            self.applyOrientation = applyOrientation
            self.workers = workers
            self.overlayFolder = overlayFolder
        }
    }

    /// What a run over files gives.
    public struct Outcome: Sendable {
        public let report: GroupingReport
        /// Images that gave a record.
        public let processed: Int
        /// Every file that gave none (decoding or a method failed), the cascade's second stage included.
        public let failures: [ImageFailure]
        /// Grouped image path -> its overlay (when overlays were asked for).
        public let overlays: [String: String]
        /// Overlays that could not be written.
        public let overlayErrors: [WriteError]
        /// Images the cascade's second method described.
        public let cascadeDescribed: Int
        /// Image path -> its descriptor in words, when a method can say it (`attributes`).
        public let explanations: [String: String]
    }

    /// Reads `files` once, describes each with `methods` (from `makeMethods`), groups them, and runs the
    /// cascade's second stage on the images that need it (with `cascadeMethod` when given, else one made here).
    /// `observe` sees every file's outcome in input order (for progress and messages), on the calling thread.
    public func run(files: [String], methods: [any DescriptorMethod], cascadeMethod: (any DescriptorMethod)? = nil,
                    reading: Reading = Reading(), observe: (FileOutcome) -> Void = { _ in }) throws -> Outcome {
        var facts: [ImageFacts] = []
        var sets: [[Descriptor]] = Array(repeating: [], count: methods.count)
        var failures: [ImageFailure] = []
        var explanations: [String: String] = [:]
        let overlays = OverlayCollector(folder: reading.overlayFolder)
        let probes = verification.map { ProbeCollector(transforms: $0.transforms) }
        let keypoints = keypointAdjustment.map { _ in KeypointCollector() }
        var probed: [Int] = []
        let run = DescriptionRun(methods: methods, decodeOptions: reading.decode,
                                 applyOrientation: reading.applyOrientation, workers: reading.workers)
        var visit: (@Sendable (Int, ImageSample) -> Void)? = nil
        if reading.overlayFolder != nil || probes != nil || keypoints != nil {
            visit = { (i: Int, sample: ImageSample) in
                overlays.write(sample)
                probes?.add(i, sample)
                keypoints?.add(i, sample)
            }
        }
        run.run(paths: files, visit: visit) { outcome in
            switch outcome.result {
            case .success(let record):
                probed.append(outcome.index)
                facts.append(ImageFacts(path: record.path, width: record.width, height: record.height))
                for m in methods.indices { sets[m].append(record.descriptors[m]) }
                if let text = explanation(methods, record.descriptors) { explanations[record.path] = text }
            case .failure(let failure):
                failures.append(failure)
            }
            observe(outcome)
        }
        var report: GroupingReport
        if let verification, let probes {
            // ORB features only for images in pairs that pass the thumbnails, and frames only for pairs whose pixels are
            // compared (`AlignedPixels`): those images are decoded again.
            let transforms = verification.transforms
            let paths = facts.map(\.path)
            func decodedAgain<T: Sendable>(_ needed: [Int], _ make: @escaping @Sendable (ImageSample) -> T) -> [Int: T] {
                let made = Mutex<[Int: T]>([:])
                let again = DescriptionRun(methods: [], decodeOptions: reading.decode, applyOrientation: reading.applyOrientation,
                                           workers: reading.workers)
                again.run(paths: needed.map { paths[$0] }, visit: { k, sample in
                    let value = make(sample)
                    made.withLock { $0[needed[k]] = value }
                }) { _ in }
                return made.withLock { $0 }
            }
            report = verifiedGroups(images: facts, probes: probed.map(probes.take), verifier: verification.verifier,
                                    chainDepth: verification.chainDepth, workers: reading.workers,
                                    keypoints: { needed, bands in
                                        decodedAgain(needed) { NearDuplicateKeypoints(rgb: $0.smallRGB, transforms: transforms, excluding: bands) }
                                    },
                                    frames: { needed in decodedAgain(needed) { $0.smallRGB.luma } })
        } else {
            report = group(images: facts, descriptorSets: sets, workers: reading.workers,
                           keypoints: keypoints.map { collected in probed.map { collected.take($0) } })
        }
        var cascadeDescribed = 0
        if let cascade {
            let needed = Cascade.imagesNeedingSecondStage(report)
            // The images that need the second method are known only once the first stage has grouped: they
            // are decoded again (each group's kept copy and the images left alone, not the whole folder).
            let second = DescriptionRun(methods: [try cascadeMethod ?? cascade.method.make(settings)], decodeOptions: reading.decode,
                                        applyOrientation: reading.applyOrientation, workers: reading.workers)
            var secondStage: [Int: Descriptor] = [:]
            second.run(paths: needed.map { facts[$0].path }) { outcome in
                switch outcome.result {
                case .success(let record): secondStage[needed[outcome.index]] = record.descriptors[0]
                case .failure(let failure): failures.append(failure)
                }
            }
            cascadeDescribed = secondStage.count
            let merged = Cascade.merge(first: report, secondStage: secondStage, threshold: cascade.threshold)
            report = GroupingReport(method: methodName, metric: .fused, images: facts, clusters: merged.clusters,
                                    distance: merged.distance, rule: rule, threshold: 1, keep: keep)
        }
        let grouped = Set(report.groups.flatMap { $0.members.map { facts[$0.image].path } })
        let written = overlays.keep(only: grouped)
        return Outcome(report: report, processed: facts.count, failures: failures, overlays: written.overlays,
                       overlayErrors: written.errors, cascadeDescribed: cascadeDescribed, explanations: explanations)
    }
}

extension GroupingPlan {
    /// Groups from verified pairs only, each a kept copy and the images that reach it within `chainDepth`
    /// verified pairs (`Verification.chainDepth`; nil: components); a member's distance to the kept copy is 1 - the
    /// share of agreeing blocks of their check.
    public func verifiedGroups(images: [ImageFacts], probes: [NearDuplicateProbe], verifier: NearDuplicateVerifier,
                               chainDepth: Int? = 2, workers: Int,
                               keypoints: (([Int], MarkBands?) -> [Int: NearDuplicateKeypoints])? = nil,
                               frames: (([Int]) -> [Int: GrayImage])? = nil) -> GroupingReport {
        var checks: [Int: NearDuplicateVerifier.Check] = [:]
        var partners = [[Int]](repeating: [], count: images.count)
        var verified: [GroupingReport.VerifiedPair] = []
        let verification = verifier.verification(probes, workers: workers, keypoints: keypoints, frames: frames)
        for (i, j, check) in verification.pairs {
            verified.append(GroupingReport.VerifiedPair(i: i, j: j, check: check))
            checks[i * images.count + j] = check
            partners[i].append(j)
            partners[j].append(i)
        }
        // The kept copy is chosen on content (inside uniform borders), measured by each image's probe.
        let measured = images.indices.map { i -> ImageFacts in
            var facts = images[i]
            let p = probes[i]
            facts.contentPixels = Int((Double(p.box.width) / Double(max(1, p.reducedSize.width)) * Double(facts.width)
                                       * Double(p.box.height) / Double(max(1, p.reducedSize.height)) * Double(facts.height)).rounded())
            facts.carriesMark = verification.carriers.contains(i)
            return facts
        }
        let clusters = Self.chained(partners: partners, depth: chainDepth) { keep.prefers(measured[$0], over: measured[$1]) }
        var report = GroupingReport(method: methodName + " verified", metric: .verified, images: measured, clusters: clusters,
                              distance: { a, b in
                                  let key = min(a, b) * images.count + max(a, b)
                                  let check = checks[key] ?? verifier.verify(probes[min(a, b)], probes[max(a, b)],
                                                                             views: verifier.closestViews(probes[min(a, b)], probes[max(a, b)]))
                                  return Float(1 - check.agreeing)
                              }, rule: .components, threshold: Float(1 - verifier.agreeingShare), keep: keep)
        report.verifiedPairs = verified
        report.tooFlat = probes.indices.filter { probes[$0].isFlat }
        return report
    }

    /// Clusters of verified pairs (`partners[i]`: the images verified with i). Without `depth`, connected
    /// components. With it, each component is peeled: its preferred image (`prefers`, the kept copy) and every
    /// image within `depth` verified pairs of it, through images still unassigned, form a group; the rest of the
    /// component is peeled again the same way. Sorted by their first (smallest) image, members ascending.
    static func chained(partners: [[Int]], depth: Int?, prefers: (Int, Int) -> Bool) -> [[Int]] {
        var sets = UnionFind(count: partners.count)
        for i in partners.indices { for j in partners[i] { sets.union(i, j) } }
        var clusters: [[Int]] = []
        for component in sets.sets() {
            guard let depth, component.count > 1 else { clusters.append(component.sorted()); continue }
            var rest = Set(component)
            while !rest.isEmpty {
                let kept = rest.min { a, b in prefers(a, b) || (!prefers(b, a) && a < b) }!
                var group: Set<Int> = [kept], frontier = [kept]
                for _ in 0..<depth {
                    frontier = frontier.flatMap { partners[$0] }.filter { rest.contains($0) && group.insert($0).inserted }
                }
                rest.subtract(group)
                clusters.append(group.sorted())
            }
        }
        return clusters.sorted { $0[0] < $1[0] }
    }
}

/// Near-duplicate probes made on the workers from the same decoding as the descriptors.
final class ProbeCollector: Sendable {
    let transforms: Bool
    private let probes = Mutex<[Int: NearDuplicateProbe]>([:])

    init(transforms: Bool) { self.transforms = transforms }

    func add(_ index: Int, _ sample: ImageSample) {
        let probe = NearDuplicateProbe(sample, transforms: transforms, keypoints: false)
        probes.withLock { $0[index] = probe }
    }

    func take(_ index: Int) -> NearDuplicateProbe { probes.withLock { $0.removeValue(forKey: index)! } }
}

/// ORB features for `--verify-orb`, made on the workers from the same decoding as the descriptors.
final class KeypointCollector: Sendable {
    private let features = Mutex<[Int: ORBFeatures]>([:])

    func add(_ index: Int, _ sample: ImageSample) {
        let made = KeypointAdjustedIndex.features(sample)
        features.withLock { $0[index] = made }
    }

    func take(_ index: Int) -> ORBFeatures? { features.withLock { $0.removeValue(forKey: index) } }
}

/// Mask overlays written while the images are decoded for their descriptors; those of images that end up in no
/// group are removed once the groups are known, so only grouped images keep one.
final class OverlayCollector: Sendable {
    let folder: String?
    private let state = Mutex<(written: [String: String], errors: [WriteError])>(([:], []))

    init(folder: String?) { self.folder = folder }

    func write(_ sample: ImageSample) {
        guard let folder else { return }

        do {
            try MaskOverlay.write(sample, into: folder)
            let path = MaskOverlay.overlayPath(for: sample.path, in: folder)
            state.withLock { $0.written[sample.path] = path }
        } catch let error as WriteError {
            state.withLock { $0.errors.append(error) }
        } catch {
            state.withLock { $0.errors.append(WriteError(path: sample.path, reason: "\(error)")) }
        }
    }

    func keep(only paths: Set<String>) -> (overlays: [String: String], errors: [WriteError]) {
        state.withLock { s in
            for (image, overlay) in s.written where !paths.contains(image) { unlink(overlay) }
            return (s.written.filter { paths.contains($0.key) }, s.errors)
        }
    }
}
