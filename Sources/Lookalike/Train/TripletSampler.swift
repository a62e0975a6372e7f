/// Draws (anchor, positive, negative) triplets of item indices from labelled items, seeded.
///
/// Anchors are uniform over the items whose label has another item; the positive is another item of the anchor's
/// label. With categories (a category per label, such as a product's department), the negative is an item of
/// another label in the same category `sameCategoryShare` of the time (30%: the hard, fine-grained cases Wang et
/// al. draw "in-class"), and of another category otherwise; without categories, any item of another label.
/// Where the anchor's category holds no other label the negative comes from another category; where every label
/// shares one category, it is any item of another label.
public struct TripletSampler {
    public struct Triplet: Sendable, Equatable {
        public let anchor, positive, negative: Int
    }

    /// Why triplets cannot be drawn from a labelling.
    public struct DataError: Error, CustomStringConvertible, Sendable, Equatable {
        public let description: String
    }

    public let labels: [Int]
    public let categories: [Int: Int]?
    public let sameCategoryShare: Double
    private var rng: SplitMix64
    private let itemsOfLabel: [Int: [Int]]
    private let itemsOfCategory: [Int: [Int]]
    private let labelsInCategory: [Int: Int]
    private let anchors: [Int]

    /// `labels[i]` is item i's label; `categories`, when given, must name a category for every label.
    public init(labels: [Int], categories: [Int: Int]? = nil, sameCategoryShare: Double = 0.3, seed: UInt64) throws {
        self.labels = labels
        self.categories = categories
        self.sameCategoryShare = sameCategoryShare
        rng = SplitMix64(seed: seed)
        let byLabel = Dictionary(grouping: labels.indices, by: { labels[$0] })
        itemsOfLabel = byLabel
        anchors = labels.indices.filter { byLabel[labels[$0]]!.count > 1 }
        guard !anchors.isEmpty else { throw DataError(description: "no label has two items: there are no positive pairs to learn from") }
        guard byLabel.count > 1 else { throw DataError(description: "every item has the same label: there are no negatives") }
        if let categories {
            let unknown = byLabel.keys.filter { categories[$0] == nil }.sorted()
            guard unknown.isEmpty else {
                throw DataError(description: "labels without a category: \(unknown.prefix(8).map(String.init).joined(separator: ", "))")
            }
            itemsOfCategory = Dictionary(grouping: labels.indices, by: { categories[labels[$0]]! })
            labelsInCategory = Dictionary(grouping: byLabel.keys, by: { categories[$0]! }).mapValues(\.count)
        } else {
            (itemsOfCategory, labelsInCategory) = ([:], [:])
        }
    }

    /// The next triplet.
    public mutating func next() -> Triplet {
        let anchor = anchors[rng.below(anchors.count)]
        let label = labels[anchor]
        let same = itemsOfLabel[label]!
        // Another item of the label: one of the other count - 1, skipping the anchor.
        var positive = same[rng.below(same.count - 1)]
        if positive == anchor { positive = same[same.count - 1] }
        return Triplet(anchor: anchor, positive: positive, negative: negative(for: label))
    }

    /// Rejection sampling: each pool holds a wanted item with a fair share, so few draws are thrown away.
    private mutating func negative(for label: Int) -> Int {
        if let categories, let category = categories[label], labelsInCategory.count > 1 {
            let u = Double(rng.next() >> 11) * 0x1p-53
            if u < sameCategoryShare, labelsInCategory[category]! > 1 {
                let pool = itemsOfCategory[category]!
                while true {
                    let item = pool[rng.below(pool.count)]
                    if labels[item] != label { return item }
                }
            }
            while true {
                let item = rng.below(labels.count)
                if categories[labels[item]] != category { return item }
            }
        }
        while true {
            let item = rng.below(labels.count)
            if labels[item] != label { return item }
        }
    }
}
