import Base
import CKernels
import COneDNN
import Foundation

/// oneDNN argument indices (the `DNNL_ARG_*` macros of dnnl_types.h, 2.6).
enum DNNLArg {
    static let src: Int32 = 1
    static let dst: Int32 = 17
    static let weights: Int32 = 33
    static let bias: Int32 = 41
    static let mean: Int32 = 49
    static let variance: Int32 = 50
    static let scale: Int32 = 51
    static let shift: Int32 = 52
    static let diffSrc: Int32 = 129
    static let diffDst: Int32 = 145
    static let diffWeights: Int32 = 161
    static let diffBias: Int32 = 169
    static let diffScale: Int32 = 255
    static let diffShift: Int32 = 256
    static let scratchpad: Int32 = 80
    static let from: Int32 = 1
    static let to: Int32 = 17
}

/// Turns a oneDNN status into `TensorError.backend` naming the op and the call that failed.
@inline(__always)
func dnnlCheck(_ status: dnnl_status_t, _ op: String, _ call: @autoclosure () -> String) throws {
    guard status == dnnl_success else {
        throw TensorError.backend(op: op, status: Int32(bitPattern: status.rawValue),
                                  detail: "\(call()) failed: \(dnnlStatusName(status))")
    }
}

func dnnlStatusName(_ status: dnnl_status_t) -> String {
    switch status {
    case dnnl_out_of_memory: return "out of memory"
    case dnnl_invalid_arguments: return "invalid arguments (shapes or parameters oneDNN cannot accept)"
    case dnnl_unimplemented: return "unimplemented (no oneDNN kernel for this shape/layout)"
    case dnnl_iterator_ends: return "iterator ends"
    case dnnl_runtime_error: return "runtime error"
    case dnnl_not_required: return "not required"
    default: return "status \(status.rawValue)"
    }
}

/// The process-wide oneDNN state: one CPU engine, one in-order stream, a cache of primitives
/// keyed by op + shapes + parameters, and a lock.
///
/// Every oneDNN execution goes through ``run(_:)``, which holds the lock: oneDNN's OpenMP runtime
/// gives each calling thread its own thread team, so two threads executing at once (Swift Testing
/// runs tests in parallel) would oversubscribe the cores. Primitive descriptors are
/// created once per key and reused; oneDNN's own primitive cache then has nothing left to do.
///
/// Every primitive is created with ``attributes``, which make the scratchpad user-managed: oneDNN
/// 2.x otherwise gives each primitive its creating thread's thread-local scratchpad, and a
/// primitive cached here and executed later from another thread (Swift concurrency moves tasks
/// between threads) reads that thread's scratchpad instead: null (the gemm-based convolutions
/// then fail with "invalid arguments") or smaller than it needs (a heap overflow). One buffer
/// owned by the runtime (``scratchpad(bytes:)``) serves every execution, which the lock serialises.
final class DNNLRuntime: @unchecked Sendable {
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t
    /// The attributes every primitive descriptor is created with: a user-managed scratchpad.
    let attributes: dnnl_primitive_attr_t
    private let lock = NSRecursiveLock()
    private var primitives: [String: DNNLPrimitive] = [:]
    private let setOMPThreads: (@convention(c) (Int32) -> Void)?
    /// The scratchpad buffer shared by all executions (grown to the largest request).
    private var scratchpadStorage: TensorStorage?

