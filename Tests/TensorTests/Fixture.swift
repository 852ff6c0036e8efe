import Foundation
@_exported import TestSupport

extension TorchFixture {
    /// Loads `Fixtures/<name>.json` from this test target's resources.
    init(_ name: String) throws { try self.init(name, bundle: .module) }
}
