// swift-tools-version:6.0
// Pix2PixZoo: pix2pix image-to-image translation as a model zoo.
// Module direction (DESIGN §3): pix2pix → Zoo → Pix2Pix → NN → Tensor → COneDNN;
// NN → Checkpoint → CZstd; Pix2Pix → Imaging → CHDF5, CImageCodecs.
import PackageDescription

/// C kernels are compiled with -O3 even in debug builds so that tests stay fast (TOOLCHAIN §6).
let cKernelFlags: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno"])]

let package = Package(
    name: "Pix2PixZoo",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pix2pix", targets: ["pix2pix"]),
        .library(name: "Pix2PixZoo", targets: ["Tensor", "NN", "Checkpoint", "Imaging", "Pix2Pix", "Zoo", "Reports"]),
        .plugin(name: "publish-model", targets: ["PublishModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // System libraries (Debian -dev packages, installed by scripts/bootstrap).
        .systemLibrary(name: "COneDNN", providers: [.apt(["libdnnl-dev"])]),  // Debian ships no dnnl.pc
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CImageCodecs", pkgConfig: "libpng16",
                       providers: [.apt(["libpng-dev", "libturbojpeg0-dev"])]),
        // Vectorised elementwise kernels, conversions and checksums in C (run-time CPU dispatch).
        .target(name: "CKernels", cSettings: cKernelFlags, linkerSettings: [.linkedLibrary("m")]),

        // The floor: seeded RNG, atomic and staged writes, the thread policy, state mismatches, formatting.
        .target(name: "Base"),
        .target(name: "Tensor", dependencies: ["Base", "COneDNN", "CKernels"]),
        .target(name: "Checkpoint", dependencies: ["Base", "CZstd", "CKernels"]),
        .target(name: "NN", dependencies: ["Tensor", "Checkpoint"]),
        .target(name: "Imaging", dependencies: ["Base", "CHDF5", "CImageCodecs", "CKernels"]),
        // Training curves, ablation charts, tables and self-contained HTML reports (Foundation only).
        .target(name: "Reports", dependencies: ["Base"]),
        .target(name: "Pix2Pix", dependencies: [
            "NN", "Tensor", "Checkpoint", "Imaging", "Reports",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Zoo", dependencies: ["Pix2Pix", "Checkpoint", "Imaging", "NN", "Tensor"]),
        .executableTarget(name: "pix2pix", dependencies: [
            "Zoo", "Pix2Pix", "NN", "Tensor", "Checkpoint", "Imaging",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `swift package --allow-writing-to-package-directory publish-model RUN --id ID --version X.Y.Z`: runs
        // `pix2pix zoo publish` into this package's Zoo/. No target dependency on pix2pix (that would build a
        // second host copy on every build); the plugin builds the product itself (TOOLCHAIN §4).
        .plugin(name: "PublishModel",
                capability: .command(intent: .custom(verb: "publish-model", description: "Publish a trained model into this package's Zoo/"),
                                     permissions: [.writeToPackageDirectory(reason: "Publishes the model into the package's Zoo/ folder")])),
        // The DocC catalog lives in the top-level Docs/ (product card); see TOOLCHAIN §3.
        .target(name: "Pix2PixZoo", dependencies: ["Tensor", "NN"], path: "Docs"),

        // Golden-tensor loader and comparison shared by the test targets (PyTorch fixtures).
        .target(name: "TestSupport", dependencies: ["Tensor"], path: "Tests/TestSupport"),
        .testTarget(name: "BaseTests", dependencies: ["Base"]),
        .testTarget(name: "TensorTests", dependencies: ["Base", "Tensor", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NNTests", dependencies: ["Base", "NN", "Tensor", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CheckpointTests", dependencies: ["Base", "Checkpoint"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports"]),
        .testTarget(name: "ImagingTests", dependencies: ["Base", "Imaging"], resources: [.copy("Fixtures")]),
        .testTarget(name: "Pix2PixTests", dependencies: ["Base", "Pix2Pix", "NN", "Tensor", "Checkpoint", "Imaging", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "CLITests", dependencies: ["pix2pix"]),
        .testTarget(name: "ZooTests", dependencies: ["Zoo", "Pix2Pix", "Imaging", "Checkpoint", "NN", "Tensor", "pix2pix"]),
    ]
)

// swift-docc-plugin only when docs are built (`make docs`): it costs every cold build 3–5 s otherwise.
if Context.environment["PIX2PIX_DOCS"] == "1" {
    package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"))
}
