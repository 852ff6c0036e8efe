import Foundation
import Tensor

/// A golden case written by `scripts/make_fixtures.py` from PyTorch, read from a test target's
/// `Fixtures/<name>.json` resource (each target passes its own `Bundle.module`).
///
/// File format: `{"case": name, "meta": {...}, "tensors": {key: {"shape": [...], "data": [...]}}}`,
/// activations NHWC, conv weights OIHW, transposed-conv weights IOHW (PyTorch's layouts).
public struct TorchFixture {
    public let name: String
    public let meta: [String: TorchFixtureValue]
    private let raw: [String: RawTensor]

    struct RawTensor: Decodable {
        let shape: [Int]
        let data: [Float]
    }

    private struct File: Decodable {
        let `case`: String
        let meta: [String: TorchFixtureValue]
        let tensors: [String: RawTensor]
    }

    /// Loads `Fixtures/<name>.json`; the error names the file and what is wrong with it.
    public init(_ name: String, bundle: Bundle) throws {
        guard let url = bundle.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            throw TorchFixtureError.missing(name: name, hint: "regenerate with scripts/make_fixtures.py")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        } catch {
            throw TorchFixtureError.unreadable(name: name, detail: "\(error)")
        }
        guard file.case == name else {
            throw TorchFixtureError.unreadable(name: name, detail: "its \"case\" is \"\(file.case)\"")
        }
        self.name = name
        self.meta = file.meta
        self.raw = file.tensors
    }

    /// All tensor keys in the file.
    public var keys: [String] { raw.keys.sorted() }

    /// A fresh tensor (its own storage, no gradient) for `key`.
    public func tensor(_ key: String, requiresGrad: Bool = false) throws -> Tensor {
        guard let r = raw[key] else {
            throw TorchFixtureError.missingTensor(name: name, key: key, available: keys)
        }
        let t = try Tensor(shape: r.shape, values: r.data)
        t.requiresGrad = requiresGrad
        return t
    }

    /// A number from `meta`.
    public func number(_ key: String) throws -> Double {
        guard case .number(let v)? = meta[key] else {
            throw TorchFixtureError.missingMeta(name: name, key: key)
        }
        return v
    }

    /// A flag from `meta`.
    public func flag(_ key: String) throws -> Bool {
        guard case .bool(let v)? = meta[key] else {
            throw TorchFixtureError.missingMeta(name: name, key: key)
        }
        return v
    }
}

/// A JSON value in a fixture's `meta`.
public enum TorchFixtureValue: Decodable, Equatable {
    case number(Double), string(String), bool(Bool), array([TorchFixtureValue]),
         object([String: TorchFixtureValue]), null

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([TorchFixtureValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: TorchFixtureValue].self)) }
    }
}

public enum TorchFixtureError: Error, CustomStringConvertible {
    case missing(name: String, hint: String)
    case unreadable(name: String, detail: String)
    case missingTensor(name: String, key: String, available: [String])
    case missingMeta(name: String, key: String)

    public var description: String {
        switch self {
        case .missing(let name, let hint):
            return "fixture Fixtures/\(name).json is not in the test bundle; \(hint)"
        case .unreadable(let name, let detail):
            return "fixture Fixtures/\(name).json is not a fixture file: \(detail)"
        case .missingTensor(let name, let key, let available):
            return "fixture \(name) has no tensor \"\(key)\"; it has \(available.joined(separator: ", "))"
        case .missingMeta(let name, let key):
            return "fixture \(name) has no meta value \"\(key)\" of the expected type"
        }
    }
}

/// Elementwise closeness to a PyTorch reference: |ours − ref| ≤ atol + rtol·|ref|.
public struct Tolerance: CustomStringConvertible, Sendable {
    public var absolute: Float
    public var relative: Float

    public init(absolute: Float, relative: Float) {
        self.absolute = absolute
        self.relative = relative
    }

    /// The parity tolerance against PyTorch: 1e-5 absolute plus 1e-4 relative, elementwise, in fp32.
    public static let parity = Tolerance(absolute: 1e-5, relative: 1e-4)

    public var description: String { "|ours - ref| <= \(absolute) + \(relative)*|ref|" }
}

/// The result of comparing one tensor with its reference.
public struct ParityReport: CustomStringConvertible {
    public let what: String
    /// Largest |ours − ref| / (atol + rtol·|ref|); ≤ 1 passes.
    public let worstRatio: Double
    public let maxAbsError: Double
    public let worstIndex: Int
    public let ours: Float
    public let reference: Float

    public var passed: Bool { worstRatio <= 1 }

    public var description: String {
        "\(what): max |err| \(maxAbsError), worst at flat index \(worstIndex) (ours \(ours), ref \(reference)), "
            + "\(String(format: "%.3f", worstRatio)) of the tolerance"
    }
}

/// Compares `ours` with `reference` elementwise; a shape mismatch or a NaN fails outright.
public func compare(_ ours: Tensor?, _ reference: Tensor, _ what: String,
             tolerance: Tolerance = .parity) -> ParityReport {
    guard let ours else {
        return ParityReport(what: "\(what) (missing: nil)", worstRatio: .infinity, maxAbsError: .infinity,
                            worstIndex: -1, ours: .nan, reference: .nan)
    }
    guard ours.shape == reference.shape else {
        return ParityReport(what: "\(what) (shape \(ours.shape), reference \(reference.shape))",
                            worstRatio: .infinity, maxAbsError: .infinity, worstIndex: -1, ours: .nan, reference: .nan)
    }
    let a = UnsafeBufferPointer(start: ours.pointer, count: ours.count)
    let b = UnsafeBufferPointer(start: reference.pointer, count: reference.count)
    var worst = 0.0, maxAbs = 0.0, worstIndex = 0
    for i in 0..<a.count {
        let d = Double(Swift.abs(a[i] - b[i]))
        let ratio = d.isNaN ? .infinity : d / Double(tolerance.absolute + tolerance.relative * Swift.abs(b[i]))
        if ratio > worst { worst = ratio; worstIndex = i }
        if d.isNaN { maxAbs = .infinity } else { maxAbs = Swift.max(maxAbs, d) }
    }
    return ParityReport(what: what, worstRatio: worst, maxAbsError: maxAbs, worstIndex: worstIndex,
                        ours: a.isEmpty ? 0 : a[worstIndex], reference: b.isEmpty ? 0 : b[worstIndex])
}
