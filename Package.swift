// swift-tools-version:6.2
//
// AsyncRTC — WebRTC and ORTC for Swift. The module layering follows DESIGN.md:
//   RTCWire → RTCCrypto → RTCTransport → RTCMedia → AsyncRTC → AsyncRTCContrib
// An arrow only ever points down; C libraries enter through the CRTC* system-library targets.
import PackageDescription

/// Settings applied to every Swift target (one loop, as swift-asn1 does).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // The foundation promises a build without warnings: hold every target of ours to it.
    .treatAllWarnings(as: .error),
]

/// One system-library target per C library; each has a module map and a shim header under CSystemLibs/.
func systemLibrary(_ name: String, pkgConfig: String, apt: [String], brew: [String]) -> Target {
    .systemLibrary(
        name: name,
        path: "CSystemLibs/\(name)",
        pkgConfig: pkgConfig,
        providers: [.apt(apt), .brew(brew)]
    )
}

let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioConcurrencyHelpers: Target.Dependency = .product(name: "NIOConcurrencyHelpers", package: "swift-nio")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

/// The fuzz targets: each parses hostile bytes with one RTCWire parser. Built normally they are replay tools
/// (`swift run FuzzSTUN file...`); built with `-DFUZZING -sanitize=fuzzer,address` (see scripts/fuzz) they are
/// libFuzzer binaries.
let fuzzTargets = ["FuzzSTUN", "FuzzSDP", "FuzzCandidate", "FuzzRTP", "FuzzRTCP", "FuzzDCEP", "FuzzVP8", "FuzzVP9", "FuzzDNS", "FuzzOpus", "FuzzDemux"]
/// Fuzz targets above RTCWire (the signaling JSON of AsyncRTCContrib; usrsctp behind `SCTPPacketFilter`): their
/// checks live in FuzzStackSupport so that FuzzSupport, and the RTCWire fuzz builds, stay free of the stack.
let stackFuzzTargets = ["FuzzSignaling", "FuzzSCTP"]

