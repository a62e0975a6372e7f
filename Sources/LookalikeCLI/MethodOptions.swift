import ArgumentParser
import Foundation
import Lookalike

/// One `--method` value: a method, or several comma-separated, which always means their fusion; or "all".
/// A learned method names its model file after `=` (`autoencoder=shop.safetensors,colour`).
struct MethodList: ExpressibleByArgument, CustomStringConvertible {
    /// Empty for "all".
    let entries: [MethodCatalog.Entry]
    /// The model file given to each learned method in the list, by method name.
    let models: [String: String]
    /// Why the value could not be read ("phash takes no model file"), said by `MethodOptions.validate` as a usage
    /// error: the argument parser's own refusal would only say the value is invalid.
    let problem: String?
    var isAll: Bool { entries.isEmpty && problem == nil }

    init(entries: [MethodCatalog.Entry], models: [String: String] = [:]) {
        self.entries = entries
        self.models = models
        problem = nil
    }

    init?(argument: String) {
        if argument.lowercased() == "all" { (entries, models, problem) = ([], [:], nil); return }
        do {
            (entries, models) = try Self.parseWithModels(argument)
            problem = nil
        } catch let error as ValidationError {
            // A learned method's value is refused with its reason; any other keeps the parser's list of names.
            guard argument.contains("=") else { return nil }
            (entries, models, problem) = ([], [:], error.message)
        } catch { return nil }
    }

    static func parse(_ text: String) throws -> [MethodCatalog.Entry] { try parseWithModels(text).entries }

    /// "name" or "name=FILE", comma-separated; only a method that runs a trained model takes a file, and each
    /// such method one file per list.
    static func parseWithModels(_ text: String) throws -> (entries: [MethodCatalog.Entry], models: [String: String]) {
        var models: [String: String] = [:]
        let entries = try text.split(separator: ",").map { raw in
            let part = raw.trimmingCharacters(in: .whitespaces)
            let (name, file) = split(part)
            guard let entry = MethodCatalog.entry(named: name) else {
                throw ValidationError("unknown method '\(name)'; choose from \(MethodCatalog.names.joined(separator: ", "))")
            }
            if let file {
                guard entry.method.takesModelFile else { throw ValidationError("\(entry.name) takes no model file ('\(part)')") }
                guard !file.isEmpty else { throw ValidationError("\(entry.name)=: the model file's path is empty") }
                if let other = models[entry.name], other != file {
                    throw ValidationError("\(entry.name) is given two model files (\(other), \(file))")
                }
                models[entry.name] = file
            }
            return entry
        }
        return (entries, models)
    }

    /// "autoencoder=a.safetensors" → ("autoencoder", "a.safetensors"); a name alone → (name, nil).
    static func split(_ part: String) -> (name: String, file: String?) {
        guard let eq = part.firstIndex(of: "=") else { return (part, nil) }
        return (String(part[..<eq]).trimmingCharacters(in: .whitespaces), String(part[part.index(after: eq)...]))
    }

    var description: String {
        isAll ? "all" : entries.map { e in models[e.name].map { "\(e.name)=\($0)" } ?? e.name }.joined(separator: ",")
    }

    static var allValueStrings: [String] { MethodCatalog.names + ["all"] }
}

/// What every method reads: the hash size and a deep method's weights file.
struct MethodSettingsOptions: ParsableArguments {
    @Option(help: "Hash size: size x size bits (imagehash's hash_size, 2 to 64).")
    var size: Int = 8

    @Option(help: "Deep methods: the weights file (default: LOOKALIKE_WEIGHTS, then the cache folders; see README).")
    var weights: String?

    @Option(help: "EfficientNet-Lite methods: pool the head's pixels by their mean (avg) or generalised mean, p = 3 (gem); default avg (gem in group's default).")
    var pooling: EfficientNetLite.Pooling?

