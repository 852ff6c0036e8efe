// pix2pix-fuzz: the libFuzzer targets of every reader that takes bytes from a file, in one executable.
//
//   pix2pix-fuzz TARGET [libFuzzer flags] [corpus directories]
//
// Built only by `make fuzz-build` (PIX2PIX_FUZZ=1, scratch path .build-fuzz, address sanitizer and libFuzzer
// coverage; this file calls libFuzzer's driver itself, see CFuzzerDriver.h); scripts/fuzz.sh runs each target over its seed corpus in Tests/Fuzz/Corpus/TARGET. A target reads the
// bytes through the same public API the commands use and must never crash, trap, hang or allocate
// beyond -malloc_limit_mb / -rss_limit_mb: every malformed input has to end in a thrown error.
//
// Adding a target: one file here with an
// `enum …Fuzz { static func run(_ bytes: [UInt8]) }`, one row in `FuzzTarget.all`, a seed folder
// Tests/Fuzz/Corpus/<name>/ (a few small files), and the name in FUZZ_TARGETS in the Makefile.
import CFuzzerDriver
import Foundation

struct FuzzTarget: Sendable {
    let name: String
    let summary: String
    let run: @Sendable ([UInt8]) -> Void

    static let all: [FuzzTarget] = [
        FuzzTarget(name: "checkpoint", summary: ".pzck container: preamble, header, tensor table, chunks (CheckpointFile)",
                   run: CheckpointFuzz.run),
        FuzzTarget(name: "json", summary: "the strict JSON parser of checkpoint headers (JSONValue(parsing:)), round trip",
                   run: JSONFuzz.run),
        FuzzTarget(name: "architecture", summary: "registry configs and header model objects built into networks",
                   run: ArchitectureFuzz.run),
        FuzzTarget(name: "image", summary: "PNG / JPEG decoding from bytes (Image.decode, header checks first)",
                   run: ImageFuzz.run),
        FuzzTarget(name: "hdf5", summary: "HDF5 pair files: layout detection, opening every split, first and last pair",
                   run: HDF5Fuzz.run),
        FuzzTarget(name: "pth", summary: "PyTorch .pth: zip directory or legacy stream, the pickle machine, tensors, U-Net import",
                   run: PthFuzz.run),
    ]
}

/// The chosen target. Set once before libFuzzer starts; libFuzzer calls back on this thread only.
nonisolated(unsafe) var selectedTarget: FuzzTarget?

/// libFuzzer's callback: one input.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget!.run(bytes)
    return 0
}

/// The environment variable that carries the target to the processes libFuzzer starts itself
/// (-fork, -jobs, -minimize_crash re-run the program without our first argument).
let targetVariable = "PIX2PIX_FUZZ_TARGET"

var arguments = CommandLine.arguments
if arguments.count >= 2, let target = FuzzTarget.all.first(where: { $0.name == arguments[1] }) {
    selectedTarget = target
    arguments.remove(at: 1)
    setenv(targetVariable, target.name, 1)
} else if let name = ProcessInfo.processInfo.environment[targetVariable],
          let target = FuzzTarget.all.first(where: { $0.name == name }) {
    selectedTarget = target
}
guard selectedTarget != nil else {
    var usage = "usage: pix2pix-fuzz TARGET [libFuzzer flags] [corpus dirs]\ntargets:\n"
    for target in FuzzTarget.all { usage += "  \(target.name.padding(toLength: 13, withPad: " ", startingAt: 0))\(target.summary)\n" }
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}

var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
var argc = Int32(arguments.count)
let status = cArguments.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzOne)
}
exit(status)
