import Foundation
import Glibc

/// A child process of one of the package's executables, with its output collected in files.
public final class Subprocess: @unchecked Sendable {
    public let process = Process()
    public let stdoutPath: String
    public let stderrPath: String

    public convenience init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], outputDir: String) throws {
        try self.init(absolute: binaryPath(executable), arguments, environment: environment, outputDir: outputDir)
    }

    /// Runs the program at `path` (python3, socat ...).
    public init(absolute path: String, _ arguments: [String], environment: [String: String] = [:], outputDir: String) throws {
        let executable = String(path.split(separator: "/").last ?? "")
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "COLDCHAIN_SOCKET")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let tag = "\(executable)-\(UInt32.random(in: 0...UInt32.max))"
        stdoutPath = outputDir + "/\(tag).out"
        stderrPath = outputDir + "/\(tag).err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let out = FileHandle(forWritingAtPath: stdoutPath), err = FileHandle(forWritingAtPath: stderrPath)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The child has its own copies: the parent's are closed now, not when Foundation lets go of the Process.
        // They were kept: 700 open files by the end of a run, and libmodbus's select() aborts on a descriptor
        // past FD_SETSIZE (1024), which a loaded run reached.
        try? out?.close()
        try? err?.close()
    }

    public var pid: Int32 { process.processIdentifier }
    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    public func signal(_ s: Int32) { kill(process.processIdentifier, s) }

    /// Waits up to `seconds` for the process to exit; its status, or nil if it is still running.
    public func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }
}

/// Runs one of the package's executables to completion: (status, stdout, stderr).
public func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                timeout: Double = 30) throws -> (status: Int32, out: String, err: String) {
    let dir = NSTemporaryDirectory()
    let p = try Subprocess(executable, arguments, environment: environment, outputDir: dir)
    guard let status = p.wait(seconds: timeout) else {
        p.signal(SIGKILL)
        return (-1, p.stdout, p.stderr + "\n(timed out)")
    }
    defer { try? FileManager.default.removeItem(atPath: p.stdoutPath); try? FileManager.default.removeItem(atPath: p.stderrPath) }
    return (status, p.stdout, p.stderr)
}

/// Runs a program from the system (sqlite3, python3 ...): (status, stdout+stderr).
public func shell(_ command: String) -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", command]
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try? p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}
