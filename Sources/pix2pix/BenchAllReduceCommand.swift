import ArgumentParser
import Base
import Foundation
import NN
import Pix2Pix
import Tensor

/// `mpirun -np N pix2pix bench allreduce`: what averaging one step's gradients costs between the ranks.
struct BenchAllReduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "Seconds and GB/s of the gradient all-reduce between mpirun's ranks, by bucket size and precision.",
        discussion: """
            Run it under mpirun: `mpirun -np 2 pix2pix bench allreduce`. Every rank holds gradients shaped like \\
            the parameters of --generator and --discriminator (default unet_256 + patchgan_70, 57.2 M floats, \\
            229 MB) and averages them as training does (GradientAllReduce), for each --bucket-mb and precision; \\
            rank 0 prints the median seconds per step, the payload per rank and second ("algorithm bandwidth"), \\
            and the bytes each rank moves per second in a ring all-reduce, 2(N−1)/N times the payload ("bus \\
            bandwidth", the number to compare with a network's speed). The bf16 row also gives the relative \\
            error of its average against the fp32 one.
            """
    )

    @OptionGroup(title: "Networks") var architecture: ArchitectureOptions
    @Option(name: .customLong("bucket-mb"), help: "Bucket sizes in MiB, comma-separated (the trainer uses 4).", transform: ArgumentList.names)
    var buckets: [[String]] = [["1", "4", "16", "64"]]
    @Option(help: Bounds.iterations.help("Timed all-reduces per case; the median is reported."))
    var iters = 5
    @OptionGroup var threads: ThreadsOption

    func validate() throws {
        try Bounds.iterations.check(iters, "--iters")
        for item in buckets.flatMap({ $0 }) {
            guard let mb = Int(item), (1...4096).contains(mb) else { throw ValidationError("--bucket-mb: \"\(item)\" is not a size in 1–4096 MiB") }
        }
    }

    func run() throws {
        let world = try DistributedLaunch.start(threads: threads)
        try DistributedLaunch.run(world) { try bench(world: world) }
    }

    private func bench(world: any Communicator) throws {
        guard world.isDistributed else {
            throw ValidationError("bench allreduce measures traffic between ranks: run it under mpirun, e.g. `mpirun -np 2 pix2pix bench allreduce`")
        }
        var options = TrainingOptions()
        architecture.apply(to: &options)
        let model = try Pix2PixModel(options: options)
        let parameters = model.generator.namedParameters() + model.discriminator.namedParameters()
        let count = parameters.reduce(0) { $0 + $1.tensor.count }
        var rng = RandomGenerator(seed: 100 + UInt64(world.rank))
        let reference = parameters.map { Tensor.uniform($0.tensor.shape, low: -1e-3, high: 1e-3, using: &rng) }
        func reset() { for (p, g) in zip(parameters, reference) { p.tensor.grad = g.copy() } }
        if world.isWriter {
            print("pix2pix bench allreduce: \(world.size) ranks, \(options.generator) + \(options.discriminator) gradients: "
                  + "\(Format.grouped(count)) floats (\(String(format: "%.1f", Double(count) * 4 / 1e6)) MB fp32), median of \(iters)")
            print("precision  bucket MiB   s/step   MB/rank   algo GB/s   bus GB/s")
            fflush(nil)
        }
        let sizes = buckets.flatMap { $0 }.compactMap { Int($0) }
        var fp32Result: [[Float]]?
        for precision in AllReducePrecision.allCases {
            for mb in sizes {
                let reducer = GradientAllReduce(communicator: world, bucketBytes: mb << 20, precision: precision)
                reset()
                try reducer.average(parameters)  // warm-up: buffers, connections
                var times: [Double] = []
                for _ in 0..<iters {
                    reset()
                    try world.barrier()
                    let start = DispatchTime.now().uptimeNanoseconds
                    try reducer.average(parameters)
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                }
                var slowest = times.sorted()
                try world.allReduce(&slowest, .max)  // the slowest rank sets the pace
                let median = slowest[slowest.count / 2]
                let bytes = Double(reducer.statistics.bytes) / Double(iters + 1)
                let n = Double(world.size)
                if world.isWriter {
                    print(String(format: "%-9@  %10d  %7.4f  %8.1f  %10.2f  %9.2f", precision.rawValue as NSString, mb, median, bytes / 1e6,
                                 bytes / median / 1e9, 2 * (n - 1) / n * bytes / median / 1e9))
                    fflush(nil)
                }
            }
            // The error of the bf16 average against the fp32 one (largest bucket's result).
            let result = parameters.map { $0.tensor.grad?.scalars ?? [] }
            if precision == .fp32 { fp32Result = result } else if let exact = fp32Result, world.isWriter {
                var diff = 0.0, norm = 0.0
                for (x, y) in zip(result, exact) {
                    for (a, b) in zip(x, y) { diff += Double(a - b) * Double(a - b); norm += Double(b) * Double(b) }
                }
                print(String(format: "bf16 average vs fp32: relative error %.2e (‖Δ‖/‖g‖)", (diff / max(norm, 1e-300)).squareRoot()))
            }
        }
    }
}