    private init(engine: dnnl_engine_t, stream: dnnl_stream_t, attributes: dnnl_primitive_attr_t) {
        self.engine = engine
        self.stream = stream
        self.attributes = attributes
        // libdnnl links libgomp; omp_set_num_threads sets the calling thread's team size.
        if let symbol = dlsym(nil, "omp_set_num_threads") {
            setOMPThreads = unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Void).self)
        } else {
            setOMPThreads = nil
        }
    }

    private static let created: Result<DNNLRuntime, TensorError> = {
        var engine: dnnl_engine_t?
        var status = dnnl_engine_create(&engine, dnnl_cpu, 0)
        guard status == dnnl_success, let engine else {
            return .failure(.backend(op: "oneDNN", status: Int32(bitPattern: status.rawValue),
                                     detail: "dnnl_engine_create(cpu) failed: \(dnnlStatusName(status))"))
        }
        var stream: dnnl_stream_t?
        status = dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue)
        guard status == dnnl_success, let stream else {
            return .failure(.backend(op: "oneDNN", status: Int32(bitPattern: status.rawValue),
                                     detail: "dnnl_stream_create failed: \(dnnlStatusName(status))"))
        }
        var attributes: dnnl_primitive_attr_t?
        status = dnnl_primitive_attr_create(&attributes)
        if status == dnnl_success, let attributes {
            status = dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user)
        }
        guard status == dnnl_success, let attributes else {
            return .failure(.backend(op: "oneDNN", status: Int32(bitPattern: status.rawValue),
                                     detail: "dnnl_primitive_attr_create / set_scratchpad_mode failed: \(dnnlStatusName(status))"))
        }
        return .success(DNNLRuntime(engine: engine, stream: stream, attributes: attributes))
    }()

    /// The shared runtime; throws `TensorError.backend` when oneDNN cannot create a CPU engine.
    static func shared() throws -> DNNLRuntime { try created.get() }

    /// Runs `body` holding the runtime lock (re-entrant), with the calling thread's OpenMP team
    /// size set to `Threads.count` (the setting is per thread, and oneDNN also reads it when it
    /// plans a primitive's work split).
    func run<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        setOMPThreads?(Int32(Threads.count))
        return try body()
    }

    /// The cached primitive for `key`, created by `make` on first use. Call inside ``run(_:)``.
    func primitive(_ key: String, op: String, make: () throws -> dnnl_primitive_desc_t) throws -> DNNLPrimitive {
        if let cached = primitives[key] { return cached }
        let pd = try make()
        let p = try DNNLPrimitive(pd: pd, op: op)
        p.label = key + " [" + p.implementation + "]"
        primitives[key] = p
        return p
    }

    // MARK: weights reordered into the layouts primitives chose

    /// One tensor's values in one oneDNN layout (and data type), valid while the storage's version
    /// is `version`.
    final class DerivedWeights {
        weak var source: TensorStorage?
        /// Which rearrangement of the source's values was copied ("" for the values themselves,
        /// "phase01" for a phase kernel: ``DNNLConvolution/phaseWeightsMemory``).
        let tag: String
        /// How the source's values are read (the plain layout) and the layout they are copied into.
        let plain: dnnl_memory_desc_t
        let layout: dnnl_memory_desc_t
        let memory: DNNLMemory
        var version: UInt64
        init(source: TensorStorage, tag: String, plain: dnnl_memory_desc_t, layout: dnnl_memory_desc_t,
             memory: DNNLMemory, version: UInt64) {
            self.source = source
            self.tag = tag
            self.plain = plain
            self.layout = layout
            self.memory = memory
            self.version = version
        }

        /// Made before the storage's previous version: no pass refreshed it in the last two
        /// versions (a training step refreshes every copy it uses once per optimizer step, so a
        /// copy two steps old belongs to another kind of pass, an eval pass between training
        /// steps: `DNNLConvolution.inferenceReadsCachedWeights`). Such copies are dropped whenever
        /// another copy of the storage is made or refreshed, instead of staying for the weight's
        /// lifetime.
        func outdated(_ storage: TensorStorage) -> Bool { version &+ 1 < storage.version }

        func matches(_ storage: TensorStorage, tag: String, plain: dnnl_memory_desc_t, layout: dnnl_memory_desc_t) -> Bool {
            source === storage && self.tag == tag && DNNLDesc.equal(self.layout, layout) && DNNLDesc.equal(self.plain, plain)
        }
    }

    /// Reordered weights per source storage. A weight reordered for a forward pass serves the next
    /// forward passes (a discriminator runs three per pix2pix step) and backward-data until the
    /// optimizer (or any writer that calls `markModified()`) changes it; then the same buffer is
    /// refilled. Entries of storages that were freed are dropped as new ones come in.
    private var derived: [ObjectIdentifier: [DerivedWeights]] = [:]
    private var derivedInsertions = 0

    /// `storage`'s values (plain layout `plain`) in layout `chosen`: from the cache when the copy
    /// is current, else reordered (into the cached buffer when there is one). Call inside ``run(_:)``.
    ///
    /// With `store == false` a current cached copy is used when there is one, otherwise the values
    /// are reordered into a pooled buffer that is not kept (backward-data: for a generator, whose
    /// weights change every step, a second cached copy per weight would only add memory).
    ///
    /// Making or refreshing a copy drops the storage's ``DerivedWeights/outdated(_:)`` copies.
    ///
    /// `tag` names a rearrangement of `storage`'s values that `plain` holds (phase kernels); the
    /// copy is still valid while `storage`'s version is.
    func derivedWeights(_ storage: TensorStorage, tag: String = "", plain: DNNLMemory, chosen: dnnl_memory_desc_t,
                        key: String, op: String, store: Bool = true) throws -> DNNLMemory {
        let id = ObjectIdentifier(storage)
        if !store {
            if let current = currentDerivedWeights(storage, tag: tag, plain: plain.desc, chosen: chosen) {
                return current
            }
            let memory = try DNNLMemory(allocating: chosen, engine: engine, op: op)
            try reorder(plain, into: memory, key: key, op: op)
            return memory
        }
        if let entry = derived[id]?.first(where: { $0.matches(storage, tag: tag, plain: plain.desc, layout: chosen) }) {
            if entry.version != storage.version {
                try reorder(plain, into: entry.memory, key: key, op: op)
                entry.version = storage.version
                dropOutdatedCopies(of: storage)
            }
            return entry.memory
        }
        let memory = try DNNLMemory(allocating: chosen, engine: engine, op: op, pooled: false)
        try reorder(plain, into: memory, key: key, op: op)
        derivedInsertions += 1
        if derivedInsertions % 64 == 0 {
            // Forget the copies of freed tensors (an ObjectIdentifier may be reused by a new storage).
            derived = derived.compactMapValues { list in
                let live = list.filter { $0.source != nil }
                return live.isEmpty ? nil : live
            }
        }
        dropOutdatedCopies(of: storage)
        derived[id, default: []].append(DerivedWeights(source: storage, tag: tag, plain: plain.desc, layout: chosen,
                                                       memory: memory, version: storage.version))
        return memory
    }

    /// Keeps only `storage`'s own copies that are not ``DerivedWeights/outdated(_:)`` (an
    /// ObjectIdentifier may have been reused by a new storage).
    private func dropOutdatedCopies(of storage: TensorStorage) {
        let id = ObjectIdentifier(storage)
        derived[id] = derived[id]?.filter { $0.source === storage && !$0.outdated(storage) }
    }

    /// The cached copy of `storage`'s values (rearranged as `tag` says) in layout `chosen`, if
    /// there is one and it is current. Call inside ``run(_:)``.
    func currentDerivedWeights(_ storage: TensorStorage, tag: String, plain: dnnl_memory_desc_t,
                               chosen: dnnl_memory_desc_t) -> DNNLMemory? {
        derived[ObjectIdentifier(storage)]?.first {
            $0.matches(storage, tag: tag, plain: plain, layout: chosen) && $0.version == storage.version
        }?.memory
    }

    /// Copies of a weight rearranged for another kernel (flipped, phase kernels), per source
    /// storage and kind, with the source version they were made from.
    private final class TransformedWeights {
        weak var source: TensorStorage?
        let tensors: [Tensor]
        var version: UInt64
        init(source: TensorStorage, tensors: [Tensor], version: UInt64) {
            self.source = source
            self.tensors = tensors
            self.version = version
        }
    }

    private struct TransformKey: Hashable {
        let storage: ObjectIdentifier
        let kind: String
    }

    private var transformed: [TransformKey: TransformedWeights] = [:]

    /// `weight` rearranged by `fill` into tensors of `shapes`. For weights that track versions the
    /// copies are kept and refilled only when the weight changed; they track versions themselves,
    /// so their reordered forms are cached too. Otherwise fresh copies are made each call.
    /// Call inside ``run(_:)``.
    func transformedWeights(_ weight: Tensor, kind: String, shapes: [[Int]], fill: ([Tensor]) -> Void) -> [Tensor] {
        let storage = weight.storage
        func refill(_ tensors: [Tensor]) {
            Profiler.measure("transform|\(kind)") { fill(tensors) }
            for tensor in tensors { tensor.storage.markModified() }
        }
        func make() -> [Tensor] {
            shapes.map { shape in
                let t = Tensor.empty(shape)
                t.storage.tracksVersions = storage.tracksVersions
                return t
            }
        }
        guard storage.tracksVersions else {
            let tensors = make()
            refill(tensors)
            return tensors
        }
        let key = TransformKey(storage: ObjectIdentifier(storage), kind: kind)
        if let entry = transformed[key], entry.source === storage, entry.tensors.map(\.shape) == shapes {
            if entry.version != storage.version {
                refill(entry.tensors)
                entry.version = storage.version
            }
            return entry.tensors
        }
        let tensors = make()
        refill(tensors)
        transformed = transformed.filter { $0.value.source != nil }
        transformed[key] = TransformedWeights(source: storage, tensors: tensors, version: storage.version)
        return tensors
    }

    /// OIHW `weight` [outC, inC, k, k] as [inC, outC, k, k] flipped in both spatial axes
    /// (``DNNLConvolution/flippedGeometry(_:)``), cached per weight version. Call inside ``run(_:)``.
    func flippedWeights(_ weight: Tensor, outC: Int, inC: Int, k: Int) -> Tensor {
        transformedWeights(weight, kind: "flipped weights [\(outC)→\(inC)]", shapes: [[inC, outC, k, k]]) { tensors in
            let src = UncheckedSendable(weight.pointer), dst = UncheckedSendable(tensors[0].pointer)
            parallelRanges(outC, grain: max(1, (1 << 15) / max(1, inC * k * k))) { begin, end in
                ck_conv_weights_flip(dst.value, src.value, outC, inC, k, k, begin, end)
            }
        }[0]
    }

    private var scratchBuffers: [Tensor?] = []

    /// A grow-only scratch buffer of at least `count` floats for a kernel's temporaries (the
    /// Winograd paths' transformed tiles), one per `slot`, reused across calls: temporaries
    /// allocated and freed between long-lived activations fragmented the heap. Contents are
    /// undefined; valid until the next request for the same slot. Call inside ``run(_:)``.
    func scratch(_ slot: Int, count: Int) -> Tensor {
        while scratchBuffers.count <= slot { scratchBuffers.append(nil) }
        if let buffer = scratchBuffers[slot], buffer.count >= count { return buffer }
        scratchBuffers[slot] = nil  // the old buffer goes before the larger one is allocated
        let buffer = Tensor.empty([count])
        scratchBuffers[slot] = buffer
        return buffer
    }

    /// Bytes held by cached reordered weights (tests and benchmarks report it).
    var derivedWeightBytes: Int {
        run {
            derived.values.joined().filter { $0.source != nil }.reduce(0) { total, entry in
                var md = entry.layout
                return total + dnnl_memory_desc_get_size(&md)
            }
        }
    }

    /// The versions of `storage` that cached reordered copies hold (tests check invalidation with it).
    func derivedVersions(of storage: TensorStorage) -> [UInt64] {
        run { (derived[ObjectIdentifier(storage)] ?? []).filter { $0.source === storage }.map(\.version) }
    }

    /// Drops every cached reordered and rearranged weight (their memory is freed).
    func dropDerivedWeights() { run { derived = [:]; transformed = [:] } }

    /// The primitive cached under `key`, if any. Call inside ``run(_:)``.
    func cachedPrimitive(_ key: String) -> DNNLPrimitive? { primitives[key] }

    /// Caches `primitive` under `key` too (an alias for a choice made among candidates). Call inside ``run(_:)``.
    func setPrimitive(_ key: String, _ primitive: DNNLPrimitive) { primitives[key] = primitive }

    /// The cache keys containing `fragment` (tests use it to check that primitives are reused).
    func cachedKeys(containing fragment: String) -> [String] {
        run { primitives.keys.filter { $0.contains(fragment) }.sorted() }
    }

    /// Whether the OpenMP thread count can be set (omp_set_num_threads was found).
    var controlsThreadCount: Bool { setOMPThreads != nil }

    /// Executes `primitive` with `args` and waits for it. Call inside ``run(_:)``.
    func execute(_ primitive: DNNLPrimitive, _ args: [(Int32, DNNLMemory)], op: String) throws {
        var args = args
        if let md = primitive.scratchpad {
            args.append((DNNLArg.scratchpad, try DNNLMemory(md, scratchpad(bytes: primitive.scratchpadBytes),
                                                            keepAlive: nil, engine: engine, op: op)))
        }
        var execArgs = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.handle) }
        try Profiler.measure(primitive.label, flops: primitive.flops) {
            let status = execArgs.withUnsafeMutableBufferPointer { buffer in
                dnnl_primitive_execute(primitive.primitive, stream, Int32(buffer.count), buffer.baseAddress)
            }
            if status != dnnl_success {
                try dnnlCheck(status, op, "dnnl_primitive_execute(\(primitive.label)\(Self.mismatches(primitive, args)))")
            }
            try dnnlCheck(dnnl_stream_wait(stream), op, "dnnl_stream_wait")
        }
        withExtendedLifetime(args) {}
    }

    /// At least `bytes` of scratchpad, 64-byte aligned, valid until the next call (which may
    /// grow it). Call inside ``run(_:)``.
    func scratchpad(bytes: Int) -> UnsafeMutablePointer<Float> {
        let count = (bytes + 3) / 4
        if let storage = scratchpadStorage, storage.count >= count { return storage.pointer }
        let storage = TensorStorage(uninitializedCount: count)
        scratchpadStorage = storage
        return storage.pointer
    }

    /// The arguments whose memory descriptors differ from those the primitive was created for, as
    /// "; argument N: layout of the memory ≠ expected" (empty when all agree), for the error of a
    /// failed execution.
    static func mismatches(_ primitive: DNNLPrimitive, _ args: [(Int32, DNNLMemory)]) -> String {
        args.compactMap { arg, memory in
            guard let expected = dnnl_primitive_desc_query_md(primitive.pd, dnnl_query_exec_arg_md, arg)?.pointee,
                  !DNNLDesc.equal(expected, memory.desc) else { return nil }
            return "; argument \(arg): \(DNNLDesc.describe(memory.desc)) given, \(DNNLDesc.describe(expected)) expected"
        }.joined()
    }

    /// Copies `source` into `destination` (layouts may differ), with a cached reorder primitive.
    func reorder(_ source: DNNLMemory, into destination: DNNLMemory, key: String, op: String) throws {
        let p = try primitive("reorder|" + key, op: op) {
            var pd: dnnl_primitive_desc_t?
            var src = source.desc, dst = destination.desc
            try dnnlCheck(dnnl_reorder_primitive_desc_create(&pd, &src, engine, &dst, engine, attributes), op,
                          "dnnl_reorder_primitive_desc_create")
            return pd!
        }
        // Small copies run on the calling thread alone: a thread team's fork / barrier costs more
        // than the copy, and on a loaded machine a descheduled team member stalls it for a time slice.
        var md = destination.desc
        let small = dnnl_memory_desc_get_size(&md) < Self.singleThreadedReorderBytes
        if small, let setOMPThreads { setOMPThreads(1) }
        defer { if small, let setOMPThreads { setOMPThreads(Int32(Threads.count)) } }
        try execute(p, [(DNNLArg.from, source), (DNNLArg.to, destination)], op: op)
    }

    /// Reorders writing fewer bytes than this run single-threaded (see ``reorder(_:into:key:op:)``).
    static let singleThreadedReorderBytes = 1 << 20
}

