import Base
import Foundation

/// Settings of a `PairLoader`. Codable with snake_case keys; missing keys take the defaults.
public struct PairLoaderOptions: Codable, Sendable, Equatable {
    /// Pairs per batch.
    public var batchSize: Int
    /// Both images are first resized to loadSize x loadSize (the reference's --load_size, 286).
    public var loadSize: Int
    /// Then a random cropSize x cropSize window is cut (the reference's --crop_size, 256).
    public var cropSize: Int
    /// Random horizontal flip with probability 1/2 (the reference's default; --no_flip turns it off).
    public var flip: Bool
    /// A new seeded order every epoch; otherwise dataset order.
    public var shuffle: Bool
    /// Drop a final partial batch.
    public var dropLast: Bool
    /// Seeds order and jitter; with the same seed, dataset and options every batch is identical.
    public var seed: UInt64
    /// Convert A / B to this many channels (1 or 3); nil keeps the dataset's.
    public var channelsA: Int?
    public var channelsB: Int?
    /// Resize filter for the load-size resize (auto = area when shrinking, bicubic when growing,
    /// like the reference's bicubic PIL resize for the usual 256 → 286).
    public var resizeFilter: ResizeFilter

    public init(batchSize: Int = 1, loadSize: Int = 286, cropSize: Int = 256, flip: Bool = true, shuffle: Bool = true,
                dropLast: Bool = false, seed: UInt64 = 0, channelsA: Int? = nil, channelsB: Int? = nil,
                resizeFilter: ResizeFilter = .auto) {
        self.batchSize = batchSize
        self.loadSize = loadSize
        self.cropSize = cropSize
        self.flip = flip
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed
        self.channelsA = channelsA
        self.channelsB = channelsB
        self.resizeFilter = resizeFilter
    }

    /// No jitter: resize straight to `size`, no crop offset, no flip, dataset order (evaluation).
    public static func evaluation(size: Int = 256, batchSize: Int = 1) -> PairLoaderOptions {
        PairLoaderOptions(batchSize: batchSize, loadSize: size, cropSize: size, flip: false, shuffle: false)
    }

    enum CodingKeys: String, CodingKey {
        case batchSize = "batch_size", loadSize = "load_size", cropSize = "crop_size", flip, shuffle
        case dropLast = "drop_last", seed, channelsA = "channels_a", channelsB = "channels_b", resizeFilter = "resize_filter"
    }

    public init(from decoder: Decoder) throws {
        let d = PairLoaderOptions()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        loadSize = try c.decodeIfPresent(Int.self, forKey: .loadSize) ?? d.loadSize
        cropSize = try c.decodeIfPresent(Int.self, forKey: .cropSize) ?? d.cropSize
        flip = try c.decodeIfPresent(Bool.self, forKey: .flip) ?? d.flip
        shuffle = try c.decodeIfPresent(Bool.self, forKey: .shuffle) ?? d.shuffle
        dropLast = try c.decodeIfPresent(Bool.self, forKey: .dropLast) ?? d.dropLast
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        channelsA = try c.decodeIfPresent(Int.self, forKey: .channelsA)
        channelsB = try c.decodeIfPresent(Int.self, forKey: .channelsB)
        resizeFilter = try c.decodeIfPresent(ResizeFilter.self, forKey: .resizeFilter) ?? d.resizeFilter
    }

    public func validate() throws {
        func bad(_ message: String) -> ImagingError { .invalidArgument(operation: "PairLoaderOptions", message: message) }
        guard batchSize >= 1 else { throw bad("batch size must be >= 1, got \(batchSize)") }
        guard cropSize >= 1 else { throw bad("crop size must be >= 1, got \(cropSize)") }
        guard loadSize >= cropSize else { throw bad("load size \(loadSize) is smaller than crop size \(cropSize)") }
        for c in [channelsA, channelsB].compactMap({ $0 }) where c != 1 && c != 3 {
            throw bad("channels must be 1 or 3, got \(c)")
        }
    }
}

/// The random parameters applied to one pair, identical for A and B.
public struct JitterParameters: Codable, Sendable, Equatable {
    public var loadSize: Int
    public var cropX: Int
    public var cropY: Int
    public var cropSize: Int
    public var flip: Bool

    /// Resize to loadSize², crop, flip: the reference's resize_and_crop + flip.
    public func apply(to image: Image, filter: ResizeFilter = .auto) -> Image {
        var out = image.resized(width: loadSize, height: loadSize, filter: filter)
        out = out.cropped(x: cropX, y: cropY, width: cropSize, height: cropSize)
        return flip ? out.horizontallyFlipped() : out
    }
}

