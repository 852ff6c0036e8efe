import Dispatch
import Foundation

/// Set by SIGINT: the first Ctrl-C asks the trainer to stop after the current step, a second one exits at once.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false
    private var source: DispatchSourceSignal?

    var isSet: Bool { lock.withLock { set } }

    /// The process's flag; the handler is installed on first use.
    static func install() -> InterruptFlag { shared }

    private static let shared: InterruptFlag = {
        let flag = InterruptFlag()
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            let already = flag.lock.withLock { () -> Bool in
                defer { flag.set = true }
                return flag.set
            }
            if already { exit(130) }
            FileHandle.standardError.write(Data("\nstopping after this step (Ctrl-C again to abort without saving)…\n".utf8))
        }
        source.resume()
        flag.source = source
        return flag
    }()
}
