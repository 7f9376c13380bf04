// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "rekey",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rekey", targets: ["rekey"])
    ],
    targets: [
        // Thin entry point: everything lives in the libraries below.
        .executableTarget(name: "rekey", dependencies: ["RekeyCLI"]),

        // Argument parsing, commands, help, terminal rendering and prompts.
        .target(
            name: "RekeyCLI",
            dependencies: ["RekeyCore", "RekeyPlatforms", "RekeySandbox"]
        ),

        // Playbook, plan, state machine, executor, journal, targets, and the
        // Platform / SecretTarget protocols every backend implements.
        .target(name: "RekeyCore", dependencies: ["RekeyCrypto"]),

        // Swift wrapper over libcrypto: SHA-256, HMAC-SHA256, AES-256-GCM, random bytes.
        .target(name: "RekeyCrypto", dependencies: ["CLibCrypto"]),

        // System library target over OpenSSL's libcrypto.
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),

        // Real platform backends: Inngest (REST v2 + GraphQL), HTTP client.
        .target(name: "RekeyPlatforms", dependencies: ["RekeyCore", "RekeyCrypto"]),

        // The embedded emulator, in-process and over HTTP (`rekey sandbox serve`).
        .target(name: "RekeySandbox", dependencies: ["RekeyCore", "RekeyCrypto", "RekeyPlatforms"]),

        // What tests share: the safety invariants checked independently of the engine, fixtures and seeded
        // generators. No product depends on it.
        .target(name: "RekeyTesting", dependencies: ["RekeyCore", "RekeySandbox"]),

        // The model-based safety test as a soak (`swift run -c release rekey-soak --schedules 10000`).
        .executableTarget(name: "rekey-soak", dependencies: ["RekeyTesting"], path: "Sources/RekeySoak"),

        // The performance benchmark (`swift run -c release rekey-bench`): runs the built `rekey` against
        // `rekey sandbox serve`; no test target depends on it.
        .executableTarget(
            name: "rekey-bench",
            dependencies: ["rekey", "RekeyCore", "RekeyPlatforms", "RekeySandbox"],
            path: "Sources/RekeyBench"
        ),

        .testTarget(name: "RekeyCryptoTests", dependencies: ["RekeyCrypto"]),
        .testTarget(name: "RekeyCoreTests", dependencies: ["RekeyCore", "RekeySandbox", "RekeyTesting"]),
        .testTarget(name: "RekeySandboxTests", dependencies: ["RekeySandbox", "RekeyCore", "RekeyPlatforms"]),
        .testTarget(name: "RekeyPlatformsTests", dependencies: ["RekeyPlatforms", "RekeyCore", "RekeySandbox"]),
        .testTarget(
            name: "RekeyCLITests",
            dependencies: ["RekeyCLI", "RekeyCore", "RekeySandbox", "RekeyPlatforms", "RekeyTesting"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["rekey", "RekeyCore", "RekeySandbox", "RekeyPlatforms", "RekeyTesting"],
            // The Inngest SDK apps the tests start (located through #filePath, not as resources).
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
