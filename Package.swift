// swift-tools-version:6.0
// coldchain gateway: one package, no Swift package dependencies (see README and DESIGN.md).
import PackageDescription

let package = Package(
    name: "coldchain",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "coldchaind", targets: ["coldchaind"]),
        .executable(name: "coldchainctl", targets: ["coldchainctl"]),
        .executable(name: "coldchain-sim", targets: ["coldchain-sim"]),
        .executable(name: "coldchain-bench", targets: ["coldchain-bench"]),
        .executable(name: "coldchain-web", targets: ["coldchain-web"]),
        // The package's one binary: the four programs above behind links (make deb).
        .executable(name: "coldchain", targets: ["coldchain"]),
        // The slow-disk shim (LD_PRELOAD) for `coldchain-bench slowdisk` and the slow-disk test; never linked.
        .library(name: "coldchain-fsync-delay", type: .dynamic, targets: ["CFsyncDelay"]),
    ],
    targets: [
        // C libraries, each imported by exactly one Swift module.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CModbus", pkgConfig: "libmodbus",
                       providers: [.apt(["libmodbus-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd",
                       providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto",
                       providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CCrypt", pkgConfig: "libcrypt",
                       providers: [.apt(["libcrypt-dev"])]),
        .target(name: "CShims"),
        // The raw C reference loops the benchmark compares against.
        .target(name: "CRawBench", cSettings: [.unsafeFlags(["-I/usr/include/modbus"])],
                linkerSettings: [.linkedLibrary("sqlite3"), .linkedLibrary("modbus"), .linkedLibrary("pthread")]),

        .target(name: "CFsyncDelay"),

        .target(name: "ColdChain"),
        .target(name: "POSIX", dependencies: ["CShims"]),
        .target(name: "Storage", dependencies: ["CSQLite", "ColdChain", "POSIX"]),
        .target(name: "Fieldbus", dependencies: ["CModbus", "ColdChain", "POSIX"]),
        .target(name: "Control", dependencies: ["ColdChain", "POSIX"]),
        // The platform's HTTP client: the only importer of libcurl.
        .target(name: "PlatformHTTP", dependencies: ["CCurl", "POSIX"]),
        // The MQTT client (issue 25): the only importer of libmosquitto.
        .target(name: "MQTT", dependencies: ["CMosquitto", "CShims"]),
        // coldchain-web's HTTP server: the only importer of libmicrohttpd.
        .target(name: "WebServer", dependencies: ["CMicroHTTPD"]),
        // What a person sees that more than one program draws: the chart and the record sheet (coldchainctl, coldchain-web).
        .target(name: "Views", dependencies: ["ColdChain"]),
        .target(name: "Gateway", dependencies: ["ColdChain", "Storage", "Fieldbus", "Control", "POSIX", "CShims", "PlatformHTTP", "MQTT"]),
        // Simulated fridges for the demo, the tests and the benchmarks: never linked into coldchaind's library.
        .target(name: "Simulation", dependencies: ["ColdChain", "Fieldbus", "POSIX"]),

        // Each program as a library with its entry point, so that one binary can hold them all (coldchain).
        .target(name: "DaemonProgram", dependencies: ["Gateway", "ColdChain", "POSIX"]),
        .target(name: "CtlProgram", dependencies: ["Control", "ColdChain", "Storage", "POSIX", "Views"]),
        .target(name: "WebProgram", dependencies: ["WebServer", "CCrypt", "Control", "ColdChain", "POSIX", "Views"]),
        .executableTarget(name: "coldchaind", dependencies: ["DaemonProgram", "POSIX"]),
        .executableTarget(name: "coldchainctl", dependencies: ["CtlProgram", "POSIX"]),
        .executableTarget(name: "coldchain-sim", dependencies: ["Simulation"]),
        .executableTarget(name: "coldchain-web", dependencies: ["WebProgram", "POSIX"]),
        .executableTarget(name: "coldchain", dependencies: ["DaemonProgram", "CtlProgram", "WebProgram", "Simulation", "ColdChain", "POSIX"]),
        .executableTarget(name: "coldchain-bench", dependencies: ["Storage", "ColdChain", "CRawBench", "Fieldbus", "POSIX", "Control", "Gateway", "PlatformHTTP", "MQTT"]),

        // Helpers shared by the test targets (temporary folders, paths of the built executables).
        .target(name: "TestSupport", dependencies: ["POSIX"], path: "Tests/TestSupport"),
        .testTarget(name: "ColdChainTests", dependencies: ["ColdChain", "TestSupport"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "ColdChain", "TestSupport"]),
        .testTarget(name: "FieldbusTests", dependencies: ["Fieldbus", "ColdChain", "POSIX", "TestSupport"]),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway", "Control", "Storage", "ColdChain", "POSIX", "TestSupport"]),
        .testTarget(name: "PlatformHTTPTests", dependencies: ["PlatformHTTP", "TestSupport"]),
        // What a person sees: every human renderer of coldchainctl against golden text, in 80 columns.
        .testTarget(name: "ViewTests", dependencies: ["CtlProgram", "Views", "Control", "ColdChain", "Storage", "TestSupport"],
                    exclude: ["Golden", "Replies"]),
        // coldchain-web's own rules: the login lock, sessions, the user file, forms, the pages' escaping.
        .testTarget(name: "WebAppTests", dependencies: ["WebProgram", "WebServer", "Control", "ColdChain", "TestSupport"]),
        // libmosquitto against Debian's mosquitto broker, started by the tests.
        .testTarget(name: "MQTTTests", dependencies: ["MQTT", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["ColdChain", "Control", "Storage", "POSIX", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