/// A primitive and its descriptor. Lives as long as the cache (the process).
final class DNNLPrimitive: @unchecked Sendable {
    let pd: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t
    /// The cache key, which names the entry in ``Profiler``'s table.
    var label = ""
    /// Floating-point operations of one execution (convolutions), for the profile's GF/s.
    var flops = 0.0

    init(pd: dnnl_primitive_desc_t, op: String) throws {
        var p: dnnl_primitive_t?
        let status = dnnl_primitive_create(&p, pd)
        guard status == dnnl_success, let p else {
            dnnl_primitive_desc_destroy(pd)
            try dnnlCheck(status, op, "dnnl_primitive_create")
            throw TensorError.backend(op: op, status: -1, detail: "dnnl_primitive_create returned no primitive")
        }
        self.pd = pd
        self.primitive = p
        let md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0).pointee
        var size = md
        scratchpadBytes = Int(dnnl_memory_desc_get_size(&size))
        scratchpad = scratchpadBytes > 0 ? md : nil
    }

    /// The scratchpad the primitive needs at each execution (user-managed: ``DNNLRuntime/attributes``), if any.
    let scratchpad: dnnl_memory_desc_t?
    let scratchpadBytes: Int

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(pd)
    }

    /// oneDNN's name for the kernel it picked (e.g. `jit:avx512_core`, `ref:any`).
    var implementation: String {
        var text: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &text) == dnnl_success, let text else { return "?" }
        return String(cString: text)
    }

    /// The memory descriptor the primitive chose for `what` (e.g. `dnnl_query_weights_md`).
    func desc(_ what: dnnl_query_t, _ index: Int32 = 0) -> dnnl_memory_desc_t {
        dnnl_primitive_desc_query_md(pd, what, index).pointee
    }
}

