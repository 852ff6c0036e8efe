import ArgumentParser
import Dispatch
import Foundation
import Imaging
import Logging
import Serve
import Zoo

/// `pix2pix serve`: the zoo as a local web app and HTTP API (the Serve module does the work).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the zoo as a local web app and HTTP API (pages, try-it panel, /api/models, /translate).",
        discussion: """
        Pages: / lists the models (task, size, metrics beside the baselines, licence); /models/ID shows the card \
        and a try-it panel (file, drag and drop, paste, a drawing canvas for edge models, a random held-out \
        sample). API: GET /api/models, GET /api/models/ID, POST /api/models/ID[@VERSION]/translate (PNG, JPEG, \
        HDF5 or multipart in; PNG or ?format=jpg out; ?mode=train), GET /healthz, GET /openapi.json.

        The server binds 127.0.0.1 unless --host says otherwise; it has no authentication. Bodies over \
        --max-body-mb get 413 before they are read, images over --max-megapixels (from their header) 413 before \
        they are decoded; --concurrency translations run at once, --queue more wait, and beyond that requests \
        get 503 with Retry-After. The zoo is only read. Ctrl-C or SIGTERM stops it: requests in flight finish, \
        then it exits 0.
        """
    )

    @OptionGroup var location: ZooLocationOptions
    @Option(help: "The address to bind (anything but loopback makes the server reachable from other machines, without authentication).")
    var host = "127.0.0.1"
    @Option(help: Bounds.port.help("The port (0: an ephemeral port, printed at start).")) var port = 8080
    @OptionGroup var precision: PrecisionOption
    @Option(name: .customLong("max-body-mb"), help: Bounds.bodyMegabytes.help("Largest request body in MiB.")) var maxBodyMB = 20
    @Option(name: .customLong("max-megapixels"), help: Bounds.serveMegapixels.help("Largest image in megapixels, from its header, before decoding."))
    var maxMegapixels = 40.0
    @Option(help: Bounds.concurrency.help("Translations at once (default: one per two cores).")) var concurrency: Int?
    @Option(help: Bounds.queue.help("Requests that may wait for a translation (default: twice --concurrency).")) var queue: Int?
    @Option(help: Bounds.timeoutSeconds.help("Seconds a translation request may take, waiting included.")) var timeout = 120
    @Option(name: .customLong("cache-mb"), help: Bounds.cacheMegabytes.help("Memory for loaded models in MiB (least recently used dropped beyond it).")) var cacheMB = 2048
    @Flag(help: "Only warnings and errors in the log (no line per translation).") var quiet = false

    func validate() throws {
        try Bounds.port.check(port, "--port")
        try Bounds.bodyMegabytes.check(maxBodyMB, "--max-body-mb")
        try Bounds.serveMegapixels.check(maxMegapixels, "--max-megapixels")
        try Bounds.concurrency.check(concurrency, "--concurrency")
        try Bounds.queue.check(queue, "--queue")
        try Bounds.timeoutSeconds.check(timeout, "--timeout")
        try Bounds.cacheMegabytes.check(cacheMB, "--cache-mb")
        if host.isEmpty { throw ValidationError("--host must name an address, e.g. 127.0.0.1") }
    }

    /// The server's configuration from the options.
    func serveConfiguration() throws -> ServeConfiguration {
        var configuration = ServeConfiguration(catalog: try location.readableCatalog())
        configuration.host = host
        configuration.port = port
        configuration.precision = (try precision.resolved)
        var limits = ServeLimits()
        limits.maxBodyBytes = maxBodyMB << 20
        limits.pixelBudget = try PixelBudget(megapixels: maxMegapixels)
        if let concurrency { limits.maxConcurrent = concurrency }
        limits.queueLength = queue ?? 2 * limits.maxConcurrent
        limits.requestTimeout = .seconds(timeout)
        limits.modelCacheBytes = cacheMB << 20
        configuration.limits = limits
        // HDF5 uploads are read by a child process of this very executable.
        configuration.hdf5Worker = Bundle.main.executableURL
        return configuration
    }

    func run() throws {
        LoggingSetup.bootstrap(quiet: quiet)
        let configuration = try serveConfiguration()
        let logger = Logger(label: "pix2pix.serve")
        if let warning = configuration.publicWarning { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
        let models = configuration.catalog.list().count
        let zoos = configuration.catalog.stores.map(\.root.path).joined(separator: ", ")
        let limits = configuration.limits
        let failure = FailureBox()
        let done = DispatchSemaphore(value: 0)
        let hostText = host.contains(":") ? "[\(host)]" : host
        Task {
            do {
                try await ServeServer.run(configuration: configuration, logger: logger) { port in
                    print("serving \(models) model(s) from \(zoos) at http://\(hostText):\(port)/ (\(limits.maxConcurrent) translation(s) at once, \(configuration.precision.rawValue); Ctrl-C stops)")
                    fflush(nil)  // all streams: piped stdout is fully buffered, and tests read this line
                }
            } catch {
                failure.error = error
            }
            done.signal()
        }
        done.wait()
        if let error = failure.error { throw error }
        print("stopped")
    }

    /// The server task's error, handed to the blocked main thread.
    final class FailureBox: @unchecked Sendable {  // written by the task before `done` is signalled, read after
        var error: (any Error)?
    }
}
