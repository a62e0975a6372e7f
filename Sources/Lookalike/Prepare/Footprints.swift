/// Area averaging's weights along one axis: for each of `target` output pixels over `source` input pixels, the
/// first input pixel it covers (`first`) and, from `weights[start[i]]` to `weights[start[i + 1]]`, the share of
/// the output pixel each covered input pixel makes up (partly covered ones by the share covered; they sum to 1).
/// Exact shares matter: with whole-pixel bins a mirrored or resized copy gets differently shaped bins.
struct Footprints {
    var first: [Int] = [], start: [Int] = [0], weights: [Float] = []

    init(source: Int, target: Int) {
        let step = Double(source) / Double(target)
        for i in 0..<target {
            let a = Double(i) * step, b = min(Double(source), Double(i + 1) * step)
            let lo = Int(a), hi = max(lo, min(source - 1, Int(b.rounded(.up)) - 1))
            first.append(lo)
            for j in lo...hi { weights.append(Float((min(b, Double(j + 1)) - max(a, Double(j))) / (b - a))) }
            start.append(weights.count)
        }
    }
}
