import ArgumentParser
import Lookalike

@main
struct LookalikeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookalike",
        abstract: "Find images of the same product: perceptual hashes, masks and deep features, one grouper.",
        discussion: """
        Exit status: 0 when every file was processed; 1 when some files failed (each named on stderr) \
        and the others were processed; 2 when no file could be processed; 64 for a usage error; 69 when a method \
        cannot start (weights file missing or wrong); 73 when a report or manifest cannot be written.
        """,
        subcommands: [HashCommand.self, GroupCommand.self, DedupeCommand.self, UndoCommand.self, EvaluateCommand.self, CompareCommand.self, RobustnessCommand.self, AttributesCommand.self, VerifyCommand.self, SearchCommand.self, NeighboursCommand.self, TuneCommand.self, MaskCommand.self, EmbedCommand.self, ModelsCommand.self, TrainCommand.self]
    )
}

/// Exit codes shared by every subcommand (documented in the README and `--help`).
enum ExitStatus {
    static let someFailed = ExitCode(1)
    static let noneProcessed = ExitCode(2)
    static let methodUnavailable = ExitCode(69)
    /// A report, manifest, error list or moved file could not be written (disk full, permission, read-only).
    static let cannotWrite = ExitCode(73)
}
