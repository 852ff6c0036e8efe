import ArgumentParser
import Base
import Foundation
import Tensor

// How a command runs rather than what it computes: threads, the convolutions' arithmetic and the
// progress display, each a group of its own so that every command takes the ones that apply.

/// `--threads`: train, ablate, experiment, demo and bench.
struct ThreadsOption: ParsableArguments {
    @Option(help: Bounds.threads.help("Worker threads (default: $PIX2PIX_THREADS, else all cores; a fixed count makes runs reproducible; a run records it for its resume)."))
    var threads: Int?

    func validate() throws {
        try Bounds.threads.check(threads, "--threads", hint: "more threads than cores only adds overhead")
    }

    /// Applies --threads before anything reads the thread count.
    func apply() {
        if let threads { Threads.set(threads) }
    }
}

/// `--precision`: train, ablate, experiment, demo, eval, translate, zoo publish and bench.
struct PrecisionOption: ParsableArguments {
    @Option(help: "Convolution arithmetic: fp32 (default), or bf16 (bf16 convolutions on AMX / AVX-512 BF16; weights, norms, losses and Adam stay fp32).")
    var precision: Precision?

    /// --precision, else fp32; throws ``Unavailable``, naming the option, when this machine cannot
    /// compute in it (bf16 without AVX-512). Read in `run()`, before any work: parsing stays the same
    /// on every machine.
    var resolved: Precision {
        get throws {
            let chosen = precision ?? .fp32
            if let reason = chosen.unavailableReason {
                throw Unavailable(description: "--precision \(chosen.rawValue) is not available: \(reason).")
            }
            return chosen
        }
    }

    /// The refusal of a precision this machine lacks. Not a `ValidationError`: the command line is
    /// well formed, so ArgumentParser prints only this message, without the usage block after it.
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }
}

/// `--plain`: commands that draw a progress bar on a terminal.
struct ProgressOption: ParsableArguments {
    @Flag(help: "Plain progress lines instead of a progress bar.") var plain = false
}
