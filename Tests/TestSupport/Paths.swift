import Foundation

/// The package's folder, found from this source file's path.
public func packageRoot(_ file: String = #filePath) -> String {
    var parts = file.split(separator: "/", omittingEmptySubsequences: false)
    while let last = parts.last, last != "Tests" { parts.removeLast() }
    parts.removeLast()
    return parts.joined(separator: "/")
}

/// Where `swift build` put the executables: `$COLDCHAIN_BIN_DIR`, else the debug folder of this package.
public func binaryPath(_ name: String) -> String {
    if let dir = ProcessInfo.processInfo.environment["COLDCHAIN_BIN_DIR"], !dir.isEmpty { return dir + "/" + name }
    return packageRoot() + "/.build/debug/" + name
}

/// shared/ beside the checkout (CI clones main with shared/ next to it): GS1's EPCIS schema.
public func sharedFolder() -> String {
    let beside = packageRoot() + "/../shared"
    return access(beside + "/epcis/EPCIS-JSON-Schema.json", R_OK) == 0 ? beside : "/work/shared"
}
