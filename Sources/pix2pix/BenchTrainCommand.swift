import ArgumentParser
import Base
import Foundation
import NN
import Pix2Pix
import Tensor

/// Options shared by `bench train` and `bench infer`.
struct BenchStepOptions: ParsableArguments {
    /// --generator (default unet_256), --discriminator (default patchgan_70; train only) and their overrides.
    @OptionGroup(title: "Networks") var architecture: ArchitectureOptions

    @Option(help: Bounds.side.help("Image size; default: the generator's (256 for unet_256)."))
    var size: Int?

    @Option(help: Bounds.batch.help("Batch size."))
    var batch = 1

    @OptionGroup var precisionOption: PrecisionOption

    @Option(help: Bounds.iterations.help("Timed steps; the median and minimum are reported."))
    var iters = 10

    @Option(help: Bounds.smallCount.help("Untimed steps first (primitive creation, first-touch page faults)."))
    var warmup = 2

    @OptionGroup var threads: ThreadsOption

    @Flag(help: "Print where the time goes: per oneDNN primitive and per category.")
    var profile = false

    @Option(help: Bounds.smallCount.help("With --profile: how many of the costliest oneDNN primitives to list."))
    var profileTop = 30

    @Flag(help: """
        --profile, and under each of the costliest entries on a GEMM-based path (Winograd, GEMM) \
        its parts: transforms, GEMMs, im2col / col2im.
        """)
    var profileDetail = false

    /// Whether to profile (--profile or --profile-detail).
    var profiling: Bool { profile || profileDetail }

    @Flag(help: "Print only the JSON line (for scripts such as make bench-compare).")
    var json = false

    func validate() throws {
        try Bounds.batch.check(batch, "--batch")
        try Bounds.smallCount.check(profileTop, "--profile-top")
        try Bounds.iterations.check(iters, "--iters")
        try Bounds.smallCount.check(warmup, "--warmup")
        try Bounds.side.check(size, "--size")
    }

    /// The networks' options: the defaults with the architecture flags; seed 1.
    var trainingOptions: TrainingOptions {
        var o = TrainingOptions()
        architecture.apply(to: &o)
        o.seed = 1
        return o
    }

    var generator: String { trainingOptions.generator }
    var discriminator: String { trainingOptions.discriminator }
    var precision: Precision { precisionOption.precision ?? .fp32 }

    /// The image size: --size, or the trailing number of the generator's name.
    func imageSize() throws -> Int {
        if let size { return size }
        if let n = generator.split(separator: "_").last.flatMap({ Int($0) }) { return n }
        throw ValidationError("--size is needed for generator \(generator) (its name gives no size)")
    }

    /// Applies --threads before anything reads the thread count.
    func applyThreads() { threads.apply() }
}

/// `pix2pix bench train`: whole pix2pix training steps (G forward, D step, G step, two Adams).
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Seconds per pix2pix training step (median and min), GF/s and peak RSS.",
        discussion: """
            One step is the trainer's own (what `pix2pix train` runs), the reference's optimize_parameters: \
            fake = G(A); D step on \
            0.5·(BCE(D(A, fake.detach()), 0) + BCE(D(A, B), 1)); G step on BCE(D(A, fake), 1) + 100·L1(fake, B) \
            with D frozen; Adam (lr 2e-4, β 0.5, 0.999) for each. benchmarks/torch_reference.py runs the same \
            step in PyTorch; `make bench-compare` runs both alternately and prints the ratios.

            Under mpirun (`mpirun -np N pix2pix bench train …`) every rank runs the step on its own batch and \
            averages the gradients over the ranks before each Adam step, as data-parallel training does; rank 0 \
            prints the step time, the pairs per second over all ranks, and the all-reduce's share: seconds and \
            bytes per step.
            """
    )

    @OptionGroup var options: BenchStepOptions
    @Option(name: .customLong("allreduce-precision"), help: "Under mpirun: the arithmetic of the gradient all-reduce.")
    var allReducePrecision: AllReducePrecision = .fp32

    func run() throws {
        let world = try DistributedLaunch.start(threads: options.threads)
        try DistributedLaunch.run(world) { try bench(world: world) }
    }

    private func bench(world: any Communicator) throws {
        options.applyThreads()
        let size = try options.imageSize()
        let precision = try options.precisionOption.resolved
        let model = try Pix2PixModel(options: options.trainingOptions)
        let g = model.generator, d = model.discriminator
        g.train(); d.train()
        var rng = RandomGenerator(seed: 7)
        let a = Tensor.uniform([options.batch, size, size, 3], low: -1, high: 1, using: &rng)
        let b = Tensor.uniform([options.batch, size, size, 3], low: -1, high: 1, using: &rng)
        let reducer = world.isDistributed ? GradientAllReduce(communicator: world, precision: allReducePrecision) : nil
        if world.isDistributed {
            try g.broadcastState(over: world)
            try d.broadcastState(over: world)
        }

        // The trainer's own step (what `pix2pix train` runs) with its defaults, the reference's
        // settings: Adam lr 2e-4, β (0.5, 0.999) for each network, λ = 100, vanilla GAN.
        let trainer = try Pix2PixStep(model: model)
        trainer.gradientAllReduce = reducer
        func step() throws -> (lossD: Float, lossG: Float) {
            let losses = try Precision.with(precision) { try trainer.run(a: a, b: b) }
            return ((losses.dFake + losses.dReal) * 0.5, losses.gGAN + losses.gL1)
        }
        var runner = BenchRunner(options: options, title: "train \(options.generator) + \(options.discriminator)", size: size)
        runner.world = world
        runner.reducer = reducer
        try runner.run(step)
    }
}

