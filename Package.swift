// swift-tools-version:6.0
// Pix2PixZoo: pix2pix image-to-image translation as a model zoo.
//
// Layering (arrows point to what a module imports; nothing imports upward). Every target below
// declares exactly the modules its sources import: scripts/check_package_deps.py checks it in
// `make test`.
//
//   pix2pix (executable: argument parsing, progress display, exit codes)
//     ├─► Distributed (MPI: Base's Communicator for `mpirun -np N pix2pix train`) ─► Base, CMPI
//     ├─► SeedNetworks (the seed Keras project's G and D as plug-in variants: public registry API only)
//     │     └─► Pix2Pix, NN, Tensor, Base
//     ├─► Export (ONNX and safetensors writers, safetensors reader) ─► Pix2Pix, Checkpoint, CKernels
//     ├─► TorchImport (the PyTorch .pth reader: zip / legacy stream, a pickle machine that never
//     │     calls anything; the reference's generators onto the registry's) ─► Pix2Pix, NN, Tensor, CKernels
//     ├─► Serve (`pix2pix serve`: pages and HTTP API on Hummingbird 2, limits, model cache) ─► Zoo, Imaging
//     └─► Zoo (cards, publish / verify, Translator)
//           └─► Pix2Pix (registry, networks, trainer, ablation, experiments)
//                 ├─► NN (Module, layers, Adam, schedules) ─► Tensor (autograd, oneDNN) ─► COneDNN, CKernels
//                 ├─► Checkpoint (.pzck container, JSON) ─► CZstd, CKernels
//                 ├─► Imaging (images, codecs, HDF5, datasets, metrics) ─► CHDF5, CImageCodecs, CKernels
//                 └─► Reports (charts, tables, HTML)
//   Tensor, Checkpoint, Imaging, Reports, NN ─► Base (seeded RNG, atomic / staged files, thread
//   policy, state mismatches, number formatting; Foundation only)
import PackageDescription

/// C kernels are compiled with -O3 even in debug builds so that tests stay fast (SwiftPM passes -O0
/// first in debug, and the later flag wins).
let cKernelFlags: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno"])]