/// A oneDNN memory object over a tensor's buffer or over a buffer it owns.
final class DNNLMemory {
    let handle: dnnl_memory_t
    let desc: dnnl_memory_desc_t
    /// Keeps an owned buffer (reordered weights) alive as long as the memory object.
    private let owned: TensorStorage?

    /// Keeps a wrapped tensor's storage alive while the memory object may be used.
    private let borrowed: TensorStorage?

    /// Wraps `pointer`, which lies inside `storage` (kept alive by this object).
    init(_ desc: dnnl_memory_desc_t, _ pointer: UnsafeMutablePointer<Float>, keepAlive storage: TensorStorage?,
         engine: dnnl_engine_t, op: String) throws {
        var md = desc
        var m: dnnl_memory_t?
        try dnnlCheck(dnnl_memory_create(&m, &md, engine, UnsafeMutableRawPointer(pointer)), op, "dnnl_memory_create")
        handle = m!
        self.desc = desc
        owned = nil
        borrowed = storage
    }

    /// The buffer, read as floats (for f32 memory filled by our own kernels).
    var floatPointer: UnsafeMutablePointer<Float> {
        var data: UnsafeMutableRawPointer?
        dnnl_memory_get_data_handle(handle, &data)
        return data!.assumingMemoryBound(to: Float.self)
    }

