#define _GNU_SOURCE
#include <pthread.h>
#include <malloc.h>
#include <spawn.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "cshims.h"

int cc_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid) {
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    *pid = cred.pid;
    *uid = cred.uid;
    *gid = cred.gid;
    return 0;
}

void cc_set_thread_name(const char *name) {
    char short_name[16];
    strncpy(short_name, name, sizeof(short_name) - 1);
    short_name[sizeof(short_name) - 1] = 0;
    pthread_setname_np(pthread_self(), short_name);
}

int cc_accept_nonblocking(int fd) {
    return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int cc_pipe_nonblocking(int fds[2]) {
    return pipe2(fds, O_NONBLOCK | O_CLOEXEC);
}

int cc_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int cc_malloc_trim(void) {
    return malloc_trim(0);
}

int cc_spawn_close_from(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

#include <sys/timex.h>
int cc_clock_state(int *unsync) {
    struct timex tx = {0};
    tx.modes = 0;
    int state = adjtimex(&tx);
    if (state < 0) return -1;
    *unsync = (tx.status & STA_UNSYNC) != 0;
    return state;
}

#include <link.h>
#include <elf.h>

struct cc_build_id_search { char *out; int capacity; int length; };

static int cc_build_id_phdr(struct dl_phdr_info *info, size_t size, void *data) {
    struct cc_build_id_search *s = data;
    (void)size;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type != PT_NOTE) continue;
        const unsigned char *p = (const unsigned char *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
        const unsigned char *end = p + info->dlpi_phdr[i].p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
            const unsigned char *name = p + sizeof(ElfW(Nhdr));
            const unsigned char *desc = name + ((n->n_namesz + 3) & ~3u);
            if (desc + n->n_descsz > end) break;
            if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && name[0] == 'G' && name[1] == 'N' && name[2] == 'U') {
                int len = 0;
                for (unsigned j = 0; j < n->n_descsz && len + 2 < s->capacity; j++) {
                    static const char hex[] = "0123456789abcdef";
                    s->out[len++] = hex[desc[j] >> 4];
                    s->out[len++] = hex[desc[j] & 15];
                }
                s->out[len] = 0;
                s->length = len;
                return 1;
            }
            p = desc + ((n->n_descsz + 3) & ~3u);
        }
    }
    return 1;  /* the first object is the executable itself: stop there */
}

int cc_build_id(char *out, int capacity) {
    struct cc_build_id_search s = { out, capacity, 0 };
    if (capacity < 1) return 0;
    out[0] = 0;
    dl_iterate_phdr(cc_build_id_phdr, &s);
    return s.length;
}

#include <stdlib.h>
#include <errno.h>

int cc_open_pty(int *master, int *slave, char *name, int capacity) {
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return -1;
    if (grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, name, (size_t)capacity) != 0) {
        int e = errno;
        close(m);
        errno = e;
        return -1;
    }
    int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        int e = errno;
        close(m);
        errno = e;
        return -1;
    }
    *master = m;
    *slave = s;
    return 0;
}

/* Every assert(3) in the process ends here (this definition in the executable comes before glibc's for the shared
   libraries too). Outside a guard it does what glibc's does: the message, then abort(3). Inside one (cshims.h), an
   assertion from the guarded file returns to the guard. libmosquitto 2.0.11 (Debian 12) asserts a handle in
   log__printf that its own property__read does not pass when a broker's packet holds a property identifier it does
   not know: a broker could abort the daemon (hardening 3, finding 4). */
#include <setjmp.h>
#include <stdio.h>
#include <errno.h>
__thread sigjmp_buf *cc_assert_escape;
__thread const char *cc_assert_escape_file;

void __assert_fail(const char *assertion, const char *file, unsigned int line, const char *function) {
    if (cc_assert_escape && cc_assert_escape_file && file) {
        size_t n = strlen(file), m = strlen(cc_assert_escape_file);
        if (n >= m && strcmp(file + n - m, cc_assert_escape_file) == 0) siglongjmp(*cc_assert_escape, 1);
    }
    fprintf(stderr, "%s: %s:%u: %s%sAssertion `%s' failed.\n", program_invocation_short_name, file ? file : "?", line,
            function ? function : "", function ? ": " : "", assertion ? assertion : "?");
    fflush(stderr);
    abort();
}
