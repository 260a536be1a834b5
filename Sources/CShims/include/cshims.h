#ifndef COLDCHAIN_CSHIMS_H
#define COLDCHAIN_CSHIMS_H
#include <sys/types.h>

/// The peer's process, user and group ids of a connected AF_UNIX socket (SO_PEERCRED).
/// Swift's Glibc module hides `struct ucred` (a GNU extension), hence this shim. Returns 0, or -1 with errno set.
int cc_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid);

/// Names the calling thread (shown by top -H and in core dumps). pthread_setname_np is a GNU extension
/// Swift's Glibc module hides. Names longer than 15 bytes are cut by the kernel.
void cc_set_thread_name(const char *name);

/// accept4(2) with SOCK_NONBLOCK|SOCK_CLOEXEC, and pipe2(2) with O_NONBLOCK|O_CLOEXEC: GNU calls Swift's Glibc
/// module hides. Setting the flags atomically keeps a child started by another thread from inheriting them.
int cc_accept_nonblocking(int fd);
int cc_pipe_nonblocking(int fds[2]);
/// pipe2(2) with O_CLOEXEC only (blocking), for a child's stdin.
int cc_pipe_cloexec(int fds[2]);

/// malloc_trim(3): gives freed heap memory back to the system. glibc keeps freed memory of a large reply in its
/// arenas otherwise, so a daemon that answered one big query would stay at its peak size. Declared in malloc.h,
/// which Swift's Glibc module does not export.
int cc_malloc_trim(void);

/// posix_spawn_file_actions_addclosefrom_np(3) (glibc 2.34): the child closes every descriptor from `from` on,
/// so it inherits none of the daemon's sockets. A GNU extension Swift's Glibc module hides.
#include <spawn.h>
int cc_spawn_close_from(posix_spawn_file_actions_t *actions, int from);

/// A read-only adjtimex(2) (modes 0; no privilege needed): returns its clock state (TIME_ERROR, 5, when not
/// synchronised) and sets *unsync to whether STA_UNSYNC is set; -1 with errno on failure. <sys/timex.h> is not in
/// Swift's Glibc module.
int cc_clock_state(int *unsync);

/// The GNU build-id of the running executable (the linker's hash of its contents, `file` shows it) as lowercase
/// hex into `out` (at least 2*20+1 bytes for SHA-1 ids); returns its length, or 0 when the executable has none.
/// Read from the program's own PT_NOTE segments in memory (dl_iterate_phdr), not from a file.
int cc_build_id(char *out, int capacity);

/// A new pseudo-terminal with both ends opened O_CLOEXEC in the open calls themselves (openpty(3) sets no flag, and
/// setting it afterwards leaves a window in which a child started by another thread inherits them): posix_openpt,
/// grantpt, unlockpt, ptsname_r, then open(2) of the slave. Returns 0, or -1 with errno set (nothing left open).
int cc_open_pty(int *master, int *slave, char *name, int capacity);

/// An assertion (assert(3)) that fails on this thread, in a source file whose path ends in `cc_assert_escape_file`,
/// while `cc_assert_escape` is set, jumps there instead of aborting the process (see `__assert_fail` in shims.c).
/// Set only around calls into a library whose assertion a peer on the network can reach (CMosquitto's guards).
#include <setjmp.h>
extern __thread sigjmp_buf *cc_assert_escape;
extern __thread const char *cc_assert_escape_file;

#endif

#include <sys/random.h>
/* getrandom(2), which Glibc's Swift overlay does not import. */
static inline long cc_getrandom(void *buffer, size_t length) { return (long)getrandom(buffer, length, 0); }
