import Foundation

/// Ground truth as a person hands it over: a `labels.csv` (path,group[,view]) or a folder with one subfolder per
/// product, plus every other image under the same folder as a distractor (an unlabelled image is its own product:
/// a method that merges it with anything loses precision).
extension LabelSet {
    /// The view given to unlabelled images found beside the labelled ones.
    public static let distractorView = "distractor"

    /// `path` is a CSV file, or a folder whose subfolders name the products (images directly in the folder are
    /// distractors). Checks that every named image exists, every row names a group and there are two products
    /// or more; the message lists what is wrong. With `distractors`, unlabelled images under the labels' folder
    /// are added, each its own product.
    public static func load(_ path: String, distractors: Bool = true,
                            collector: FileCollector = FileCollector()) throws -> (labels: LabelSet, root: String) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw ParseError(description: "\(path): no such labels file or folder")
        }
        let root = isFolder.boolValue ? path : URL(fileURLWithPath: path).deletingLastPathComponent().path
        var set = isFolder.boolValue ? try LabelSet(folderAt: path, collector: collector) : try LabelSet(csvAt: path)
        try set.check(source: path)
        if distractors { set = set.addingDistractors(under: root, collector: collector) }
        return (set, root)
    }

    /// One subfolder per product (its name is the group; deeper folders belong to it); images directly in
    /// `folder` are left for `addingDistractors`. Views are empty.
    public init(folderAt folder: String, collector: FileCollector = FileCollector()) throws {
        let subfolders = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
            .filter { var d: ObjCBool = false
                      return FileManager.default.fileExists(atPath: folder + "/" + $0, isDirectory: &d) && d.boolValue }
        var paths: [String] = [], groups: [String] = []
        for name in subfolders {
            for file in collector.collect([folder + "/" + name]).files {
                paths.append(file)
                groups.append(name)
            }
        }
        guard !paths.isEmpty else {
            throw ParseError(description: "\(folder): no labels: expected a labels.csv, or one subfolder of images per product")
        }
        self.init(paths: paths, groups: groups)
    }

    /// Every image named exists and every row names a group; there are two products or more.
    public func check(source: String) throws {
        var problems: [String] = []
        let missing = paths.filter { !FileManager.default.fileExists(atPath: $0) }
        if !missing.isEmpty {
            let shown = missing.prefix(20).map { "  " + $0 }.joined(separator: "\n")
            problems.append("\(missing.count) image(s) named in the labels do not exist:\n" + shown
                            + (missing.count > 20 ? "\n  ... and \(missing.count - 20) more" : ""))
        }
        let unnamed = groups.indices.filter { groups[$0].trimmingCharacters(in: .whitespaces).isEmpty }
        if !unnamed.isEmpty {
            problems.append("\(unnamed.count) row(s) have an empty group column: "
                            + unnamed.prefix(10).map { URL(fileURLWithPath: paths[$0]).lastPathComponent }.joined(separator: ", ")
                            + (unnamed.count > 10 ? ", ..." : ""))
        }
        let products = Set(groups.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
        if problems.isEmpty && products.count < 2 {
            problems.append(products.isEmpty ? "no labelled images"
                            : "every image is labelled '\(products.first!)': comparing methods needs two products or more")
        }
        if !problems.isEmpty { throw ParseError(description: "\(source): " + problems.joined(separator: "\n")) }
    }

    /// Adds the images under `root` that no label names, each its own product with the view `distractorView`.
    public func addingDistractors(under root: String, collector: FileCollector = FileCollector()) -> LabelSet {
        func key(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
        let labelled = Set(paths.map(key))
        let extra = collector.collect([root]).files.filter { !labelled.contains(key($0)) }
        return LabelSet(paths: paths + extra, groups: groups + extra.map { "\u{1}distractor:" + $0 },
                        views: views + extra.map { _ in Self.distractorView })
    }

    /// Whether image `i` is an unlabelled distractor.
    public func isDistractor(_ i: Int) -> Bool { views[i] == Self.distractorView }
}
