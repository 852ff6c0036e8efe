/// The HDF5 dataset layouts we read.
public enum HDF5Layout: String, Sendable, Codable, CustomStringConvertible {
    /// Ours (`pix2pix data build`): groups `train`, `val` (and optionally `test`), each with
    /// datasets `A` and `B`, uint8 N×H×W×C.
    case pix2pixZoo = "pix2pixzoo"
    /// Seed layout 1: `{train,test,val}_data_sketch` (A) and `{…}_data_full` (B), uint8 N×C×H×W.
    case seedFullSketch = "seed-full-sketch"
    /// Seed layout 2: `{train,val}_data_raw` (A: float32 gray N×H×W×1 or uint8 {0,255} edges
    /// N×H×W[×1]) and `{…}_data_gen` (B: float32 RGB N×H×W×3, 0–255).
    case seedGenRaw = "seed-gen-raw"

    public var description: String {
        switch self {
        case .pix2pixZoo: return "Pix2PixZoo (split/A, split/B; uint8 NHWC)"
        case .seedFullSketch: return "seed full/sketch ({split}_data_sketch → {split}_data_full; NCHW)"
        case .seedGenRaw: return "seed gen/raw ({split}_data_raw → {split}_data_gen; NHWC, 0–255)"
        }
    }
}

/// Axis order of a stored image array.
public enum HDF5Axes: String, Sendable, Equatable {
    case nhwc = "NHWC", nchw = "NCHW", nhw = "NHW"
}

/// One array of images inside an HDF5 file.
public struct HDF5ImageArray: Sendable, Equatable {
    public var dataset: String
    public var elementType: HDF5ElementType
    public var shape: [Int]
    public var axes: HDF5Axes
    public var count: Int { shape[0] }
    public var height: Int { axes == .nchw ? shape[2] : shape[1] }
    public var width: Int { axes == .nchw ? shape[3] : shape[2] }
    public var channels: Int {
        switch axes {
        case .nhwc: return shape[3]
        case .nchw: return shape[1]
        case .nhw: return 1
        }
    }

    /// Interprets `object` as N images, preferring NCHW (`channelsFirst`) or NHWC when both fit.
    static func infer(_ object: HDF5Object, channelsFirst: Bool) -> HDF5ImageArray? {
        guard object.kind == .dataset, let type = object.elementType, type.isNumeric, let shape = object.shape,
              shape.allSatisfy({ $0 > 0 }) || (shape.first == 0 && shape.dropFirst().allSatisfy { $0 > 0 })
        else { return nil }
        let channelCounts: Set<Int> = [1, 3]
        switch shape.count {
        case 3:
            return HDF5ImageArray(dataset: object.path, elementType: type, shape: shape, axes: .nhw)
        case 4:
            let last = channelCounts.contains(shape[3]), second = channelCounts.contains(shape[1])
            let axes: HDF5Axes?
            if channelsFirst { axes = second ? .nchw : (last ? .nhwc : nil) } else { axes = last ? .nhwc : (second ? .nchw : nil) }
            return axes.map { HDF5ImageArray(dataset: object.path, elementType: type, shape: shape, axes: $0) }
        default:
            return nil
        }
    }

    var summary: String {
        "\(dataset): \(elementType) \(shape.map(String.init).joined(separator: "x")) (\(axes.rawValue))"
    }
}

/// A split found in an HDF5 file: its A and B arrays (as stored, before any direction swap).
public struct HDF5Split: Sendable, Equatable {
    public var name: String
    public var a: HDF5ImageArray
    public var b: HDF5ImageArray
    public var count: Int { a.count }
}

/// What an HDF5 file holds: its layout, splits, every object and the root attributes.
public struct HDF5Description: Sendable, CustomStringConvertible {
    public var path: String
    public var layout: HDF5Layout
    public var splits: [HDF5Split]
    public var objects: [HDF5Object]
    public var attributes: [String: HDF5AttributeValue]
    /// Things noticed but not fatal (e.g. an incomplete split that was skipped).
    public var notes: [String]

    public func split(named name: String) -> HDF5Split? { splits.first { $0.name == name } }

    public var description: String {
        var lines = ["\(path): HDF5, layout \(layout)"]
        for s in splits {
            lines.append("  \(s.name): \(s.count) pairs, \(s.a.width)x\(s.a.height)")
            lines.append("    A \(s.a.summary), \(s.a.channels) channel(s)")
            lines.append("    B \(s.b.summary), \(s.b.channels) channel(s)")
        }
        if !attributes.isEmpty {
            lines.append("  attributes:")
            for key in attributes.keys.sorted() {
                var value = attributes[key]!.description
                if value.count > 160 { value = String(value.prefix(157)) + "..." }
                lines.append("    \(key) = \(value)")
            }
        }
        for note in notes { lines.append("  note: \(note)") }
        return lines.joined(separator: "\n")
    }
}

