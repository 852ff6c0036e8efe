/// What a `.pth` file may declare before the reader refuses it. Every count and length in the file
/// is checked against these (and against the bytes actually present) before anything is allocated
/// from it. The defaults hold any pix2pix generator the registry can build (unet_256 at ngf 64 has
/// 54 M elements in about 100 tensors; its pickle is about 20 KB) with a wide margin.
public struct PthLimits: Sendable, Equatable {
    /// Bytes one pickle may span (`data.pkl`, or each pickle of the legacy stream).
    public var maximumPickleBytes = 64 << 20
    /// Values on the pickle stack at once.
    public var maximumStackDepth = 1 << 16
    /// Open MARKs at once.
    public var maximumMarks = 1 << 12
    /// Entries in the pickle memo.
    public var maximumMemoEntries = 1 << 20
    /// Bytes of one string in a pickle.
    public var maximumStringBytes = 1 << 20
    /// Bytes of a dictionary key (state-dict names are far shorter).
    public var maximumKeyBytes = 1 << 10
    /// Items one tuple, list or dict may hold.
    public var maximumContainerItems = 1 << 20
    /// Items put into all tuples, lists and dicts of one pickle together.
    public var maximumTotalItems = 1 << 21
    /// Tuples nested inside tuples.
    public var maximumNesting = 32
    /// Dimensions of one tensor.
    public var maximumRank = 8
    /// Tensors (and storages) in one file.
    public var maximumTensors = 1 << 16
    /// Elements all tensors of a file hold together once read (2^30: 4 GiB as Float32).
    public var maximumTotalElements = 1 << 30
    /// Entries in the zip archive.
    public var maximumZipEntries = 1 << 17
    /// Bytes of the zip central directory.
    public var maximumCentralDirectoryBytes = 64 << 20
    /// Whether zip entries are checked against their CRC-32 when read. Only the fuzzer turns this
    /// off, so that mutated bytes reach the code behind the checksums.
    public var verifiesChecksums = true

    public init() {}

    /// The defaults.
    public static let standard = PthLimits()
}
