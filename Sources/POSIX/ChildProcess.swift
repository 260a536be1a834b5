import CShims
import Glibc
import Synchronization

/// A child process started with posix_spawn(3): no fork of a multi-threaded process, no Foundation.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    /// Set once the child is reaped: its pid may then be another process's, which must never be signalled.
    private let reaped = Atomic(false)
    /// The read end of the pipe the child's stdout and stderr go to (non-blocking), when `captureOutput`.
    public let output: FileDescriptor?
    /// The child leads a process group of its own (`ownGroup`): `signalGroup` reaches what it started too.
    public let ownGroup: Bool

    /// Starts `path` with `arguments`; stdin from /dev/null, stdout and stderr inherited unless they name a file.
    ///
    /// The child gets descriptors 0, 1 and 2 only: every other one is closed in it, whether or not it was opened
    /// with O_CLOEXEC (a library's socket, the platform connection, the ledger). Signals the daemon ignores or
    /// blocks (SIGPIPE, SIGTERM, SIGINT, SIGHUP) are back to their defaults in the child, which would otherwise
    /// inherit "ignored" across exec. `environment` replaces the daemon's whole environment when given.
    ///
    /// The corresponding C functions are posix_spawn(3) and posix_spawn_file_actions_addclosefrom_np(3).
    /// `captureOutput`: stdout and stderr go to one pipe, read through `output` (no file on disk). `ownGroup`: the
    /// child starts a process group of its own (posix_spawnattr_setpgroup(3) with 0).
    public init(path: String, arguments: [String], stdin: [UInt8]? = nil, stdout: String? = nil, stderr: String? = nil,
                environment: [String: String]? = nil, captureOutput: Bool = false, ownGroup: Bool = false) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), none = sigset_t()
        sigemptyset(&defaults)
        sigemptyset(&none)
        for s in [SIGPIPE, SIGTERM, SIGINT, SIGHUP] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (ownGroup ? POSIX_SPAWN_SETPGROUP : 0)))
        if ownGroup { posix_spawnattr_setpgroup(&attributes, 0) }
        self.ownGroup = ownGroup
        var input: [Int32] = [-1, -1]
        if stdin != nil {
            _ = try systemCall("pipe2") { cc_pipe_cloexec(&input) }
            posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        defer { if input[0] >= 0 { close(input[0]) } }
        var captured: [Int32] = [-1, -1]
        if captureOutput {
            // Blocking pipe: O_NONBLOCK belongs to the open file, which the child's end shares; a tool writing into a
            // full non-blocking pipe would fail with EAGAIN. Only the parent's read end is made non-blocking.
            _ = try systemCall("pipe2") { cc_pipe_cloexec(&captured) }
            posix_spawn_file_actions_adddup2(&actions, captured[1], 1)
            posix_spawn_file_actions_adddup2(&actions, captured[1], 2)
        } else {
            if let stdout { posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644) }
            if let stderr { posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644) }
        }
        // The parent keeps only the read end: the child's exit (and its children's) is then the pipe's end.
        defer { if captured[1] >= 0 { close(captured[1]) } }
        // After the dups above, so the pipe's read end is already on 0 when everything from 3 on is closed.
        _ = cc_spawn_close_from(&actions, 3)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { env in env.keys.sorted().map { strdup("\($0)=\(env[$0]!)") } + [nil] }
        defer { envp?.forEach { free($0) } }
        var child: pid_t = 0
        let rc = envp.map { e in posix_spawn(&child, path, &actions, &attributes, argv, e) } ?? posix_spawn(&child, path, &actions, &attributes, argv, environ)
        guard rc == 0 else {
            if input[1] >= 0 { close(input[1]) }
            if captured[0] >= 0 { close(captured[0]) }
            throw Errno("posix_spawn \(path)", code: rc)
        }
        pid = child
        output = captured[0] >= 0 ? FileDescriptor(adopting: captured[0]) : nil
        try output?.setNonBlocking(true)
        if let stdin {
            // A child that exits without reading gets EPIPE here, not SIGPIPE (ignored by the daemon).
            let writer = FileDescriptor(adopting: input[1])
            try? stdin.withUnsafeBytes { try writer.writeAll($0) }
            writer.close()
        }
    }

    /// The exit status if the child has ended, else nil; does not block.
    ///
    /// The corresponding C function is waitpid(2) with WNOHANG.
    public func poll() -> Int32? {
        guard !reaped.load(ordering: .acquiring) else { return nil }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        guard r == pid else { return nil }
        reaped.store(true, ordering: .releasing)
        let signaled = status & 0x7f
        return signaled == 0 ? (status >> 8) & 0xff : 128 + signaled
    }

    /// The corresponding C function is kill(2).
    public func signal(_ s: Int32) { if !reaped.load(ordering: .acquiring) { kill(pid, s) } }

    /// Signals the child's whole process group (what it started too), when it leads one; else the child. Valid
    /// after the child has exited as long as a member of its group lives (the group id is not reused meanwhile).
    ///
    /// The corresponding C function is kill(2) with a negative pid.
    public func signalGroup(_ s: Int32) {
        if ownGroup { kill(-pid, s) } else { signal(s) }
    }

    /// Waits for the child to exit; its exit status (128+N for signal N).
    ///
    /// The corresponding C function is waitpid(2).
    @discardableResult
    public func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped.store(true, ordering: .releasing)
        let signaled = status & 0x7f
        return signaled == 0 ? (status >> 8) & 0xff : 128 + signaled
    }
}
