// swift-tools-version: 6.1
//
// Micro-benchmarks of AsyncRTC's hot paths (benchmark scenario 7) with ordo-one/package-benchmark. A package of
// its own, depending on AsyncRTC by path, so that the main package and CI never build the benchmark tooling.
//   cd Benchmarks && swift package benchmark                      run, with allocation counts
//   cd Benchmarks && swift package benchmark thresholds check     compare against Thresholds/ (exit 2 = regression)
//   cd Benchmarks && swift package --allow-writing-to-package-directory benchmark thresholds update
// The end-to-end scenarios (1–5, against aiortc) are executables of the root package; see scripts/bench.
import PackageDescription

let package = Package(
    name: "AsyncRTCBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "AsyncRTC", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark.git", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "WireBenchmarks",
            dependencies: [
                .product(name: "AsyncRTC", package: "AsyncRTC"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/WireBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
