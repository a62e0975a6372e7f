/// Two items i < j and their distance: Hamming bits (as a Float) for bit codes, 1 - cos for vectors.
public struct NeighbourPair: Sendable, Hashable {
    public var i: Int
    public var j: Int
    public var distance: Float

    public init(i: Int, j: Int, distance: Float) {
        precondition(i < j, "NeighbourPair wants i < j (got \(i), \(j))")
        self.i = i
        self.j = j
        self.distance = distance
    }
}

/// One neighbour of an item: its index and distance.
public struct Neighbour: Sendable, Hashable {
    public var index: Int
    public var distance: Float

    public init(index: Int, distance: Float) {
        self.index = index
        self.distance = distance
    }
}

/// Exact neighbour search over one method's descriptors. Every index returns exactly what a brute-force
/// scan would: the tests hold each one against `BruteForce` versions. An index carries its metric and the
/// distance of any pair, so clustering rules that need more than the neighbour lists (average linkage, a
/// group's distances to its kept copy) never need a distance function passed beside it.
public protocol NeighbourIndex {
    var count: Int { get }
    /// What `distance` and the reported distances measure.
    var metric: DistanceMetric { get }
    /// The distance of items i and j, the same value `pairs` and `nearest` report for them.
    func distance(_ i: Int, _ j: Int) -> Float
    /// All pairs i < j with distance <= radius, sorted by (i, j).
    func pairs(within radius: Float) -> [NeighbourPair]
    /// For each item its k nearest other items, nearest first; ties broken by the smaller index.
    func nearest(k: Int) -> [[Neighbour]]
}