    @Option(help: "Deep methods: see the whole image, or the product with its backdrop painted out (product); default image (product in group's default).")
    var focus: MethodSettings.Focus?

    func validate() throws {
        guard size >= 2 else { throw ValidationError("--size must be at least 2 (got \(size))") }
        guard size <= 64 else { throw ValidationError("--size must be at most 64 (got \(size))") }
    }

    var settings: MethodSettings {
        MethodSettings(hashSize: size, weightsPath: weights, pooling: pooling ?? .avg, focus: focus ?? .image)
    }
}

/// Which methods a command runs: `--method` (a comma list is a fusion, everywhere), the fusion's weights, and
/// the settings every method reads. Shared by group, dedupe, evaluate and tune.
struct MethodOptions: ParsableArguments {
    @Option(name: [.short, .long], help: ArgumentHelp(
        "A method, or several comma-separated to fuse them (\(MethodCatalog.names.joined(separator: ", "))); "
            + "a learned method names its model file: autoencoder=FILE, triplet=FILE (lookalike train); "
            + "evaluate and tune take several --method options, and evaluate takes 'all'.",
        discussion: "Fused methods average each method's distance divided by its median distance over the images being "
            + "grouped (a sample of 20,000 pairs on large folders; the method's catalog unit where that median is 0)."))
    var method: [MethodList] = []

    @Option(help: "With fused methods: their weights, comma-separated, in --method order (default: equal).")
    var methodWeights: String?

    @OptionGroup var settingsOptions: MethodSettingsOptions

    func validate() throws {
        if let problem = method.compactMap(\.problem).first { throw ValidationError(problem) }
        _ = try modelPaths()
        if let weights = try parsedWeights() {
            for list in method where !list.isAll && list.entries.count != weights.count {
                throw ValidationError("--method-weights has \(weights.count) values for \(list.entries.count) methods (\(list))")
            }
        }
    }

    /// The settings, with the model files the --method lists name (validated: one file per learned method).
    var settings: MethodSettings {
        var s = settingsOptions.settings
        s.modelPaths = (try? modelPaths()) ?? [:]
        return s
    }

    /// Every list's model files; one method given two files across lists is refused (a run holds one model per
    /// learned method: compare two models in two runs).
    func modelPaths() throws -> [String: String] {
        var merged: [String: String] = [:]
        for list in method {
            for (name, file) in list.models {
                if let other = merged[name], other != file {
                    throw ValidationError("\(name) is given two model files (\(other), \(file)); one per run")
                }
                merged[name] = file
            }
        }
        return merged
    }

    /// The lists given, or `fallback` when none was.
    func lists(or fallback: [MethodList]) -> [MethodList] { method.isEmpty ? fallback : method }

    /// The one list of a command that groups with one method or fusion (group, dedupe).
    func single(or fallback: String) throws -> [MethodCatalog.Entry] {
        let lists = self.lists(or: [MethodList(entries: try MethodList.parse(fallback))])
        guard lists.count == 1, !lists[0].isAll else {
            throw ValidationError("give one --method (several comma-separated to fuse them)")
        }
        return lists[0].entries
    }

    func parsedWeights() throws -> [Float]? { try methodWeights.map(parseMethodWeights) }

    /// What `compare` and `robustness` run: the `--method` lists as given ('all': every method alone); without any,
    /// every method alone and group's default fusion (named in `skipped`, with why, when its network is missing).
    func contenders(skipped: inout [(name: String, reason: String)]) throws -> [Contender] {
        let settings = settings
        let weights = try parsedWeights()
        var result: [Contender] = []
        for list in lists(or: [MethodList(entries: [])]) {
            if list.isAll {
                result += MethodCatalog.all(for: settings).map { Contender(plan: GroupingPlan(methods: [$0], settings: settings)) }
            } else {
                result.append(Contender(plan: GroupingPlan(methods: list.entries, settings: settings,
                                                           weights: list.entries.count > 1 ? weights : nil)))
            }
        }
        if method.isEmpty {
            let d = GroupingPlan.productDefault(settings: settings)
            if d.fellBack == nil {
                result.append(Contender(name: "default (\(d.plan.methodName), \(MethodCatalog.productDefault.pooling), "
                                              + "\(MethodCatalog.productDefault.focus) focus"
                                              + (d.plan.keypointAdjustment != nil ? ", ORB re-scored" : "") + ")", plan: d.plan))
            } else {
                skipped.append((name: "default (\(MethodCatalog.productDefault.methods.joined(separator: "+")))",
                                reason: "its network's weights are missing (bash Scripts/get-weights.sh)"))
            }
        }
        return result
    }
}

