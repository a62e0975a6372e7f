// ORB on a drawn 256 x 256 picture against its quarter turn: features, matching, RANSAC and the whole check,
// best of `--rounds` (release build). Prints ms per step, keypoints, matches and inliers.
import Foundation
import Lookalike

func orbBenchmark(_ arguments: ArraySlice<String>) {
    let rounds = arguments.firstIndex(of: "--rounds").flatMap { i in i + 1 < arguments.endIndex ? Int(arguments[i + 1]) : nil } ?? 20
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