    /// Wraps a whole tensor's buffer.
    convenience init(_ desc: dnnl_memory_desc_t, _ tensor: Tensor, engine: dnnl_engine_t, op: String) throws {
        try self.init(desc, tensor.pointer, keepAlive: tensor.storage, engine: engine, op: op)
    }

    /// A 64-byte aligned buffer of the descriptor's size, from the pool (returned on deinit) when
    /// `pooled`, else allocated for this memory object alone.
    init(allocating desc: dnnl_memory_desc_t, engine: dnnl_engine_t, op: String, pooled: Bool = true) throws {
        var md = desc
        let bytes = dnnl_memory_desc_get_size(&md)
        let count = (bytes + 3) / 4
        let storage = pooled ? DNNLBufferPool.shared.take(count: count) : TensorStorage(uninitializedCount: count)
        var m: dnnl_memory_t?
        try dnnlCheck(dnnl_memory_create(&m, &md, engine, UnsafeMutableRawPointer(storage.pointer)), op,
                      "dnnl_memory_create")
        handle = m!
        self.desc = desc
        owned = pooled ? storage : nil
        borrowed = pooled ? nil : storage
    }

    deinit {
        dnnl_memory_destroy(handle)
        if let owned { DNNLBufferPool.shared.give(owned) }
    }
}