/// The loader's position, for exact resume: restoring it (with the same dataset and options)
/// continues with exactly the batches an uninterrupted run would have produced.
public struct PairLoaderState: Codable, Sendable, Equatable {
    public var seed: UInt64
    public var epoch: Int
    /// Index into this epoch's order of the next pair to load.
    public var position: Int
    /// The dataset size the state belongs to (checked on restore).
    public var datasetCount: Int

    enum CodingKeys: String, CodingKey { case seed, epoch, position, datasetCount = "dataset_count" }
}

/// One batch: NHWC float buffers in [-1, 1] for A and B.
public struct PairBatch: Sendable {
    /// [count, height, width, channelsA] floats.
    public var a: [Float]
    /// [count, height, width, channelsB] floats.
    public var b: [Float]
    public var count: Int
    public var height: Int
    public var width: Int
    public var channelsA: Int
    public var channelsB: Int
    /// Dataset indices of the pairs, in batch order.
    public var indices: [Int]
    public var epoch: Int
    /// The pairs of the whole step over every rank (``PairLoaderShard``); `count` with one rank.
    public var globalCount: Int
    public var shapeA: [Int] { [count, height, width, channelsA] }
    public var shapeB: [Int] { [count, height, width, channelsB] }
}

/// Feeds a trainer: seeded per-epoch shuffling, reference-style jitter (the same resize, crop and
/// flip for A and B), batching into NHWC float buffers in [-1, 1].
///
/// Randomness is keyed, not sequential: the order of epoch e comes from (seed, e) and the jitter of
/// the pair at position p of epoch e from (seed, e, p). So the state is just (epoch, position), the
/// work of one batch is spread over threads without changing results, and a restored state
/// reproduces an uninterrupted run exactly.
///
/// Not thread-safe: one loader per training loop.
///
/// With a ``PairLoaderShard`` of N ranks, each step takes the next N × batchSize positions of the
/// epoch's order (the *global batch*) and this loader returns its rank's share: rank r gets
/// positions [r·b, (r+1)·b) of it, so N ranks with batch b see together exactly the pairs, crops
/// and flips one process with batch N·b sees. A final partial global batch of n pairs is split
/// as evenly as possible (⌊n/N⌋ or ⌈n/N⌉ each); when fewer pairs than ranks remain, they are
/// left out of that epoch (every rank needs at least one). The state (epoch, position) is global.
public final class PairLoader {
    public let dataset: any PairedDataset
    public let options: PairLoaderOptions
    /// Which share of every global batch this loader returns.
    public let shard: PairLoaderShard
    public private(set) var epoch = 0
    public private(set) var position = 0
    private var order: [Int]

    public init(dataset: any PairedDataset, options: PairLoaderOptions, shard: PairLoaderShard = .whole) throws {
        try options.validate()
        guard dataset.count > 0 else { throw ImagingError.noImages(path: dataset.name, hint: "the dataset has no pairs") }
        guard shard.ranks >= 1, (0..<shard.ranks).contains(shard.rank) else {
            throw ImagingError.invalidArgument(operation: "PairLoader", message: "rank \(shard.rank) is outside 0..<\(shard.ranks)")
        }
        guard shard.ranks <= dataset.count else {
            throw ImagingError.invalidArgument(operation: "PairLoader", message: "\(shard.ranks) ranks need at least \(shard.ranks) pairs (one each per step), but \(dataset.name) has \(dataset.count)")
        }
        self.dataset = dataset
        self.options = options
        self.shard = shard
        order = []
        order = orderFor(epoch: 0)
    }

    public var channelsA: Int { options.channelsA ?? dataset.channelsA }
    public var channelsB: Int { options.channelsB ?? dataset.channelsB }

    /// Pairs per step over every rank: ranks × batchSize.
    public var globalBatchSize: Int { shard.ranks * options.batchSize }

    /// Batches (steps) per epoch: a final partial batch counts unless dropLast, or, with several
    /// ranks, unless it holds fewer pairs than ranks.
    public var batchesPerEpoch: Int {
        let g = globalBatchSize, rest = dataset.count % g
        return dataset.count / g + (options.dropLast || rest < shard.ranks ? 0 : 1)
    }

    /// Whether the current epoch has no batch left (``nextBatch()`` would return nil).
    public var isEpochFinished: Bool {
        let remaining = dataset.count - position
        return remaining <= 0 || remaining < shard.ranks || (options.dropLast && remaining < globalBatchSize)
    }

    public var state: PairLoaderState {
        PairLoaderState(seed: options.seed, epoch: epoch, position: position, datasetCount: dataset.count)
    }

