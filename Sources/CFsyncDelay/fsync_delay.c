// A slow disk for benchmarks and tests, as an LD_PRELOAD shim (libcoldchain-fsync-delay.so, built with the package).
// A worn SD card or a USB stick under load takes 50-500 ms per fsync; this makes every fsync(2) and fdatasync(2) of
// the process that loads it that slow, so that what waits for the disk shows:
//   COLDCHAIN_FSYNC_DELAY_MS   milliseconds added to every call (0 or unset: none);
//   COLDCHAIN_FSYNC_BLOCK_FILE while this file exists, every call waits (an fsync stuck for as long as a test wants),
//                              and FILE.waiting is created once a call waits (the test knows an fsync is stuck);
//   COLDCHAIN_FSYNC_COUNT_FILE one byte is appended per call (its size counts the commits: the batching).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "fsync_delay.h"

static void slow_disk(void) {
    int saved = errno;
    const char *ms = getenv("COLDCHAIN_FSYNC_DELAY_MS");
    long delay = ms ? strtol(ms, NULL, 10) : 0;
    if (delay > 0 && delay < 60000) {
        struct timespec t = { delay / 1000, (delay % 1000) * 1000000L };
        while (nanosleep(&t, &t) != 0 && errno == EINTR) {}
    }
    const char *block = getenv("COLDCHAIN_FSYNC_BLOCK_FILE");
    if (block && access(block, F_OK) == 0) {
        char mark[4096];
        if (snprintf(mark, sizeof mark, "%s.waiting", block) < (int)sizeof mark) {
            int fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
            if (fd >= 0) close(fd);
        }
    }
    while (block && access(block, F_OK) == 0) {
        struct timespec t = { 0, 10000000L };
        nanosleep(&t, NULL);
    }
    const char *count = getenv("COLDCHAIN_FSYNC_COUNT_FILE");
    if (count) {
        int fd = open(count, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) { (void)!write(fd, "x", 1); close(fd); }
    }
    errno = saved;
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    slow_disk();
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    slow_disk();
    return real(fd);
}
