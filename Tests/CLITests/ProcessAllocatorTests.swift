import Testing
import Tensor
@testable import pix2pix

@Suite("the pix2pix executable's allocator")
struct ProcessAllocatorTests {
    @Test("tcmalloc serves the process's malloc, tensor buffers of every size included")
    func tcmallocServesTensorBuffers() {
        // Fails when the link loses tcmalloc (an --as-needed link, a dependency dropped from Package.swift):
        // glibc's heap would then serve the tensors again, at up to 300 MB more peak RSS per training run.
        #expect(ProcessAllocator.name == "tcmalloc")
        for shape in [[16], [64, 64, 64], [4, 128, 128, 64]] {  // a size class, and 1 MB and 16 MB from the page heap
            let tensor = Tensor.empty(shape)
            #expect(ProcessAllocator.owns(tensor.pointer), "a \(shape) tensor's buffer")
        }
    }
}
