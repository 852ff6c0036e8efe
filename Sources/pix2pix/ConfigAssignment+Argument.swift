import ArgumentParser
import Pix2Pix

/// `--g key=value` / `--d key=value`: a malformed assignment fails while parsing, naming the option.
extension ConfigAssignment: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public var defaultValueDescription: String { description }
}
