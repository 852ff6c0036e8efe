import Foundation
import Imaging
import Tensor
import Zoo

/// What a request may cost the server. Every limit is checked before the work it guards: the body
/// cap before the body is read (from `Content-Length`) and while it is read, the pixel cap from the
/// image's header before a pixel is decoded, the concurrency and queue bounds before a request
/// waits for a translation slot.
public struct ServeLimits: Sendable, Equatable {
    /// Largest request body (default 20 MiB); larger bodies get 413 before they are read in full.
    public var maxBodyBytes: Int = 20 << 20
    /// Largest decoded image, from its header (default 40 MP); larger images get 413 undecoded.
    public var pixelBudget: PixelBudget = (try? PixelBudget(megapixels: 40)) ?? .default
    /// Translations that run at once (default: one per two cores, at least one).
    public var maxConcurrent: Int = ServeLimits.defaultConcurrency()
    /// Requests that may wait for a slot (default: 2 per slot); beyond it: 503 with Retry-After.
    public var queueLength: Int
    /// Longest a translation request may take, waiting included (default 120 s); then 503.
    public var requestTimeout: Duration = .seconds(120)
    /// Memory the loaded models may hold (default 2 GiB, estimated from their parameter counts);
    /// least recently used idle models are dropped beyond it.
    public var modelCacheBytes: Int = 2 << 30
    /// HDF5 uploads: at most this many pairs come back in the grid (all pairs are translated).
    public var maxGridRows: Int = 64

    public init() {
        queueLength = 2 * maxConcurrent
    }

    /// One translation per two cores (a translation uses two threads), at least one.
    public static func defaultConcurrency(cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        max(1, cores / 2)
    }
}

/// Everything `pix2pix serve` (or an embedding program) decides before the server starts.
public struct ServeConfiguration: Sendable {
    /// The zoos served. The server only reads them: every store is taken read-only.
    public var catalog: ZooCatalog
    /// The address to bind: 127.0.0.1 unless the user says otherwise (there is no authentication).
    public var host: String = "127.0.0.1"
    /// 0: an ephemeral port (the running server reports the one it got).
    public var port: Int = 8080
    /// The arithmetic of the convolutions of every translation.
    public var precision: Precision = .fp32
    public var limits = ServeLimits()
    /// The `pix2pix` executable that translates uploaded HDF5 files in a child process (libhdf5 is
    /// not safe against forged files, so they never touch the server's own process); nil: HDF5
    /// uploads are refused with 415.
    public var hdf5Worker: URL?
    /// Threads per translation (default: the cores divided among the concurrent translations).
    public var threadsPerTranslation: Int?
    /// Seconds every image translation holds its slot before it starts: the tests' way to keep
    /// slots busy for a known time (concurrency and timeout tests). Not settable from outside.
    var holdSeconds: Double = 0

    public init(catalog: ZooCatalog) {
        self.catalog = ZooCatalog(stores: catalog.stores.map { ZooStore(root: $0.root, readOnly: true) }, origin: catalog.origin)
    }

    /// Whether the address is reachable from other machines (anything but loopback).
    public var isPublic: Bool {
        !(host == "127.0.0.1" || host == "localhost" || host == "::1" || host.hasPrefix("127."))
    }

    /// What the server says at start when it is reachable from other machines; nil on loopback.
    public var publicWarning: String? {
        guard isPublic else { return nil }
        return "warning: --host \(host) makes the server reachable from other machines, and it has no authentication: anyone who can reach it can list the models and run translations"
    }

    var translationThreads: Int {
        threadsPerTranslation ?? max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, limits.maxConcurrent))
    }
}