/// Reuses the buffers that hold weights in oneDNN's layouts between calls.
///
/// Every convolution call reorders its weights (up to 32 MiB for unet_256's 1024→512 layers); a
/// fresh allocation of that size is a fresh mmap whose page faults cost as much as the reorder.
/// Buffers are kept per exact size, up to `limitBytes` in all.
final class DNNLBufferPool: @unchecked Sendable {
    static let shared = DNNLBufferPool()
    static let limitBytes = 256 << 20

    private let lock = NSLock()
    private var free: [Int: [TensorStorage]] = [:]
    private var pooledBytes = 0

    func take(count: Int) -> TensorStorage {
        lock.lock()
        defer { lock.unlock() }
        if var list = free[count], let storage = list.popLast() {
            free[count] = list
            pooledBytes -= count * 4
            return storage
        }
        return TensorStorage(uninitializedCount: count)
    }

    func give(_ storage: TensorStorage) {
        lock.lock()
        defer { lock.unlock() }
        let bytes = storage.count * 4
        guard pooledBytes + bytes <= Self.limitBytes else { return }
        free[storage.count, default: []].append(storage)
        pooledBytes += bytes
    }
}

/// Memory descriptor helpers. Dims are always in oneDNN's logical order (N, C, H, W / O, I, H, W);
/// the tag says how they lie in memory.
enum DNNLDesc {
    static func make(_ dims: [Int], _ tag: dnnl_format_tag_t, type: dnnl_data_type_t = dnnl_f32,
                     op: String) throws -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let d = dims.map { Int64($0) }
        try dnnlCheck(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, type, tag), op,
                      "dnnl_memory_desc_init_by_tag(\(dims))")
        return md
    }

    /// A plain-strided descriptor like `desc` with data type `type` (same dims and strides).
    static func retyped(_ desc: dnnl_memory_desc_t, _ type: dnnl_data_type_t, op: String) throws -> dnnl_memory_desc_t {
        if desc.data_type == type { return desc }
        var md = dnnl_memory_desc_t()
        var source = desc
        let dims = withUnsafeBytes(of: &source.dims) { Array($0.bindMemory(to: Int64.self).prefix(Int(desc.ndims))) }
        let strides = withUnsafeBytes(of: &source.format_desc.blocking.strides) {
            Array($0.bindMemory(to: Int64.self).prefix(Int(desc.ndims)))
        }
        try dnnlCheck(dnnl_memory_desc_init_by_strides(&md, desc.ndims, dims, type, strides), op,
                      "dnnl_memory_desc_init_by_strides(\(dims))")
        return md
    }

    /// An NHWC activation [n, h, w, c] as oneDNN sees it.
    static func nhwc(_ n: Int, _ c: Int, _ h: Int, _ w: Int, op: String) throws -> dnnl_memory_desc_t {
        try make([n, c, h, w], dnnl_nhwc, op: op)
    }

    static func vector(_ n: Int, op: String) throws -> dnnl_memory_desc_t { try make([n], dnnl_x, op: op) }

    /// Dims, data type and strides (or "blocked" / "any") of `desc`, for error messages.
    static func describe(_ desc: dnnl_memory_desc_t) -> String {
        var md = desc
        let n = Int(md.ndims)
        let dims = withUnsafeBytes(of: &md.dims) { Array($0.bindMemory(to: Int64.self).prefix(n)) }
        let strides = withUnsafeBytes(of: &md.format_desc.blocking.strides) { Array($0.bindMemory(to: Int64.self).prefix(n)) }
        let type = md.data_type == dnnl_f32 ? "f32" : md.data_type == dnnl_bf16 ? "bf16" : "type \(md.data_type.rawValue)"
        let layout = md.format_kind == dnnl_blocked
            ? (md.format_desc.blocking.inner_nblks > 0 ? "blocked \(strides)" : "strides \(strides)")
            : "format \(md.format_kind.rawValue)"
        return "\(dims) \(type) \(layout)"
    }

    static func equal(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
        var x = a, y = b
        return dnnl_memory_desc_equal(&x, &y) != 0
    }
}