var targets: [Target] = [
    systemLibrary("CRTCOpenSSL", pkgConfig: "openssl", apt: ["libssl-dev"], brew: ["openssl@3"]),
    systemLibrary("CRTCSRTP", pkgConfig: "libsrtp2", apt: ["libsrtp2-dev"], brew: ["srtp"]),
    systemLibrary("CRTCOpus", pkgConfig: "opus", apt: ["libopus-dev"], brew: ["opus"]),
    systemLibrary("CRTCVPX", pkgConfig: "vpx", apt: ["libvpx-dev"], brew: ["libvpx"]),
    systemLibrary("CRTCUsrsctp", pkgConfig: "usrsctp", apt: ["libusrsctp-dev"], brew: ["usrsctp"]),

    .target(name: "RTCWire", dependencies: [nioCore]),
    .target(name: "RTCCrypto", dependencies: ["RTCWire", "CRTCOpenSSL"]),
    .target(name: "RTCTransport", dependencies: ["RTCWire", "RTCCrypto", "CRTCSRTP", "CRTCUsrsctp", nioCore, nioPosix, nioConcurrencyHelpers, logging]),
    .target(name: "RTCMedia", dependencies: ["RTCWire", "RTCTransport", "CRTCOpus", "CRTCVPX"]),
    .target(name: "AsyncRTC", dependencies: ["RTCWire", "RTCCrypto", "RTCTransport", "RTCMedia", logging]),
    .target(name: "AsyncRTCContrib", dependencies: ["AsyncRTC", nioCore, nioPosix]),
    .target(name: "AsyncRTCTesting", dependencies: ["AsyncRTC", "RTCTransport", nioCore, nioPosix]),

    .target(name: "ExampleSupport", dependencies: ["AsyncRTCContrib", argumentParser], path: "Examples/ExampleSupport"),
    .executableTarget(name: "datachannel-cli", dependencies: ["ExampleSupport", "AsyncRTCContrib", argumentParser],
                     path: "Examples/datachannel-cli"),
    .executableTarget(name: "datachannel-filexfer", dependencies: ["ExampleSupport", "AsyncRTCContrib", argumentParser],
                     path: "Examples/datachannel-filexfer"),
    .executableTarget(name: "webrtc-server",
                     dependencies: ["AsyncRTC", "AsyncRTCContrib", nioCore, nioPosix, nioHTTP1, argumentParser, logging],
                     path: "Examples/webrtc-server"),
    .executableTarget(name: "videostream-cli", dependencies: ["ExampleSupport", "AsyncRTCContrib", argumentParser],
                     path: "Examples/videostream-cli"),
    .executableTarget(name: "media-relay", dependencies: ["ExampleSupport", "AsyncRTCContrib", argumentParser],
                     path: "Examples/media-relay"),
    .executableTarget(name: "bench-setup", dependencies: ["AsyncRTC"], path: "Benchmarks/Sources/bench-setup"),
    // Benchmark scenarios 3–6 (scripts/bench builds them in release); the micro-benchmarks live in their own
    // package, Benchmarks/Package.swift, so this package never builds ordo-one/benchmark.
    .executableTarget(name: "bench-memory", dependencies: ["AsyncRTC"], path: "Benchmarks/Sources/bench-memory"),
    .executableTarget(name: "bench-media", dependencies: ["AsyncRTC", "AsyncRTCContrib"], path: "Benchmarks/Sources/bench-media"),
    .executableTarget(name: "bench-sfu", dependencies: ["AsyncRTC", "AsyncRTCContrib"], path: "Benchmarks/Sources/bench-sfu"),
    .executableTarget(name: "bench-srtp", dependencies: ["RTCTransport", "RTCCrypto", "CRTCSRTP", nioCore],
                     path: "Benchmarks/Sources/bench-srtp"),
    .executableTarget(name: "rtc-demo", dependencies: ["AsyncRTC", "AsyncRTCContrib", "AsyncRTCTesting"],
                     path: "Examples/rtc-demo"),

    .testTarget(name: "RTCWireTests", dependencies: ["RTCWire", "RTCCrypto", "FuzzSupport"],
                resources: [.copy("Fixtures")]),
    .testTarget(name: "RTCCryptoTests", dependencies: ["RTCCrypto", "AsyncRTCTesting"]),
    .testTarget(name: "RTCTransportTests", dependencies: ["RTCTransport", "RTCCrypto", "AsyncRTCTesting"]),
    .testTarget(name: "RTCMediaTests", dependencies: ["RTCMedia"]),
    .testTarget(name: "AsyncRTCTests", dependencies: ["AsyncRTC", "AsyncRTCContrib", "AsyncRTCTesting", "RTCCrypto",
                                                     "FuzzSupport", "FuzzStackSupport"]),
    // Interop with real peers (aiortc from PyPI, pinned in Tests/InteropTests/Peers/requirements.txt).
    .testTarget(name: "InteropTests", dependencies: ["AsyncRTC", "AsyncRTCContrib", "AsyncRTCTesting"], exclude: ["Peers"]),
]

targets.append(.target(name: "CRTCFuzzDriver", path: "Fuzz/CRTCFuzzDriver"))
targets.append(.target(name: "FuzzSupport", dependencies: ["RTCWire", "CRTCFuzzDriver", nioCore], path: "Fuzz/FuzzSupport"))
targets.append(.target(name: "FuzzStackSupport", dependencies: ["FuzzSupport", "RTCWire", "RTCTransport", "AsyncRTC",
                                                                 "AsyncRTCContrib"], path: "Fuzz/FuzzStackSupport"))
targets += fuzzTargets.map { name in
    .executableTarget(name: name, dependencies: ["FuzzSupport"], path: "Fuzz/\(name)")
}
targets += stackFuzzTargets.map { name in
    .executableTarget(name: name, dependencies: ["FuzzSupport", "FuzzStackSupport"], path: "Fuzz/\(name)")
}

for target in targets where target.type != .system && target.name != "CRTCFuzzDriver" {
    var settings = target.swiftSettings ?? []
    settings.append(contentsOf: swiftSettings)
    target.swiftSettings = settings
}

let package = Package(
    name: "AsyncRTC",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AsyncRTC", targets: ["AsyncRTC"]),
        .library(name: "AsyncRTCContrib", targets: ["AsyncRTCContrib"]),
        .library(name: "AsyncRTCTesting", targets: ["AsyncRTCTesting"]),
        .executable(name: "rtc-demo", targets: ["rtc-demo"]),
        .executable(name: "datachannel-cli", targets: ["datachannel-cli"]),
        .executable(name: "datachannel-filexfer", targets: ["datachannel-filexfer"]),
        .executable(name: "webrtc-server", targets: ["webrtc-server"]),
        .executable(name: "videostream-cli", targets: ["videostream-cli"]),
        .executable(name: "media-relay", targets: ["media-relay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: targets,
    swiftLanguageModes: [.v6]
)
