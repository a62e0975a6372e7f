/// A plane-to-plane projective map, 3 x 3 row-major, scaled so the last entry is 1 when it is not 0.
///
/// `fit` is the direct linear transform on Hartley-normalised points (centroid at the origin, mean distance
/// sqrt 2, which keeps the 8 x 8 system well conditioned in pixels of any size): exact through 4 points, least
/// squares through more, solved by our own Gaussian elimination with partial pivoting.
public struct Homography: Sendable, Equatable {
    public var m: [Double]

    public init(_ m: [Double]) {
        precondition(m.count == 9, "Homography: 9 entries, row-major")
        self.m = m
    }

    public static let identity = Homography([1, 0, 0, 0, 1, 0, 0, 0, 1])

    /// The map back (adjugate over determinant), or nil when singular.
    public var inverse: Homography? {
        let a = m
        let c0 = a[4] * a[8] - a[5] * a[7], c1 = a[5] * a[6] - a[3] * a[8], c2 = a[3] * a[7] - a[4] * a[6]
        let det = a[0] * c0 + a[1] * c1 + a[2] * c2
        guard abs(det) > 1e-12 else { return nil }
        let adj = [c0, a[2] * a[7] - a[1] * a[8], a[1] * a[5] - a[2] * a[4],
                   c1, a[0] * a[8] - a[2] * a[6], a[2] * a[3] - a[0] * a[5],
                   c2, a[1] * a[6] - a[0] * a[7], a[0] * a[4] - a[1] * a[3]]
        return Homography(adj.map { $0 / det })
    }

    /// Where `p` lands, or nil when it maps to (or too near) infinity.
    public func apply(_ p: SIMD2<Double>) -> SIMD2<Double>? {
        let w = m[6] * p.x + m[7] * p.y + m[8]
        guard abs(w) > 1e-12 else { return nil }
        return SIMD2((m[0] * p.x + m[1] * p.y + m[2]) / w, (m[3] * p.x + m[4] * p.y + m[5]) / w)
    }

    /// The map taking each `from[i]` to `to[i]` (least squares beyond 4 pairs), or nil when the points are too
    /// few or degenerate (all coincident, or a singular system).
    public static func fit(from: [SIMD2<Double>], to: [SIMD2<Double>]) -> Homography? {
        precondition(from.count == to.count, "Homography.fit: point lists differ in length")
        guard from.count >= 4, let t1 = normaliser(from), let t2 = normaliser(to) else { return nil }
        // Unknowns h0...h7 with h8 = 1: two equations per pair, (u, v) = image of (x, y).
        var rows: [[Double]] = []
        rows.reserveCapacity(2 * from.count)
        for (p, q) in zip(from, to) {
            let x = (p.x - t1.centre.x) * t1.scale, y = (p.y - t1.centre.y) * t1.scale
            let u = (q.x - t2.centre.x) * t2.scale, v = (q.y - t2.centre.y) * t2.scale
            rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
            rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
        }
        var system = rows
        if rows.count > 8 {
            // Normal equations: (A^T A) h = A^T b, still 8 x 8.
            system = (0..<8).map { i in
                (0..<9).map { j in rows.reduce(0.0) { $0 + $1[i] * $1[j] } }
            }
        }
        guard let h = solve(system) else { return nil }
        // Undo the normalisations: H = T2^-1 * Hn * T1.
        let n = h + [1]
        let s1 = t1.scale, c1 = t1.centre, s2 = t2.scale, c2 = t2.centre
        let t1m: [Double] = [s1, 0, -s1 * c1.x, 0, s1, -s1 * c1.y, 0, 0, 1]
        let t2inv: [Double] = [1 / s2, 0, c2.x, 0, 1 / s2, c2.y, 0, 0, 1]
        var result = multiply(t2inv, multiply(n, t1m))
        guard abs(result[8]) > 1e-12 else { return Homography(result) }
        let last = result[8]
        for i in 0..<9 { result[i] /= last }
        guard result.allSatisfy({ $0.isFinite }) else { return nil }
        return Homography(result)
    }

    static func multiply(_ a: [Double], _ b: [Double]) -> [Double] {
        (0..<9).map { k in
            let i = k / 3, j = k % 3
            return a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j]
        }
    }

    /// Centroid and the scale that brings the mean distance from it to sqrt 2; nil when all points coincide.
    static func normaliser(_ points: [SIMD2<Double>]) -> (centre: SIMD2<Double>, scale: Double)? {
        let centre = points.reduce(SIMD2<Double>(0, 0), +) / Double(points.count)
        let mean = points.reduce(0.0) { s, p in
            let d = p - centre
            return s + (d.x * d.x + d.y * d.y).squareRoot()
        } / Double(points.count)
        guard mean > 1e-9 else { return nil }
        return (centre, 2.0.squareRoot() / mean)
    }

    /// Solves the square system given as rows of [coefficients..., right-hand side] by Gaussian elimination
    /// with partial pivoting; nil when a pivot is negligible (the system is singular or nearly so).
    static func solve(_ augmented: [[Double]]) -> [Double]? {
        var a = augmented
        let n = a.count
        for col in 0..<n {
            var pivot = col
            for r in (col + 1)..<n where abs(a[r][col]) > abs(a[pivot][col]) { pivot = r }
            // Normalised coordinates keep entries near 1, so an absolute tolerance is meaningful.
            guard abs(a[pivot][col]) > 1e-10 else { return nil }
            if pivot != col { a.swapAt(pivot, col) }
            for r in (col + 1)..<n {
                let f = a[r][col] / a[col][col]
                if f == 0 { continue }
                for c in col...n { a[r][c] -= f * a[col][c] }
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = a[r][n]
            for c in (r + 1)..<n { s -= a[r][c] * x[c] }
            x[r] = s / a[r][r]
        }
        return x
    }
}