let package = Package(
    name: "Pix2PixZoo",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pix2pix", targets: ["pix2pix"]),
        .library(name: "Pix2PixZoo", targets: ["Base", "Tensor", "NN", "Checkpoint", "Imaging", "Reports", "Pix2Pix", "Zoo", "SeedNetworks", "Export", "TorchImport", "Serve", "Distributed"]),
        .plugin(name: "publish-model", targets: ["PublishModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // `pix2pix serve` (the Serve module): the HTTP server, its event loops and its signal-driven shutdown.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.8.0"),
    ],
    targets: [
        // System libraries (Debian -dev packages, installed by scripts/bootstrap).
        .systemLibrary(name: "COneDNN", providers: [.apt(["libdnnl-dev"])]),  // Debian ships no dnnl.pc
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CImageCodecs", pkgConfig: "libpng16",
                       providers: [.apt(["libpng-dev", "libturbojpeg0-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        // tcmalloc replaces malloc in the pix2pix executable (not in the libraries: the host application picks its
        // allocator): a training step's tensors leave fewer holes in its heap than in glibc's (Docs: Performance).
        .systemLibrary(name: "CTCMalloc", pkgConfig: "libtcmalloc_minimal", providers: [.apt(["libgoogle-perftools-dev"])]),
        // Vectorised elementwise kernels, conversions and checksums in C (run-time CPU dispatch).
        .target(name: "CKernels", cSettings: cKernelFlags, linkerSettings: [.linkedLibrary("m")]),

        // The floor: seeded RNG, atomic and staged writes, the thread policy, state mismatches, formatting.
        .target(name: "Base"),
        .target(name: "Tensor", dependencies: ["Base", "COneDNN", "CKernels"]),
        .target(name: "Checkpoint", dependencies: ["Base", "CZstd", "CKernels"]),
        .target(name: "NN", dependencies: ["Base", "Tensor", "CKernels"]),
        .target(name: "Imaging", dependencies: ["Base", "CHDF5", "CImageCodecs", "CKernels"]),
        // Training curves, ablation charts, tables and self-contained HTML reports (Foundation only).
        .target(name: "Reports", dependencies: ["Base"]),
        .target(name: "Pix2Pix", dependencies: [
            "Base", "NN", "Tensor", "Checkpoint", "Imaging", "Reports",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // MPI for data-parallel training (`mpirun -np N pix2pix train`): the Communicator of Base over MPI.
        .target(name: "Distributed", dependencies: ["Base", "CMPI"]),
        .target(name: "Zoo", dependencies: ["Base", "Pix2Pix", "Checkpoint", "Imaging", "NN", "Tensor"]),
        // The seed project's networks, registered from outside the built-in tables as a third party would.
        .target(name: "SeedNetworks", dependencies: ["Base", "NN", "Tensor", "Pix2Pix"]),
        // ONNX and safetensors export, and the safetensors reader that brings such files back (Base, NN, Pix2Pix).
        .target(name: "Export", dependencies: ["Base", "Checkpoint", "CKernels", "NN", "Pix2Pix", "Tensor"]),
        // PyTorch .pth files in, nothing executed: zip and legacy formats, the allowlisted pickle machine,
        // the reference's U-Net state dicts onto the registry's networks (`pix2pix zoo import`).
        .target(name: "TorchImport", dependencies: ["Base", "CKernels", "NN", "Pix2Pix", "Tensor"]),
        // `pix2pix serve`: the zoo as a local web app and HTTP API (Hummingbird 2); pages and API over Zoo's Translator.
        .target(name: "Serve", dependencies: [
            "Base", "Checkpoint", "Imaging", "Pix2Pix", "Tensor", "Zoo",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "pix2pix", dependencies: [
            "Base", "CTCMalloc", "Distributed", "Export", "Serve", "Zoo", "Pix2Pix", "NN", "Tensor", "Checkpoint", "Imaging", "SeedNetworks", "TorchImport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `swift package --allow-writing-to-package-directory publish-model RUN --id ID --version X.Y.Z`: runs
        // `pix2pix zoo publish` into this package's Zoo/. No target dependency on pix2pix (that would build a
        // second host copy on every build, about +9 s on a cold debug build); the plugin builds the product itself.
        .plugin(name: "PublishModel",
                capability: .command(intent: .custom(verb: "publish-model", description: "Publish a trained model into this package's Zoo/"),
                                     permissions: [.writeToPackageDirectory(reason: "Publishes the model into the package's Zoo/ folder")])),
        // The DocC catalog lives in the top-level Docs/ (product card). Its Swift file imports nothing;
        // the dependencies let the combined documentation link into the modules (`make docs`).
        // Docs/Results holds the committed experiment result bundles (data, not sources or resources).
        .target(name: "Pix2PixZoo", dependencies: ["Tensor", "NN"], path: "Docs", exclude: ["Results"]),

        // Test-only code shared by the test targets: the golden-tensor loader (PyTorch fixtures) and the
        // plain-Swift reference convolution the oneDNN kernels are checked against. Not part of the product.
        .target(name: "TestSupport", dependencies: ["Tensor"], path: "Tests/TestSupport"),
        .testTarget(name: "BaseTests", dependencies: ["Base"]),
        .testTarget(name: "TensorTests", dependencies: ["Base", "Tensor", "COneDNN", "CKernels", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NNTests", dependencies: ["Base", "NN", "Tensor", "CKernels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CheckpointTests", dependencies: ["Base", "Checkpoint", "CKernels", "CZstd"]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed", "Base", "Checkpoint", "Imaging", "NN", "Pix2Pix", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports"]),
        .testTarget(name: "ImagingTests", dependencies: ["Base", "Imaging"], resources: [.copy("Fixtures")]),
        .testTarget(name: "Pix2PixTests", dependencies: ["Base", "Pix2Pix", "NN", "Tensor", "Checkpoint", "Imaging", "Reports"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "CLITests", dependencies: ["pix2pix", "Base", "Pix2Pix", "Checkpoint", "Imaging", "Tensor", "TestSupport",
                                                   .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "SeedNetworksTests", dependencies: ["SeedNetworks", "Pix2Pix", "NN", "Tensor", "Base", "Imaging", "Zoo", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "Base", "Checkpoint", "NN", "Pix2Pix", "Tensor", "Zoo", "pix2pix",
                                                      .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "TorchImportTests", dependencies: ["TorchImport", "pix2pix", "Base", "Checkpoint", "Imaging", "NN", "Pix2Pix", "Tensor", "Zoo",
                                                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
                    resources: [.copy("Fixtures")]),
        // Starts the server on an ephemeral port and drives it over HTTP (and headless Chromium: browser_test.py).
        .testTarget(name: "ServeTests", dependencies: ["Serve", "Imaging", "Pix2Pix", "Zoo", "TestSupport"], exclude: ["browser_test.py"]),
        .testTarget(name: "ZooTests", dependencies: ["Zoo", "Pix2Pix", "Imaging", "Checkpoint", "NN", "Tensor", "pix2pix", "TestSupport",
                                                   .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ]
)

// The libFuzzer targets (Tests/Fuzz): only with PIX2PIX_FUZZ=1, which `make fuzz-build` sets for a separate
// build in .build-fuzz (address sanitizer, fuzzer coverage). A plain `swift build` never sees them: its
// products, flags and build time are unchanged, and no executable here has to share `main` with libFuzzer.
if Context.environment["PIX2PIX_FUZZ"] == "1" {
    package.products.append(.executable(name: "pix2pix-fuzz", targets: ["Pix2PixFuzz"]))
    package.targets += [
        .systemLibrary(name: "CFuzzerDriver", path: "Tests/Fuzz/CFuzzerDriver"),
        .executableTarget(name: "Pix2PixFuzz", dependencies: ["CFuzzerDriver", "Checkpoint", "Imaging", "Pix2Pix", "TorchImport"],
                          path: "Tests/Fuzz/Pix2PixFuzz"),
    ]
}

// swift-docc-plugin only when docs are built (`make docs`): it costs every cold build 3–5 s otherwise.
if Context.environment["PIX2PIX_DOCS"] == "1" {
    package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"))
}