    /// Continues from a saved state. Throws when it belongs to another seed or dataset size.
    public func restore(_ state: PairLoaderState) throws {
        guard state.seed == options.seed, state.datasetCount == dataset.count else {
            throw ImagingError.mismatch(path: dataset.name, message: "loader state is for seed \(state.seed) and \(state.datasetCount) pairs, but this loader has seed \(options.seed) and \(dataset.count) pairs")
        }
        guard state.epoch >= 0, state.position >= 0, state.position <= dataset.count else {
            throw ImagingError.invalidArgument(operation: "PairLoader.restore", message: "invalid position \(state.position) / epoch \(state.epoch)")
        }
        epoch = state.epoch
        position = state.position
        order = orderFor(epoch: epoch)
    }

    /// The dataset order of `epoch`.
    public func orderFor(epoch: Int) -> [Int] {
        guard options.shuffle else { return Array(0..<dataset.count) }
        var rng = RandomGenerator(seed: options.seed, stream: [0x6F72_6465_72, UInt64(epoch)])
        return rng.permutation(dataset.count)
    }

    /// The jitter of the pair at `position` in `epoch`'s order.
    public func jitter(epoch: Int, position: Int) -> JitterParameters {
        var rng = RandomGenerator(seed: options.seed, stream: [0x6A69_7474_6572, UInt64(epoch), UInt64(position)])
        let room = options.loadSize - options.cropSize
        let x = room > 0 ? rng.nextInt(below: room + 1) : 0
        let y = room > 0 ? rng.nextInt(below: room + 1) : 0
        let flip = options.flip && rng.nextInt(below: 2) == 1
        return JitterParameters(loadSize: options.loadSize, cropX: x, cropY: y, cropSize: options.cropSize, flip: flip)
    }

    /// Loads pair `index` with jitter `params` applied to A and B alike, converted to the loader's channels.
    public func load(index: Int, params: JitterParameters) throws -> (a: Image, b: Image) {
        let pair = try dataset.pair(at: index)
        guard pair.a.width == pair.b.width, pair.a.height == pair.b.height else {
            throw ImagingError.mismatch(path: dataset.name, message: "pair \(index): A is \(pair.a.width)x\(pair.a.height) but B is \(pair.b.width)x\(pair.b.height)")
        }
        let a = params.apply(to: pair.a.converted(toChannels: channelsA), filter: options.resizeFilter)
        let b = params.apply(to: pair.b.converted(toChannels: channelsB), filter: options.resizeFilter)
        return (a, b)
    }

    /// The next batch of the current epoch, or nil when the epoch is used up (call `startNextEpoch()`).
    /// With several ranks: this rank's share of the next global batch (see the type's description).
    public func nextBatch() throws -> PairBatch? {
        if isEpochFinished { return nil }
        let total = min(globalBatchSize, dataset.count - position)
        let ranks = shard.ranks, base = total / ranks, extra = total % ranks
        let start = position + shard.rank * base + min(shard.rank, extra)
        let n = base + (shard.rank < extra ? 1 : 0)
        let size = options.cropSize, ca = channelsA, cb = channelsB
        let perA = size * size * ca, perB = size * size * cb
        var a = [Float](repeating: 0, count: n * perA)
        var b = [Float](repeating: 0, count: n * perB)
        let indices = Array(order[start..<(start + n)])
        let jitters = (0..<n).map { jitter(epoch: epoch, position: start + $0) }
        try a.withUnsafeMutableBufferPointer { aBuf in
            try b.withUnsafeMutableBufferPointer { bBuf in
                // Each index writes only its own slots of the two buffers.
                let bases = UncheckedSendable((aBuf.baseAddress!, bBuf.baseAddress!))
                try parallelFor(n) { (_, i) throws in
                    let (aBase, bBase) = bases.value
                    let pair = try load(index: indices[i], params: jitters[i])
                    pair.a.writeUnitFloats(into: aBase + i * perA)
                    pair.b.writeUnitFloats(into: bBase + i * perB)
                }
            }
        }
        let batch = PairBatch(a: a, b: b, count: n, height: size, width: size, channelsA: ca, channelsB: cb,
                              indices: indices, epoch: epoch, globalCount: total)
        position += total
        return batch
    }

    /// Moves to the start of the next epoch (new order when shuffling).
    public func startNextEpoch() {
        epoch += 1
        position = 0
        order = orderFor(epoch: epoch)
    }
}

/// Which share of every global batch a ``PairLoader`` returns: rank `rank` of `ranks` data-parallel
/// processes.
public struct PairLoaderShard: Codable, Sendable, Equatable {
    public var rank: Int
    public var ranks: Int
    public init(rank: Int, of ranks: Int) {
        self.rank = rank
        self.ranks = ranks
    }
    /// One process: every batch whole.
    public static let whole = PairLoaderShard(rank: 0, of: 1)
}
