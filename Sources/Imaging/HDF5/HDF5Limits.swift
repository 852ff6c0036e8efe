import Base
import CHDF5

/// Checks of what an HDF5 file *declares* (dataset extents) against what it can hold and against
/// the pixel budget, made before any data is read or any buffer is sized from a declared shape:
/// a 4 KB file declaring 2^40 pairs or 65536² images is refused at once instead of allocating
/// terabytes, overflowing a size computation, or reading fill values until killed.
///
/// The stored size comes from the library (`H5Dget_storage_size`): for unfiltered datasets the
/// raw data must be stored in full (and inside the file); compressed datasets may declare at most
/// ``maxCompressionRatio`` times what they store — deflate, the only compression Debian's libhdf5
/// reads without plugins, cannot exceed 1032:1.
enum HDF5Limits {
    /// deflate's largest possible compression ratio.
    static let maxCompressionRatio = 1032

    /// The largest `meta/manifest` (a JSON document) read into memory.
    static let maxManifestBytes = 64 << 20

    /// Bytes per element in the file (numeric types); nil for types we never read as numbers.
    static func elementBytes(_ type: HDF5ElementType) -> Int? {
        switch type {
        case let .unsignedInteger(bits), let .signedInteger(bits), let .float(bits):
            return bits > 0 ? max(1, bits / 8) : nil
        default:
            return nil
        }
    }

    /// The product of `values`, nil on overflow or a negative factor.
    static func product(_ values: [Int]) -> Int? {
        var total = 1
        for v in values {
            guard v >= 0 else { return nil }
            let (p, overflow) = total.multipliedReportingOverflow(by: v)
            if overflow { return nil }
            total = p
        }
        return total
    }

    /// Throws `ImagingError.declaredTooLarge` unless a dataset of `shape` and `elementBytes` fits
    /// what the file stores for it (`storageBytes`, from the library) and the file's size.
    static func checkDeclared(path: String, dataset: String, shape: [Int], elementBytes: Int, storageBytes: Int,
                              filtered: Bool, fileSize: Int) throws {
        let declared = product(shape + [elementBytes])
        func refuse(_ reason: String, _ available: Int) -> ImagingError {
            .declaredTooLarge(path: path, dataset: dataset, shape: shape, declaredBytes: declared, availableBytes: available, reason: reason)
        }
        guard let declared else { throw refuse("its size overflows 64-bit arithmetic while the file holds only", fileSize) }
        if declared == 0 { return }
        guard storageBytes <= fileSize else {
            throw refuse("the library reports \(Format.bytes(storageBytes)) stored for it, more than the file's size of", fileSize)
        }
        if filtered {
            let (bound, overflow) = storageBytes.multipliedReportingOverflow(by: maxCompressionRatio)
            guard overflow || declared <= bound else {
                throw refuse("it stores \(Format.bytes(storageBytes)) compressed and no compression exceeds \(maxCompressionRatio):1, so it can hold at most", bound)
            }
        } else {
            guard declared <= storageBytes else {
                throw refuse("the file stores only", storageBytes)
            }
        }
    }

    /// The checks for one image array of a split: each image's width × height against `budget`,
    /// then the whole array against the file.
    static func checkImageArray(_ array: HDF5ImageArray, object: HDF5Object, budget: PixelBudget, path: String,
                                fileSize: Int) throws {
        try budget.check(width: array.width, height: array.height, channels: array.channels, path: path,
                         what: "HDF5 dataset '\(array.dataset)' (\(array.shape.map(String.init).joined(separator: "x")), \(array.axes.rawValue))")
        guard let bytes = elementBytes(array.elementType) else { return }
        try checkDeclared(path: path, dataset: array.dataset, shape: array.shape, elementBytes: bytes,
                          storageBytes: object.storageBytes ?? 0, filtered: object.filtered ?? true, fileSize: fileSize)
    }
}

extension HDF5Dataset {
    /// What the library reports it stores for this dataset, and whether it is filtered.
    func storage() -> (bytes: Int, filtered: Bool) {
        HDF5Lib.locked {
            let dcpl = H5Dget_create_plist(id)
            defer { if dcpl >= 0 { H5Pclose(dcpl) } }
            return (Int(clamping: H5Dget_storage_size(id)), dcpl >= 0 ? H5Pget_nfilters(dcpl) != 0 : true)
        }
    }
}

// Declaring datasets without writing them: how the tests forge small files that declare huge
// extents (the checks above must refuse them), and how they write float data with NaN.
extension HDF5Dataset {
    /// The file type for uint8 and float32 (the element types our layouts hold).
    static func fileType(_ type: HDF5ElementType) -> hid_t {
        type == .float32 ? chdf5_native_float() : chdf5_std_u8le()
    }

    /// Creates `name` declaring `shape` of `type` without writing any data: contiguous when
    /// `chunk` is nil (nothing is allocated until written), else chunked with an unlimited first
    /// axis, deflate-compressed at `deflate` when given.
    static func declare(in file: HDF5File, name: String, type: HDF5ElementType, shape: [Int], chunk: [Int]?,
                        deflate: Int? = nil) throws -> HDF5Dataset {
        try HDF5Lib.locked {
            var dims = shape.map { hsize_t($0) }
            var maxDims = dims
            if chunk != nil { maxDims[0] = chdf5_s_unlimited() }
            let space = H5Screate_simple(Int32(dims.count), &dims, &maxDims)
            guard space >= 0 else { throw HDF5Lib.fail(file.path, "dataspace \(shape)") }
            defer { H5Sclose(space) }
            let dcpl = H5Pcreate(chdf5_p_dataset_create())
            defer { H5Pclose(dcpl) }
            if var c = chunk?.map({ hsize_t($0) }) {
                guard H5Pset_chunk(dcpl, Int32(c.count), &c) >= 0 else { throw HDF5Lib.fail(file.path, "chunk \(chunk!)") }
                if let deflate { _ = H5Pset_deflate(dcpl, UInt32(deflate)) }
            }
            let id = H5Dcreate2(file.id, name, fileType(type), space, chdf5_p_default(), dcpl, chdf5_p_default())
            guard id >= 0 else { throw HDF5Lib.fail(file.path, "create dataset '\(name)'") }
            H5Dclose(id)
        }
        return try HDF5Dataset(file: file, name: name)
    }

    /// Creates an extendible dataset of `type` (one chunk per item) for `append(floats:)`.
    convenience init(creatingIn file: HDF5File, name: String, type: HDF5ElementType, itemShape: [Int]) throws {
        try self.init(creatingIn: file, name: name, fileType: Self.fileType(type), itemShape: itemShape)
    }

    /// Appends one item given as floats (converted to the dataset's type by the library).
    func append(floats: [Float]) throws {
        precondition(floats.count == shape.dropFirst().reduce(1, *), "append(floats:) needs one item")
        try floats.withUnsafeBytes { try append($0.baseAddress!, memType: chdf5_native_float()) }
    }
}