/// `pix2pix bench infer`: generator forward passes in eval mode, without gradients.
struct BenchInferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Seconds per generator forward pass in eval mode (median and min), GF/s and peak RSS."
    )

    @OptionGroup var options: BenchStepOptions
    /// --weights, --input, --output (BenchInferIO.swift): the same weights and input as the other engines.
    @OptionGroup(title: "Same weights and input as another engine") var io: BenchInferIOOptions

    func run() throws {
        options.applyThreads()
        let size = try options.imageSize()
        let precision = try options.precisionOption.resolved
        let (g, channels) = try io.generator(options: options)
        g.eval()
        let a = try io.inputBatch(batch: options.batch, channels: channels, size: size)
        var last: Tensor?
        func step() throws -> (lossD: Float, lossG: Float) {
            try Precision.with(precision) {
                try withNoGrad {
                    let y = try g(a)
                    if io.output != nil { last = y }
                    return (y.mean().item, 0)
                }
            }
        }
        // Peak RSS before the first pass: what loading the weights (and building the network) cost.
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        try BenchRunner(options: options, title: "infer \(options.generator)", size: size,
                        extraFields: [String(format: "\"rss_after_load_mb\": %.1f", Double(usage.ru_maxrss) / 1024),
                                      "\"weights\": \(io.weights == nil ? "\"random\"" : "\"file\"")"])
            .run(step)
        try io.writeOutput(last)
    }
}

/// Times a step: warm-up, timed iterations, optional profile, then the report and one JSON line.
struct BenchRunner {
    let options: BenchStepOptions
    let title: String
    let size: Int
    /// Data-parallel `bench train`: the ranks (only rank 0 prints) and their gradient all-reduce.
    var world: any Communicator = SingleProcess()
    var reducer: GradientAllReduce?
    /// More `"key": value` pairs for the JSON line.
    var extraFields: [String] = []