enum HDF5LayoutDetector {
    static let seedSplits = ["train", "val", "test"]

    static func describe(path: String, budget: PixelBudget = .default) throws -> HDF5Description {
        let file = try HDF5File.open(path)
        return try describe(file: file, budget: budget)
    }

    /// Finds the layout and its splits. Every image array of a split is checked against `budget`
    /// (per image) and against what the file stores (`HDF5Limits`) before anything is read.
    static func describe(file: HDF5File, budget: PixelBudget = .default) throws -> HDF5Description {
        let objects = try file.objects()
        let fileSize = FileIO.size(file.path) ?? 0
        let byPath = Dictionary(objects.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        var notes: [String] = []
        // Attributes are informative only: a damaged or unlisted set is a note, not an error.
        var attributes: [String: HDF5AttributeValue] = [:]
        do {
            let scan = try file.scanAttributes()
            attributes = scan.values
            if let problem = scan.problem { notes.append("attributes not shown: \(problem)") }
        } catch {
            notes.append("attributes not shown: \(error)")
        }

        func pairUp(split: String, aPath: String, bPath: String, channelsFirst: Bool) throws -> HDF5Split? {
            let aObj = byPath[aPath], bObj = byPath[bPath]
            if aObj == nil && bObj == nil { return nil }
            guard let aObj, let bObj else {
                notes.append("split '\(split)' skipped: found \(aObj != nil ? aPath : bPath) without \(aObj != nil ? bPath : aPath)")
                return nil
            }
            guard let a = HDF5ImageArray.infer(aObj, channelsFirst: channelsFirst) else {
                notes.append("split '\(split)' skipped: \(aObj) is not an array of 1- or 3-channel images")
                return nil
            }
            guard let b = HDF5ImageArray.infer(bObj, channelsFirst: channelsFirst) else {
                notes.append("split '\(split)' skipped: \(bObj) is not an array of 1- or 3-channel images")
                return nil
            }
            try HDF5Limits.checkImageArray(a, object: aObj, budget: budget, path: file.path, fileSize: fileSize)
            try HDF5Limits.checkImageArray(b, object: bObj, budget: budget, path: file.path, fileSize: fileSize)
            guard a.count == b.count else {
                throw ImagingError.mismatch(path: file.path, message: "\(a.dataset) holds \(a.count) images but \(b.dataset) holds \(b.count); A and B must pair up one to one")
            }
            guard a.width == b.width, a.height == b.height else {
                throw ImagingError.mismatch(path: file.path, message: "\(a.dataset) images are \(a.width)x\(a.height) but \(b.dataset) images are \(b.width)x\(b.height); A and B must have the same size")
            }
            return HDF5Split(name: split, a: a, b: b)
        }

        // Ours: any group holding A and B.
        var ours: [HDF5Split] = []
        let groups = objects.filter { $0.kind == .group && !$0.path.contains("/") }.map(\.path)
        let ordered = seedSplits.filter(groups.contains) + groups.filter { !seedSplits.contains($0) }.sorted()
        for g in ordered {
            if let s = try pairUp(split: g, aPath: "\(g)/A", bPath: "\(g)/B", channelsFirst: false) { ours.append(s) }
        }
        if !ours.isEmpty {
            return HDF5Description(path: file.path, layout: .pix2pixZoo, splits: ours, objects: objects, attributes: attributes, notes: notes)
        }
        var fullSketch: [HDF5Split] = []
        var genRaw: [HDF5Split] = []
        for s in seedSplits {
            if let p = try pairUp(split: s, aPath: "\(s)_data_sketch", bPath: "\(s)_data_full", channelsFirst: true) { fullSketch.append(p) }
            if let p = try pairUp(split: s, aPath: "\(s)_data_raw", bPath: "\(s)_data_gen", channelsFirst: false) { genRaw.append(p) }
        }
        if !fullSketch.isEmpty {
            if !genRaw.isEmpty { notes.append("the file also holds the gen/raw layout; reading full/sketch") }
            return HDF5Description(path: file.path, layout: .seedFullSketch, splits: fullSketch, objects: objects, attributes: attributes, notes: notes)
        }
        if !genRaw.isEmpty {
            return HDF5Description(path: file.path, layout: .seedGenRaw, splits: genRaw, objects: objects, attributes: attributes, notes: notes)
        }
        throw ImagingError.unknownLayout(path: file.path, contents: objects.map(\.description) + notes)
    }
}
