import CTCMalloc
import Foundation

/// The memory allocator that serves this process's `malloc`.
///
/// The pix2pix executable links tcmalloc (gperftools' `libtcmalloc_minimal`), which replaces glibc's
/// malloc for the whole process: every tensor buffer, oneDNN's and the Swift runtime's allocations.
/// A training step allocates and frees the same few hundred activation and gradient buffers in the
/// same order every time; glibc's heap leaves holes between them that the next requests do not fit
/// (unet_256 at batch 4, 256²: a 1.80 GB heap around at most 1.43 GB of live tensors), tcmalloc's
/// page heap far fewer (peak RSS 1.50 GB, the same step time). The library modules do not link it:
/// an application that embeds them keeps its own allocator. (Docs: Performance, "The allocator: tcmalloc".)
enum ProcessAllocator {
    /// "tcmalloc" when tcmalloc owns the blocks `malloc` returns, else "system" (another allocator
    /// preloaded ahead of it with `LD_PRELOAD`, or a link that lost it). Benchmarks record it.
    static let name: String = {
        guard let block = malloc(64) else { return "system" }
        defer { free(block) }
        return owns(block) ? "tcmalloc" : "system"
    }()

    /// Whether tcmalloc allocated the block at `pointer` (a tensor buffer, say).
    static func owns(_ pointer: UnsafeRawPointer) -> Bool {
        MallocExtension_GetOwnership(pointer) == MallocExtension_kOwned
    }
}
