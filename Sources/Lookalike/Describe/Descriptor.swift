import Foundation

/// What a method makes of one image: a bit code compared by Hamming distance, or a float vector
/// compared by cosine distance (1 - cos). Everything downstream (neighbours, groups) sees only this.
public enum Descriptor: Sendable, Equatable {
    case bits(PerceptualHash)
    case vector([Float])

    public var metric: DistanceMetric {
        switch self {
        case .bits: .hamming
        case .vector: .cosine
        }
    }

    /// Text form for reports: imagehash hex for bit codes, comma-separated values for vectors.
    public var text: String {
        switch self {
        case .bits(let hash): hash.hex
        case .vector(let v): v.map { String($0) }.joined(separator: ",")
        }
    }
}

public enum DistanceMetric: String, Sendable {
    case hamming, cosine
    /// Several methods' distances, each divided by its scale (threshold), averaged: 1.0 = at the threshold.
    case fused
    /// k-reciprocal re-ranked distance (Jaccard distance of neighbourhood vectors), in [0, 1].
    case jaccard
    /// A verified near-duplicate pair: 1 - the share of thumbnail blocks that agree (`NearDuplicateVerifier`).
    case verified

    /// A distance as text: whole bits for Hamming, `decimals` places otherwise.
    public func format(_ distance: Float, decimals: Int = 3) -> String {
        self == .hamming ? String(Int(distance)) : String(format: "%.\(decimals)f", distance)
    }
}

/// Unit length, or the zero vector as it is (cosine distance treats it as far from everything): what vector
/// methods return.
func unitLength(_ v: [Float]) -> [Float] {
    let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return norm > 0 ? v.map { $0 / norm } : v
}
