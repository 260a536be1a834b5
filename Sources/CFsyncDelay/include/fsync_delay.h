#ifndef COLDCHAIN_FSYNC_DELAY_H
#define COLDCHAIN_FSYNC_DELAY_H
/// An LD_PRELOAD shim for coldchain-bench slowdisk and the slow-disk test, loaded into coldchaind, never linked:
/// fsync(2) and fdatasync(2) as a worn SD card does them (see fsync_delay.c). No symbols for Swift.
#endif
