// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "followup",
    products: [
        .executable(name: "followup", targets: ["followup"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // libical, as the system has it: a module map and one shim header.
        .systemLibrary(
            name: "CLibical",
            pkgConfig: "libical",
            providers: [.apt(["libical-dev"])]
        ),
        // Files the way every writer here needs them: atomic replacement,
        // the folder lock, scratch files, content digests, file identities.
        // The one target that calls the system (Glibc): it uses O_TMPFILE,
        // sendfile and /proc/self/exe, so followup builds on Linux only.
        .target(name: "FileKit"),
        // libqrencode, as the system has it (Debian's libqrencode-dev).
        .systemLibrary(
            name: "CQRencode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        // QR codes for the owner's page: the only code that imports CQRencode.
        .target(name: "QRCode", dependencies: ["CQRencode"]),
        // The safe Swift layer over libical: the only code that imports CLibical.
        .target(name: "ICal", dependencies: ["CLibical"]),
        // The domain: leads, playbook, business calendar, planner. Pure, no I/O.
        .target(name: "FollowUp", dependencies: [
            .product(name: "Mustache", package: "swift-mustache"),
        ]),
        // Lead stores: the CSV lead sheet, and the SQLite store (GRDB).
        .target(name: "LeadStore", dependencies: [
            "FollowUp", "FileKit",
            .product(name: "CSV", package: "CSV.swift"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // Playbook files (YAML) and holiday calendars (.ics, through ICal).
        .target(name: "Playbooks", dependencies: [
            "FollowUp", "ICal",
            .product(name: "Yams", package: "Yams"),
        ]),
        // Touchpoints to calendars, split by owner, written atomically.
        .target(name: "Feeds", dependencies: ["FollowUp", "ICal", "FileKit"]),
        // The engine of `generate`: reads a lead source, plans every owner on
        // every core, streams the feeds into place; skips a run whose inputs
        // are the last run's.
        .target(name: "Generation", dependencies: ["FollowUp", "LeadStore", "Playbooks", "Feeds", "ICal", "FileKit"]),
        // Publishing: the feeds over HTTP behind private links (Hummingbird),
        // each owner's page, and the actions taken from a touch.
        .target(name: "Publish", dependencies: [
            "Feeds", "FileKit", "ICal", "FollowUp", "LeadStore", "QRCode",
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // The command line: argument parsing and wiring only.
        .executableTarget(name: "followup", dependencies: [
            "FollowUp", "LeadStore", "Feeds", "Generation", "Publish", "Playbooks", "ICal",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "ICalTests", dependencies: [
            "ICal",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "FollowUpTests", dependencies: [
            "FollowUp",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "PlaybooksTests", dependencies: ["Playbooks", "FollowUp"]),
        .testTarget(name: "LeadStoreTests", dependencies: [
            "LeadStore", "FollowUp",
            .product(name: "CSV", package: "CSV.swift"),
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "FileKitTests", dependencies: ["FileKit"]),
        .testTarget(name: "GenerationTests", dependencies: [
            "Generation", "Feeds", "FollowUp", "ICal", "LeadStore", "FileKit",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "PublishTests", dependencies: ["Publish", "Generation", "LeadStore", "Feeds", "FollowUp", "ICal", "QRCode"]),
        .testTarget(name: "CLITests", dependencies: [
            "followup",
            .product(name: "CSV", package: "CSV.swift"),
        ]),
    ]
)
