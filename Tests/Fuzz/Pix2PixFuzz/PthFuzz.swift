import TorchImport

/// The PyTorch `.pth` reader: open from bytes (zip directory or legacy stream, the pickle machine,
/// storages and tensor geometry), read every tensor, then import the state dict as a unet_64 (the
/// widths come from the file, so any consistent tiny U-Net gets built and loaded).
///
/// Zip CRC-32 checks are off (`PthLimits.verifiesChecksums`) so that mutated pickles and storages
/// reach the code behind them; the element budget is 2^24 (64 MB of floats), well inside the
/// fuzzer's allocation limit, since a stride-0 tensor may legally expand a tiny storage.
enum PthFuzz {
    static let limits: PthLimits = {
        var limits = PthLimits()
        limits.verifiesChecksums = false
        limits.maximumTotalElements = 1 << 24
        return limits
    }()

    static func run(_ bytes: [UInt8]) {
        guard let file = try? PthFile(bytes: bytes, name: "fuzz.pth", limits: limits) else { return }
        _ = file.shapes
        _ = try? file.read()
        _ = try? ReferenceImport.generator(from: file, options: ReferenceImportOptions(generator: "unet_64", dropout: false))
    }
}
