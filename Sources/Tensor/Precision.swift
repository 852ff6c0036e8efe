/// The arithmetic precision convolutions run in.
///
/// `fp32` everywhere by default. Under `bf16` (mixed precision), convolutions and transposed
/// convolutions convert their activations and weights to bfloat16 and run oneDNN's bf16 kernels
/// (AMX / AVX-512 BF16 on CPUs that have them), accumulating in fp32 and writing fp32 results;
/// everything else — master weights, gradients as stored, batch norm, losses, Adam — stays fp32.
/// Set it for a region of code with ``with(_:_:)`` (a task-local value, like ``GradMode``).
public enum Precision: String, Sendable, CaseIterable, Codable {
    case fp32
    case bf16

    /// The precision in effect for the current task.
    @TaskLocal public static var current: Precision = .fp32

    /// Runs `body` with ``current`` set to `precision`.
    public static func with<R>(_ precision: Precision, _ body: () throws -> R) rethrows -> R {
        try $current.withValue(precision) { try body() }
    }
}