extension MethodOptions {
    /// What `search` and `neighbours` describe with: the --method list, or group's default fusion when its weights
    /// are here (else pHash, said on stderr as `command: ...`); the methods made.
    func searchMethods(command: String, console: Console) throws
        -> (entries: [MethodCatalog.Entry], settings: MethodSettings, weights: [Float]?, made: [any DescriptorMethod]) {
        if method.isEmpty {
            let d = GroupingPlan.productDefault(settings: settings, pooling: settingsOptions.pooling, focus: settingsOptions.focus)
            if let fellBack = d.fellBack { console.error("\(command): \(fellBack)") }
            let made = try d.methods ?? makeMethods(d.plan.methods, d.plan.settings, console: console)
            return (d.plan.methods, d.plan.settings, d.plan.weights, made)
        }
        let entries = try single(or: "phash")
        return (entries, settings, entries.count > 1 ? try parsedWeights() : nil, try makeMethods(entries, settings, console: console))
    }
}

/// `--method-weights`: non-negative numbers, comma-separated, at least one above 0 (fused distances divide by
/// their sum).
func parseMethodWeights(_ text: String) throws -> [Float] {
    let values = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
    guard values.allSatisfy({ $0 != nil && $0! >= 0 }), values.contains(where: { $0! > 0 }) else {
        throw ValidationError("--method-weights wants non-negative numbers, at least one above 0")
    }
    return values.map { $0! }
}

/// Clustering rules, comma-separated, or "all".
func parseRules(_ text: String) throws -> [ClusteringRule] {
    if text == "all" { return ClusteringRule.allCases }
    return try text.split(separator: ",").map { name in
        guard let rule = ClusteringRule(rawValue: String(name)) else {
            throw ValidationError("unknown rule '\(name)'; choose from \(ClusteringRule.allCases.map(\.rawValue).joined(separator: ", ")) or all")
        }
        return rule
    }
}

/// Builds methods; a method that cannot start (weights missing) is one clear message and exit status 69.
/// Damage a method's store found on opening is said once, on stderr even when it is not a terminal.
func makeMethods(_ entries: [MethodCatalog.Entry], _ settings: MethodSettings, console: Console) throws -> [any DescriptorMethod] {
    try entries.map { entry in
        do {
            let method = try entry.make(settings)
            sayStoreDamage([method], console: console)
            return method
        } catch {
            console.error("\(entry.name): \(error)")
            throw ExitStatus.methodUnavailable
        }
    }
}

/// Damage a method's store found on opening, said once per run (on stderr even when it is not a terminal).
func sayStoreDamage(_ methods: [any DescriptorMethod], console: Console) {
    for method in methods { if let warning = method.store?.damageWarning { console.error(warning) } }
}

/// On a terminal: how many descriptors each method took from its store.
func reportStoreReuse(_ methods: [any DescriptorMethod], console: Console) {
    guard console.stderrIsTerminal else { return }
    for method in methods {
        if let store = method.store, store.reusedCount > 0 {
            console.error("\(method.name): \(store.reusedCount) vector(s) reused from \(store.location)")
        }
    }
}

extension EfficientNetLite.Pooling: ExpressibleByArgument {}
extension MethodSettings.Focus: ExpressibleByArgument {}
