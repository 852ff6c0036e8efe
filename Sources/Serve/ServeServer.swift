import Foundation
import Hummingbird
import Logging
import NIOCore
import Pix2Pix
import ServiceLifecycle
import Zoo

/// `pix2pix serve`: the pages and the HTTP API over a zoo, on Hummingbird 2.
///
/// ```swift
/// var configuration = ServeConfiguration(catalog: .resolve(zoo: "Zoo"))
/// configuration.port = 0                                  // an ephemeral port
/// let server = try await ServeServer.start(configuration)  // returns once it listens
/// print(server.port)
/// await server.stop()                                      // in-flight requests finish first
/// ```
///
/// ``run(configuration:logger:onListening:)`` serves until SIGINT or SIGTERM, then stops
/// gracefully: it stops accepting, lets the requests in flight finish, and returns.
public final class ServeServer: Sendable {
    public let configuration: ServeConfiguration
    /// The port it listens on (the one the system chose when the configuration asked for 0).
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    private let service: TranslationService

    private init(configuration: ServeConfiguration, port: Int, group: ServiceGroup, task: Task<Void, any Error>, service: TranslationService) {
        self.configuration = configuration
        self.port = port
        self.group = group
        self.task = task
        self.service = service
    }

    /// Starts serving in the background and returns once the socket listens.
    public static func start(_ configuration: ServeConfiguration, logger: Logger = ServeServer.quietLogger) async throws -> ServeServer {
        let service = TranslationService(configuration: configuration)
        let ready = AsyncStream<Int>.makeStream()
        let app = makeApplication(configuration, service: service, logger: logger) { port in ready.continuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task {
            defer { ready.continuation.finish(); service.pool.stop() }
            try await group.run()
        }
        var iterator = ready.stream.makeAsyncIterator()
        guard let port = await iterator.next() else {
            // The service group ended before listening: its error says why (address in use, …).
            try await task.value
            throw ServeError.internalError(reason: "the server stopped before it listened")
        }
        return ServeServer(configuration: configuration, port: port, group: group, task: task, service: service)
    }

    /// Stops accepting, waits for the requests in flight, and returns.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully (in-flight requests finish).
    /// `onListening` receives the port once the socket listens.
    public static func run(configuration: ServeConfiguration, logger: Logger, onListening: @escaping @Sendable (Int) -> Void) async throws {
        let service = TranslationService(configuration: configuration)
        let app = makeApplication(configuration, service: service, logger: logger, onListening: onListening)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { service.pool.stop() }
        try await group.run()
    }

    /// Load and cache figures (tests).
    var loadedModels: Int { service.cache.loadCount }

    /// A logger that only reports errors (tests, embedding programs).
    public static var quietLogger: Logger {
        var logger = Logger(label: "pix2pix.serve")
        logger.logLevel = .error
        return logger
    }

    static func makeApplication(_ configuration: ServeConfiguration, service: TranslationService, logger: Logger,
                                onListening: @escaping @Sendable (Int) -> Void) -> some Service {
        let view = ZooView(catalog: configuration.catalog)
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(ServeErrorMiddleware(limits: configuration.limits, logger: logger))
        ServeHandlers(configuration: configuration, view: view, service: service, logger: logger).register(on: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "pix2pix-serve"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }
}

/// Every failure becomes the JSON `{error, hint}` body with its status: the server's own errors,
/// Hummingbird's (no route: 404; body over the cap: 413), and anything unexpected (500, logged).
struct ServeErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let limits: ServeLimits
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServeError {
            throw error
        } catch is NIOTooManyBytesError {
            throw ServeError.bodyTooLarge(declared: nil, limit: limits.maxBodyBytes)
        } catch let error as HTTPError {
            if error.status == .notFound { throw ServeError.notFound(path: request.uri.path) }
            if error.status == .contentTooLarge { throw ServeError.bodyTooLarge(declared: nil, limit: limits.maxBodyBytes) }
            throw ServeError.badRequest(reason: error.body ?? error.status.reasonPhrase, hint: "see GET /openapi.json")
        } catch {
            logger.error("\(request.method) \(request.uri.path): \(error)")
            throw ServeError.internalError(reason: "\(type(of: error))")
        }
    }
}
