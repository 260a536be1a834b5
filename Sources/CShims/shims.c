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
