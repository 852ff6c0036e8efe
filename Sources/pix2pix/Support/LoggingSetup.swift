import Logging

/// swift-log to stderr, once per process.
enum LoggingSetup {
    nonisolated(unsafe) private static var done = false
    static func bootstrap(quiet: Bool) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = quiet ? .warning : .info
            return handler
        }
    }
}
