/// Why a `.pth` file was refused. Every case names the file and what was refused; the description
/// adds a hint. Nothing in a refused file was executed: the reader has no way to call anything.
public enum PthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Opening or reading the file failed.
    case io(file: String, operation: String, message: String)
    /// Neither a zip archive nor a pickle stream: not something `torch.save` writes.
    case notPyTorch(file: String, reason: String)
    /// A format `torch.save` once wrote (or may write) that this reader does not take.
    case unsupportedFormat(file: String, reason: String)
    /// The zip archive's structure is damaged or inconsistent.
    case zip(file: String, reason: String)
    /// A zip entry name that could reach outside the archive's folder, or that repeats another.
    case unsafeEntryName(file: String, name: String, reason: String)
    /// A compressed (or encrypted) zip entry: `torch.save` stores entries uncompressed, so a
    /// compressed one is refused before anything is inflated (no zip bomb can expand).
    case compressedEntry(file: String, name: String, method: Int)
    /// The file ends before something it declares.
    case truncated(file: String, what: String, needed: Int, available: Int)
    /// A declared size or count above the reader's limit (``PthLimits``).
    case limitExceeded(file: String, what: String, value: Int, limit: Int)
    /// A pickle opcode outside the allowlist (the protocol-2 opcodes a state dict uses).
    case opcodeRefused(file: String, pickle: String, offset: Int, opcode: UInt8)
    /// A global (class or function) outside the allowlist, e.g. `os.system` or `builtins.eval`.
    case globalRefused(file: String, pickle: String, offset: Int, module: String, name: String)
    /// A REDUCE, BUILD or persistent load the reader refuses (not an allowlisted call, or wrong arguments).
    case callRefused(file: String, pickle: String, offset: Int, callable: String, reason: String)
    /// A pickle that is not well formed (stack underflow, missing mark, bad UTF-8, …).
    case malformedPickle(file: String, pickle: String, offset: Int, reason: String)
    /// A storage that is missing, declared inconsistently, or shorter than declared.
    case storage(file: String, key: String, reason: String)
    /// A tensor whose dtype, shape, strides or offset are not acceptable (or reach past its storage).
    case tensor(file: String, name: String, reason: String)
    /// The pickled object is not a state dict of tensors (or a `{"state_dict": …}` wrapper of one).
    case notAStateDict(file: String, reason: String)

    /// The file the error is about.
    public var file: String {
        switch self {
        case let .io(file, _, _), let .notPyTorch(file, _), let .unsupportedFormat(file, _), let .zip(file, _),
             let .unsafeEntryName(file, _, _), let .compressedEntry(file, _, _), let .truncated(file, _, _, _),
             let .limitExceeded(file, _, _, _), let .opcodeRefused(file, _, _, _), let .globalRefused(file, _, _, _, _),
             let .callRefused(file, _, _, _, _), let .malformedPickle(file, _, _, _), let .storage(file, _, _),
             let .tensor(file, _, _), let .notAStateDict(file, _):
            return file
        }
    }

    public var description: String {
        switch self {
        case let .io(file, operation, message):
            return "\(file): cannot \(operation): \(message). Hint: check the path and that the file is readable."
        case let .notPyTorch(file, reason):
            return "\(file): not a PyTorch .pth file: \(reason). Hint: give a file written by torch.save (a zip archive, or the legacy pickle stream)."
        case let .unsupportedFormat(file, reason):
            return "\(file): unsupported .pth variant: \(reason)."
        case let .zip(file, reason):
            return "\(file): damaged zip archive: \(reason). Hint: download the file again; a .pth written by torch.save is a plain stored zip."
        case let .unsafeEntryName(file, name, reason):
            return "\(file): refused zip entry \"\(Self.printable(name))\": \(reason). Hint: torch.save writes names <archive>/data.pkl and <archive>/data/<key> only; this file was made by something else."
        case let .compressedEntry(file, name, method):
            let what = method == -1 ? "is encrypted" : "is compressed (method \(method))"
            return "\(file): refused zip entry \"\(Self.printable(name))\": it \(what), but torch.save stores entries uncompressed; nothing was inflated. Hint: re-save the model with torch.save."
        case let .truncated(file, what, needed, available):
            return "\(file): truncated: \(what) needs \(needed) bytes, \(available) are present. Hint: the download or copy was cut short; fetch the file again."
        case let .limitExceeded(file, what, value, limit):
            return "\(file): refused: \(what) is \(value), above the limit of \(limit). Hint: a state dict of a pix2pix generator stays far below this; the file is damaged or crafted."
        case let .opcodeRefused(file, pickle, offset, opcode):
            return "\(file): refused pickle opcode \(PickleOpcode.name(of: opcode)) (0x\(String(opcode, radix: 16))) at offset \(offset) of \(pickle): only the protocol-2 opcodes a state dict needs are accepted, nothing was executed. Hint: save the state dict with torch.save(model.state_dict(), path) (pickle protocol 2, the default)."
        case let .globalRefused(file, pickle, offset, module, name):
            return "\(file): refused global \(Self.printable(module)).\(Self.printable(name)) at offset \(offset) of \(pickle): only OrderedDict, torch's tensor and parameter rebuilders and the storage classes may be named; nothing was executed. Hint: this file tries to call code on load — do not open it with torch.load either."
        case let .callRefused(file, pickle, offset, callable, reason):
            return "\(file): refused call of \(callable) at offset \(offset) of \(pickle): \(reason); nothing was executed."
        case let .malformedPickle(file, pickle, offset, reason):
            return "\(file): malformed pickle \(pickle) at offset \(offset): \(reason). Hint: the file is damaged; fetch it again."
        case let .storage(file, key, reason):
            return "\(file): storage '\(Self.printable(key))': \(reason). Hint: the file is damaged or crafted; fetch it again."
        case let .tensor(file, name, reason):
            return "\(file): tensor '\(Self.printable(name))': \(reason)."
        case let .notAStateDict(file, reason):
            return "\(file): not a state dict: \(reason). Hint: save the generator's weights with torch.save(net.state_dict(), path); a dict holding one under \"state_dict\" is also read."
        }
    }

    /// A name from the file, shortened and with control characters escaped, for messages.
    static func printable(_ text: String, limit: Int = 120) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if out.count >= limit { out += "…"; break }
            if scalar.value < 0x20 || scalar.value == 0x7F { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}
