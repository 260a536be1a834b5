// The reference the poller benchmark is measured against: a tight libmodbus read loop.
#include <errno.h>
#include <modbus.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "crawbench.h"

double cc_raw_modbus_reads(const char *host, int port, int unit, int reads, int count, char *error) {
    modbus_t *ctx = modbus_new_tcp(host, port);
    if (!ctx) { snprintf(error, 256, "modbus_new_tcp: %s", modbus_strerror(errno)); return -1; }
    modbus_set_slave(ctx, unit);
    if (modbus_connect(ctx) != 0) {
        snprintf(error, 256, "connect %s:%d: %s", host, port, modbus_strerror(errno));
        modbus_free(ctx);
        return -1;
    }
    uint16_t regs[125];
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < reads; i++) {
        if (modbus_read_registers(ctx, 0, count, regs) != count) {
            snprintf(error, 256, "read %d: %s", i, modbus_strerror(errno));
            modbus_close(ctx);
            modbus_free(ctx);
            return -1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    modbus_close(ctx);
    modbus_free(ctx);
    return reads / ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
}
