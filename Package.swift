// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Lookalike",
    products: [
        .library(name: "Lookalike", targets: ["Lookalike"]),
        .executable(name: "lookalike", targets: ["LookalikeCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        // SHA-256 of weights files: 7x the hand-written Swift one (ARCHITECTURE.md, "chosen by measurement").
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C libraries, each behind a system-library module; only Sources/Lookalike/*/Native*.swift wrappers import them.
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3",
                       providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        // Small C pieces: libpng's setjmp error handling, and hot loops compiled with run-time SIMD dispatch.
        .target(name: "CLookalikeNative", dependencies: ["CPNG"],
                cSettings: [.unsafeFlags(["-O3"])]),
        // The network engine (conv.c): packed weights, NHWC implicit GEMM, run-time AVX-512/AVX2/portable kernels.
        .target(name: "CLookalikeConv",
                cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "Lookalike",
                dependencies: ["CTurboJPEG", "CFFTW", "COpenBLAS", "CLookalikeNative", "CLookalikeConv",
                               .product(name: "HeapModule", package: "swift-collections"),
                               .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(name: "LookalikeCLI", dependencies: [
            "Lookalike",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "LookalikeBenchmarks", dependencies: ["Lookalike", "CTurboJPEG", "COpenBLAS"],
                          path: "Benchmarks/LookalikeBenchmarks"),
        // Fuzz harness: a replayer in a plain build; Benchmarks/fuzz.sh builds it again as a libFuzzer binary.
        .executableTarget(name: "LookalikeFuzz", dependencies: ["Lookalike"], path: "Benchmarks/Fuzz",
                          exclude: ["image.dict"]),
        .testTarget(name: "LookalikeTests", dependencies: ["Lookalike"]),
    ]
)