    func run(_ step: () throws -> (lossD: Float, lossG: Float)) throws {
        let printing = world.isWriter
        if !options.json && printing {
            let ranks = world.isDistributed ? ", \(world.size) ranks (mpirun), \(reducer?.precision.rawValue ?? "fp32") all-reduce" : ""
            print("pix2pix bench \(title): \(size)², batch \(options.batch)\(world.isDistributed ? " per rank" : ""), \(options.precision.rawValue), "
                  + "\(Threads.count) threads\(world.isDistributed ? " per rank" : "")\(ranks), oneDNN \(OneDNNInfo.version), \(OneDNNInfo.instructionSet), \(ProcessAllocator.name)")
            fflush(nil)
        }
        for _ in 0..<options.warmup { _ = try step() }
        // FLOPs of one step: the convolution FLOPs the profiler counts during one extra step.
        Profiler.reset()
        Profiler.isEnabled = true
        _ = try step()
        Profiler.isEnabled = false
        let stepFlops = Profiler.entries().reduce(0) { $0 + $1.flops }
        Profiler.reset()
        Profiler.isEnabled = options.profiling
        Profiler.isDetailed = options.profileDetail

        var times: [Double] = []
        var last: (lossD: Float, lossG: Float) = (0, 0)
        let reduced = reducer?.statistics ?? GradientAllReduce.Statistics()
        for _ in 0..<options.iters {
            let start = DispatchTime.now().uptimeNanoseconds
            last = try step()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        Profiler.isEnabled = false
        let sorted = times.sorted()
        let mid = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        let minimum = sorted[0]
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let rssMB = Double(usage.ru_maxrss) / 1024

        // The all-reduce's share of the timed steps (data-parallel runs).
        let after = reducer?.statistics ?? GradientAllReduce.Statistics()
        let reduceSeconds = (after.seconds - reduced.seconds) / Double(options.iters)
        let reduceBytes = (after.bytes - reduced.bytes) / options.iters
        let pairsPerSecond = Double(world.size * options.batch) / median
        guard printing else { return }
        if options.profiling { printProfile(iterations: options.iters, stepSeconds: median) }
        if !options.json {
            print(String(format: "median %.4f s, min %.4f s per step; %.2f GFLOP (convolutions) per step, %.1f GF/s; peak RSS %.0f MB",
                         median, minimum, stepFlops / 1e9, stepFlops / median / 1e9, rssMB))
            if world.isDistributed {
                print(String(format: "%d ranks: %.2f pairs/s; gradient all-reduce %.4f s and %.1f MB per step and rank (%.2f GB/s)",
                             world.size, pairsPerSecond, reduceSeconds, Double(reduceBytes) / 1e6, Double(reduceBytes) / max(reduceSeconds, 1e-12) / 1e9))
            }
        }
        let fields: [String] = [
            "\"impl\": \"pix2pix\"", "\"title\": \"\(title)\"", "\"size\": \(size)", "\"batch\": \(options.batch)",
            "\"threads\": \(Threads.count)", "\"precision\": \"\(options.precision.rawValue)\"", "\"iters\": \(options.iters)",
            "\"warmup\": \(options.warmup)", String(format: "\"median_s\": %.6f", median),
            String(format: "\"min_s\": %.6f", minimum), String(format: "\"gflop_per_step\": %.4f", stepFlops / 1e9),
            String(format: "\"gf_per_s\": %.2f", stepFlops / median / 1e9), String(format: "\"peak_rss_mb\": %.1f", rssMB),
            String(format: "\"losses\": [%.5f, %.5f]", Double(last.lossD), Double(last.lossG)),
            "\"onednn\": \"\(OneDNNInfo.version)\"", "\"isa\": \"\(OneDNNInfo.instructionSet)\"",
            "\"allocator\": \"\(ProcessAllocator.name)\"",
        ] + (world.isDistributed ? ["\"ranks\": \(world.size)", String(format: "\"pairs_per_s\": %.3f", pairsPerSecond),
                                    String(format: "\"allreduce_s\": %.6f", reduceSeconds), "\"allreduce_bytes\": \(reduceBytes)",
                                    "\"allreduce_precision\": \"\(reducer?.precision.rawValue ?? "fp32")\""] : []) + extraFields
        print("{" + fields.joined(separator: ", ") + "}")
        fflush(nil)  // all streams: piped stdout is fully buffered
    }

    /// The profile: totals per category (kind of op and pass), then the costliest entries (--profile-top).
    private func printProfile(iterations: Int, stepSeconds: Double) {
        let entries = Profiler.entries()
        var categories: [String: (seconds: Double, calls: Int, flops: Double)] = [:]
        for e in entries {
            let c = Self.category(e.name)
            categories[c, default: (0, 0, 0)].seconds += e.seconds
            categories[c, default: (0, 0, 0)].calls += e.calls
            categories[c, default: (0, 0, 0)].flops += e.flops
        }
        let n = Double(iterations)
        print("profile (per step; median step \(String(format: "%.1f", stepSeconds * 1e3)) ms):")
        print("  category                          ms/step   calls   GF/s   share")
        var covered = 0.0
        for (name, v) in categories.sorted(by: { $0.value.seconds > $1.value.seconds }) {
            covered += v.seconds / n
            let rate = v.flops > 0 ? String(format: "%.1f", v.flops / v.seconds / 1e9) : ""
            print("  " + Self.pad(name, 32) + String(format: " %8.1f %7d ", v.seconds / n * 1e3, v.calls / iterations)
                  + Self.pad(rate, 6, right: true) + String(format: " %6.1f%%", v.seconds / n / stepSeconds * 100))
        }
        print("  " + Self.pad("not in the profile", 32) + String(format: " %8.1f", (stepSeconds - covered) * 1e3))
        print("  costliest entries (ms/step, GF/s\(options.profileDetail ? "; ▸ their parts, ms/step and share" : "")):")
        let parts = Dictionary(grouping: Profiler.parts(), by: \.owner)
        for e in entries.prefix(options.profileTop) {
            let rate = e.flops > 0 ? String(format: "%6.1f", e.flops / e.seconds / 1e9) : "      "
            print(String(format: "  %8.2f ", e.seconds / n * 1e3) + rate + "  " + e.name)
            for p in parts[e.name] ?? [] {
                print(String(format: "  %8.2f         ▸ ", p.seconds / n * 1e3) + p.part
                      + String(format: " (%.0f%%)", p.seconds / e.seconds * 100))
            }
        }
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }

    /// `conv|…|fwd|train|b0` → `conv fwd`; `reorder|conv|…|weights_in` → `reorder weights_in`.
    static func category(_ name: String) -> String {
        let bare = name.split(separator: " [").first.map(String.init) ?? name
        let parts = bare.split(separator: "|").map(String.init)
        guard let first = parts.first else { return name }
        if first == "reorder" { return "reorder " + (parts.last ?? "") }
        let stages = ["fwd", "bwd_data", "bwd_weights", "bwd"]
        if let stage = parts.first(where: { stages.contains($0) }) { return first + " " + stage }
        return first
    }
}
