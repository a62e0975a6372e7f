/// What every network loader checks before it builds anything: each tensor the architecture needs is there with
/// its shape, and nothing else is; every problem named (the first twelve), so a wrong or damaged checkpoint says
/// what is wrong with it.
enum StateDictCheck {
    /// `shapes`: the architecture's tensors; `optional`: those among them the loader does not use (may be absent);
    /// `tolerated`: names outside `shapes` that may be present (a head the embedding does not use).
    static func check(_ stateDict: [String: Tensor], shapes: [(name: String, shape: [Int])], network: String,
                      optional: (String) -> Bool = { _ in false }, tolerated: (String) -> Bool = { _ in false }) throws {
        var problems: [String] = []
        for (name, shape) in shapes where !optional(name) {
            guard let t = stateDict[name] else { problems.append("missing \(name)"); continue }
            if t.shape != shape { problems.append("\(name) has shape \(t.shape), expected \(shape)") }
        }
        let known = Set(shapes.map(\.name))
        let extra = stateDict.keys.filter { !known.contains($0) && !tolerated($0) }.sorted()
        if !extra.isEmpty { problems.append("unexpected tensors: \(extra.prefix(8).joined(separator: ", "))\(extra.count > 8 ? ", ..." : "")") }
        guard problems.isEmpty else {
            throw ResNet50.LoadError(description: "not \(network) state dict: " + problems.prefix(12).joined(separator: "; "))
        }
    }
}
