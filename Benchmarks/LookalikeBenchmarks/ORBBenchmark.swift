// ORB on a drawn 256 x 256 picture against its quarter turn: features, matching, RANSAC and the whole check,
// best of `--rounds` (release build). Prints ms per step, keypoints, matches and inliers. With image files
// (`orb --rounds 3 a.jpg b.jpg ...`): each reduced to 256 px and made grey as the near-duplicate check does, then
// the mean ms per image for features and per consecutive pair for cross-checked matching (Benchmarks/orb.sh
// runs OpenCV's ORB on the same files). With `--pairs`, the files are pairs (first, second, first, second, ...)
// and each pair's whole check after the features (matching and RANSAC) is timed too.
import Foundation
import Lookalike

func orbBenchmark(_ arguments: ArraySlice<String>) {
    let rounds = arguments.firstIndex(of: "--rounds").flatMap { i in i + 1 < arguments.endIndex ? Int(arguments[i + 1]) : nil } ?? 20
    let files = arguments.enumerated().filter { $0.element != "--rounds" && $0.element != "--pairs"
        && ($0.offset == 0 || arguments[arguments.startIndex + $0.offset - 1] != "--rounds") }.map(\.element)
    if !files.isEmpty { return orbFilesBenchmark(files, rounds: rounds, pairs: arguments.contains("--pairs")) }
    let side = 256
    var rng = SplitMix64(seed: 2026)
    var pixels = (0..<(side * side)).map { i in UInt8((i % side) * 150 / side + (i / side) * 80 / side + 20) }
    for _ in 0..<60 {
        let cx = Int(rng.next() % UInt64(side)), cy = Int(rng.next() % UInt64(side)), r = Int(rng.next() % 24) + 5
        let grey = UInt8(rng.next() % 256), disc = rng.next() & 1 == 0
        for y in max(0, cy - r)..<min(side, cy + r) { for x in max(0, cx - r)..<min(side, cx + r)
            where !disc || (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r { pixels[y * side + x] = grey } }
    }
    let image = GrayImage(width: side, height: side, pixels: pixels)
    // A quarter turn moves pixels exactly: (x, y) -> (side - 1 - y, x).
    var turned = [UInt8](repeating: 0, count: side * side)
    for y in 0..<side { for x in 0..<side { turned[x * side + (side - 1 - y)] = pixels[y * side + x] } }
    let other = GrayImage(width: side, height: side, pixels: turned)

    func best<T>(_ body: () -> T) -> (Double, T) {
        var fastest = Double.infinity, result = body()
        for _ in 0..<rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            result = body()
            fastest = min(fastest, seconds(since: start))
        }
        return (fastest * 1000, result)
    }
    let (featureMs, a) = best { ORBFeatures(image) }
    let b = ORBFeatures(other)
    let matcher = ORBMatcher(crossCheck: true)
    let (matchMs, matches) = best { matcher.match(a.descriptors, b.descriptors) }
    let from = matches.map { SIMD2(a.keypoints[$0.queryIndex].x, a.keypoints[$0.queryIndex].y) }
    let to = matches.map { SIMD2(b.keypoints[$0.trainIndex].x, b.keypoints[$0.trainIndex].y) }
    let (ransacMs, fit) = best { RANSACHomography().fit(from: from, to: to) }
    let (checkMs, check) = best { ORBCheck(image, other) }
    print(String(format: "orb-features\t%dx%d\t%.2f ms\t%d keypoints", side, side, featureMs, a.keypoints.count))
    print(String(format: "orb-match\t%dx%d\t%.2f ms\t%d matches", a.descriptors.count, b.descriptors.count, matchMs, matches.count))
    print(String(format: "orb-ransac\t%d pairs\t%.2f ms\t%d inliers\t%d samples", from.count, ransacMs, fit?.inlierCount ?? 0, fit?.iterations ?? 0))
    print(String(format: "orb-check\ttwo %dx%d\t%.2f ms\t%d inliers of %d", side, side, checkMs, check.inlierCount, check.matches.count))
}

/// Features per image and matching per consecutive pair over real files, best of `rounds` each, mean over files.
func orbFilesBenchmark(_ files: [String], rounds: Int, pairs: Bool = false) {
    let decoder = ImageDecoder()
    let images: [GrayImage] = files.compactMap { path in
        guard case .success(let outcome) = decoder.decode(path: path) else { return nil }
        return RGBImage(outcome.image).reduced(maxSide: 256).luma
    }
    var featureMs = 0.0, keypoints = 0
    var features: [ORBFeatures] = []
    for image in images {
        var fastest = Double.infinity
        var f = ORBFeatures(image)
        for _ in 0..<rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            f = ORBFeatures(image)
            fastest = min(fastest, seconds(since: start))
        }
        featureMs += fastest * 1000
        keypoints += f.keypoints.count
        features.append(f)
    }
    let matcher = ORBMatcher(crossCheck: true)
    var matchMs = 0.0
    for (a, b) in zip(features, features.dropFirst()) {
        var fastest = Double.infinity
        for _ in 0..<rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = matcher.match(a.descriptors, b.descriptors)
            fastest = min(fastest, seconds(since: start))
        }
        matchMs += fastest * 1000
    }
    if pairs {
        // The verifier's per-pair cost once both images have features: matching, then the homography by RANSAC.
        var checkMs = 0.0, inliers = 0, count = 0
        for k in stride(from: 0, to: features.count - 1, by: 2) {
            var fastest = Double.infinity, check = ORBCheck(features[k], features[k + 1])
            for _ in 0..<rounds {
                let start = DispatchTime.now().uptimeNanoseconds
                check = ORBCheck(features[k], features[k + 1])
                fastest = min(fastest, seconds(since: start))
            }
            checkMs += fastest * 1000
            inliers += check.inlierCount
            count += 1
        }
        print(String(format: "lookalike-orb-pairs\t%d pairs\tmatch + RANSAC %.2f ms/pair (%.0f inliers)", count,
                     checkMs / Double(max(1, count)), Double(inliers) / Double(max(1, count))))
    }
    // A digest of every keypoint and descriptor (default settings, and the near-duplicate check's 4 x 4 cells), so
    // a change meant to be faster only can be shown to find exactly the same features.
    var digest = FNV1a()
    for image in images {
        for settings in [ORBFeatures.Settings(), ORBFeatures.Settings(cells: 4)] {
            let f = ORBFeatures(image, settings: settings)
            for (k, d) in zip(f.keypoints, f.descriptors) {
                for v in [k.x.bitPattern, k.y.bitPattern, UInt64(k.level), k.angle.bitPattern, k.response.bitPattern,
                          d.w0, d.w1, d.w2, d.w3] { digest.add(v) }
            }
            digest.add(UInt64(f.keypoints.count))
        }
    }
    let n = Double(max(1, images.count)), pairs = Double(max(1, images.count - 1))
    print(String(format: "lookalike-orb\t%d images\tfeatures %.2f ms/image (%.0f keypoints)\tmatch %.2f ms/pair\tdigest %016llx", images.count,
                 featureMs / n, Double(keypoints) / n, matchMs / pairs, digest.value))
}

/// FNV-1a over 64-bit words: a digest to compare runs by, not a security hash.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ word: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { value = (value ^ ((word >> UInt64(shift)) & 0xff)) &* 0x100_0000_01b3 }
    }
}
