#!/usr/bin/env bash
# The package as a clinic meets it (issue 32): a fresh Debian 12 root, booted under a real systemd with
# systemd-nspawn --boot, holding only what the package's Depends pull. Each step prints its time.
#
# Never the build machine's own systemd: its boot-time systemd-tmpfiles would empty this machine's /tmp. Only a
# separate root, booted by nspawn, with its own network (loopback only), its own /dev and its own journal.
#
# Usage: check-systemd.sh DEB NEXT_DEB   (NEXT_DEB: the same build with a higher version)
# Skipped, saying so, where it cannot run: not root, or nspawn cannot boot a container here.
set -euo pipefail
deb=$(readlink -f "$1") next=$(readlink -f "$2")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=$top/.build/systemd
work=$(mktemp -d /tmp/coldchain-systemd-XXXXXX)
root=$work/root
nspawn_pid="" cpid="" nspawn_status=""
started=$(date +%s.%N) last=$started
step() {
    local now; now=$(date +%s.%N)
    printf 'ok %6.1f s: %s\n' "$(awk -v a="$now" -v b="$last" 'BEGIN { print a - b }')" "$*"
    last=$now
}
skip() { echo "check-systemd: skipped: $*"; exit 0; }
fail() {
    echo "FAILED: $*" >&2
    if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null; then
        echo "--- the container's journal for coldchaind and coldchain-web (last 40 lines):" >&2
        inside journalctl --no-pager -n 40 -u coldchaind -u coldchain-web >&2 || true
    fi
    exit 1
}
shutdown_container() {
    [ -n "$nspawn_pid" ] || return 0
    if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null; then kill -RTMIN+4 "$cpid" 2>/dev/null || true; fi   # poweroff
    for _ in $(seq 200); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$nspawn_pid" 2>/dev/null || true
    wait "$nspawn_pid" 2>/dev/null || true
    nspawn_pid="" cpid=""
}
# COLDCHAIN_KEEP_CONTAINER=1 leaves a failed run's container booted and its folder in place, to look inside.
cleanup() {
    if [ $? != 0 ] && [ -n "${COLDCHAIN_KEEP_CONTAINER:-}" ]; then echo "kept: $work, container PID $cpid (nsenter -t $cpid -a)"; return; fi
    shutdown_container; rm -rf "$work"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip "run as root (it boots a container)"
for tool in systemd-nspawn mmdebstrap; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (.ci/install-deps installs systemd-container and mmdebstrap)"
done

inside() { nsenter -t "$cpid" -a "$@"; }
# A host program in the container's network only (curl to its loopback).
in_net() { nsenter -t "$cpid" -n "$@"; }
unit() { inside systemctl show -p "$2" --value "$1"; }
# The journal of the unit's current run only (its invocation id).
this_run() { inside journalctl --no-pager -o cat _SYSTEMD_INVOCATION_ID="$(unit coldchaind InvocationID)"; }
ctl() { inside coldchainctl "$@"; }
json() { inside coldchainctl --json "$@"; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
wait_for() {   # wait_for SECONDS WHAT 'SHELL TEXT': until the text, run in this shell (its functions too), succeeds
    local limit=$1 what=$2 test=$3
    for _ in $(seq $((limit * 10))); do eval "$test" >/dev/null 2>&1 && return 0; sleep 0.1; done
    fail "$what (waited ${limit} s)"
}
# The ledger, read on the host from the container's disk (sqlite3 is not in the container): a query of the record.
ledger() { sqlite3 -readonly "$root/var/lib/coldchaind/ledger.sqlite" "$1"; }

# Boots $root: a stick folder mounted at boot (a tmpfs at /media/backup, as fstab would mount a USB stick), the
# private network, and the BPF and clock system calls DeviceAllow= and `status` need in this VM.
boot() {
    local attempt
    for attempt in 1 2 3; do
        boot_once "$1-$attempt" && return 0
        # Seen once in CI-like runs: nspawn ended at once right after a power cut of the previous container (its
        # log says nothing more than "Spawning container"); a second start boots. Each failure is printed.
        echo "boot $1: attempt $attempt failed (nspawn: $nspawn_status):"; tail -5 "$work/nspawn-$1-$attempt.log"
        shutdown_container
        sleep 1
    done
    return 1
}
boot_once() {
    nspawn_status=running
    SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn -D "$root" --boot --register=no --keep-unit --private-network \
        --capability=CAP_BPF --system-call-filter='bpf adjtimex clock_adjtime' --tmpfs=/media/backup:mode=0755 \
        --console=passive > "$work/nspawn-$1.log" 2>&1 &
    nspawn_pid=$!
    for _ in $(seq 100); do cpid=$(pgrep -P "$nspawn_pid" | head -1 || true); [ -n "$cpid" ] && break; sleep 0.1; done
    [ -n "$cpid" ] || { nspawn_status="no container process"; return 1; }
    local state=""
    for _ in $(seq 300); do
        state=$(inside systemctl is-system-running 2>/dev/null || true)
        case $state in running|degraded) return 0 ;; esac
        if ! kill -0 "$nspawn_pid" 2>/dev/null; then
            wait "$nspawn_pid" 2>/dev/null && nspawn_status="exited 0" || nspawn_status="exited $?"
            return 1
        fi
        sleep 0.1
    done
    nspawn_status="still running; the container's state: '$state'"
    return 1
}

# -- a fresh gateway ------------------------------------------------------------------------------------------------
# The root is made once (mmdebstrap, about 30 s, 200 MB) and unpacked fresh for each run: each run is a new gateway.
# Nothing of the package's own dependencies is in it: apt-get install of the .deb must pull them.
mkdir -p "$cache"
if [ ! -f "$cache/root.tar" ] || [ ! -s "$cache/root.tar" ]; then
    # mmdebstrap picks the format by the name's ending: the part being made ends in .tar too (a name ending .part
    # was made as a folder, found by the first run from a fresh clone).
    rm -rf "$cache/root.tar" "$cache/root.part.tar"
    mmdebstrap --quiet --variant=minbase --include=systemd,systemd-sysv,dbus,procps,socat bookworm "$cache/root.part.tar" \
        > "$work/mmdebstrap.log" 2>&1 || { tail -20 "$work/mmdebstrap.log"; fail "mmdebstrap could not make the root"; }
    mv "$cache/root.part.tar" "$cache/root.tar"
fi
mkdir "$root"
tar -C "$root" -xf "$cache/root.tar"
cp "$deb" "$next" "$root/root/"
# The container has no network: what the package pulls is downloaded here first (from the root, with its own apt
# lists), and installed inside from apt's cache.
chroot "$root" sh -c "apt-get update -qq && apt-get install -y -qq --download-only --no-install-recommends /root/$(basename "$deb")" \
    > "$work/download.txt" 2>&1 || { tail -20 "$work/download.txt"; fail "downloading the package's dependencies"; }
step "a fresh Debian 12 root ($(du -sm "$root" | cut -f1) MB) with the package's dependencies in apt's cache, not installed"

boot first || skip "systemd-nspawn cannot boot a container here"
step "booted under systemd $(inside systemctl --version | head -1 | cut -d' ' -f2) (nspawn, private network)"

# -- install, as an administrator would: with its Depends, without Recommends ---------------------------------------
inside env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "/root/$(basename "$deb")" > "$work/install.txt" 2>&1 \
    || { cat "$work/install.txt"; fail "apt-get install of the package"; }
grep -q "does not pass --check-config" "$work/install.txt" && { cat "$work/install.txt"; fail "the postinst refused the installed example"; }
for p in libmosquitto1 openssl libmodbus5 libmicrohttpd12; do
    inside dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || fail "$p was not pulled by Depends"
done
[ "$(inside systemctl is-active coldchaind)" = active ] || fail "coldchaind is not active after the install"
[ "$(unit coldchaind ExecStartPre)" = "" ] || fail "the unit still has an ExecStartPre= check"
ctl status > "$work/status.txt" || fail "coldchainctl status"
grep -q "gw-0421-01" "$work/status.txt" || { cat "$work/status.txt"; fail "status does not show the example gateway"; }
inside test -s /usr/lib/modules-load.d/coldchaind.conf && inside grep -qx usbserial /usr/lib/modules-load.d/coldchaind.conf \
    && inside grep -qx cdc_acm /usr/lib/modules-load.d/coldchaind.conf || fail "modules-load.d does not load usbserial and cdc_acm"
step "apt-get install pulled $(grep -c '^Setting up' "$work/install.txt") packages; coldchaind active on the example config; coldchainctl status answers"

# -- the site's config: a probe from coldchain-sim, scanners on a pty and on a USB node, the backup stick ----------
cat > "$root/root/scenario.json5" <<'SCEN'
{ units: [ { unit: 1, timeline: [ { at: "0s", c: 4.5 } ] } ] }
SCEN
inside systemd-run --quiet --unit=coldchain-sim /usr/bin/coldchain-sim --scenario /root/scenario.json5 \
    --devices /usr/share/coldchaind/devices --tcp 127.0.0.1:1502
# The scanner: a pty pair made by socat, run as the daemon's user (the slave is then its own); the test types on
# the other end. The USB-like node: a real ttyUSB character device (188:0), whose driver this kernel does not have.
inside install -d -o coldchain -g coldchain /run/scanner
inside systemd-run --quiet --unit=scanner-pty --uid=coldchain --gid=coldchain \
    socat PTY,link=/run/scanner/desk,raw,echo=0 PTY,link=/run/scanner/typist,raw,echo=0
inside sh -c 'mknod -m 0660 /dev/ttyUSB0 c 188 0 && chgrp dialout /dev/ttyUSB0'
# And a node of a class this kernel has (ttyS, major 4; minor 65 has no port behind it): the policy lets it through,
# and the open fails for want of hardware (ENXIO), not of permission. (ttyS0 itself is left alone: it may be this
# machine's console, and the daemon would set its line.)
inside sh -c 'mknod -m 0660 /dev/ttyS1 c 4 65 && chgrp dialout /dev/ttyS1'
inside install -d -o coldchain -g coldchain -m 0750 /media/backup/coldchain
conf=$root/etc/coldchaind/coldchaind.json5
site() {
    cat > "$conf" <<CONF
// The site's edit of the installed example ($1).
{ gateway: { id: "gw-nspawn", site: "Fresh gateway clinic" },
  storage: { path: "/var/lib/coldchaind/ledger.sqlite", heartbeat: "1s",
             backup: { dir: "/media/backup/coldchain", keep: 3, at: "02:30" } },
  control: { socket: "/run/coldchaind/control.sock", group: "coldchain" },
  devices_dir: "/usr/share/coldchaind/devices",
  catalogue: "catalogue.csv",
  buses: [ { id: "lan", tcp: { host: "127.0.0.1", port: 1502 }, gap: "0ms" } ],
  fridges: [ { id: "F1", name: "Fridge one", sensors: [ { id: "F1-air", bus: "lan", unit: 1, profile: "generic-int16-x10", poll: "1s" } ] } ],
  scanners: [ { id: "desk", device: "/run/scanner/desk", fridge: "F1", mode: "in" },
              { id: "usb", device: "/dev/ttyUSB0", fridge: "F1", mode: "in" },
              { id: "rs232", device: "/dev/ttyS1", fridge: "F1", mode: "in" } ] }
CONF
}
site "a fresh gateway"
wait_for 10 "the pty scanner" 'inside test -e /run/scanner/desk' 
inside systemctl restart coldchaind || fail "restart with the site's config"
wait_for 20 "a reading from coldchain-sim" '[ "$(json status | field "d[\"fridges\"][0][\"sensors\"][0][\"c\"]")" = 4.5 ]' 
ctl status | grep -q "Fresh gateway clinic" || fail "status does not show the site"
step "restarted on the site's config: coldchain-sim's probe read at 4.5 °C"

# A dose scanned in on the pty.
code="(01)09506000134352(17)271231(10)LOTA1(21)SYS1"
inside sh -c "printf '%s\r' '$code' > /run/scanner/typist"
wait_for 10 "the scan on the pty recorded" 'json scans | grep -q 09506000134352' 
# The USB-like node: present, and refused by the unit's device policy (no driver registered its class), which
# --check-config and the daemon say in those words, not as "not present".
wait_for 10 "the USB scanner's refusal logged" 'this_run | grep -q "scanner usb: cannot open.*device policy"'
this_run | grep -q "scanners\[1\].device: warning: '/dev/ttyUSB0' is present but cannot be opened: .*device policy" || fail "the start's config check did not say the node is blocked"
this_run | grep -q "ttyUSB0.*not present" && fail "a present, blocked node was called not present"
wait_for 10 "the ttyS node tried" 'this_run | grep -q "scanner rs232: cannot open /dev/ttyS1"'
this_run | grep "scanner rs232: cannot open" | grep -q "No such device or address" \
    || fail "the ttyS class was not let through: $(this_run | grep 'scanner rs232' | head -1)"
if grep -q "ttyUSB" /proc/devices; then usb="the kernel has usbserial"; else usb="this kernel has no usbserial driver (major 188 not in /proc/devices): the class cannot resolve here"; fi
step "a scan on the pty recorded; /dev/ttyUSB0 refused by the device policy and said so ($usb); /dev/ttyS1 let through by class (ENXIO: no port)"

# -- the backup to a stick present at boot --------------------------------------------------------------------------
ctl backup now > "$work/backup.txt" 2>&1 || { cat "$work/backup.txt"; fail "backup now onto the stick mounted at boot"; }
inside test -s /media/backup/coldchain/gw-nspawn.sqlite || { cat "$work/backup.txt"; fail "no copy on the stick"; }
inside findmnt -n -o FSTYPE /media/backup | grep -q tmpfs || fail "/media/backup is not the mount made at boot"
step "backup now wrote /media/backup/coldchain/gw-nspawn.sqlite ($(inside stat -c %s /media/backup/coldchain/gw-nspawn.sqlite) bytes) on the stick mounted at boot"

# -- a config error stops the unit: failed, 78, no restarts ---------------------------------------------------------
cp "$conf" "$work/good.json5"
sed -i 's/heartbeat: "1s"/heartbeat: "1s", hartbeat: "2s"/' "$conf"
inside systemctl restart coldchaind 2>/dev/null && fail "a restart with a config error succeeded"
# Restart=always with RestartPreventExitStatus=78: the unit is failed at once. A unit that would restart shows
# "activating (auto-restart)" here instead.
[ "$(unit coldchaind ActiveState)" = failed ] && [ "$(unit coldchaind ExecMainStatus)" = 78 ] && [ "$(unit coldchaind NRestarts)" = 0 ] \
    || fail "after a config error: $(unit coldchaind ActiveState), status $(unit coldchaind ExecMainStatus), $(unit coldchaind NRestarts) restart(s)"
inside journalctl -u coldchaind -b -p err --no-pager -o cat | grep -q "storage.hartbeat" || fail "the config error's key path is not in the journal at error priority"
cp "$work/good.json5" "$conf"
inside systemctl reset-failed coldchaind
inside systemctl start coldchaind || fail "start after the config was fixed"
step "a config error: failed, status 78, 0 restarts, 'storage.hartbeat' in the journal at error; fixed, active again"

# -- the web screen: from --make-cert to HTTPS ----------------------------------------------------------------------
inside coldchain-web --make-cert /etc/coldchain-web --host 127.0.0.1 > "$work/cert.txt" 2>&1 || { cat "$work/cert.txt"; fail "coldchain-web --make-cert"; }
echo "correct horse battery" | inside coldchain-web user add tech --role technician > /dev/null || fail "coldchain-web user add"
inside systemctl enable --now coldchain-web > /dev/null 2>&1 || fail "enable --now coldchain-web"
wait_for 20 "coldchain-web answering HTTPS" 'in_net curl -sfk -o /dev/null https://127.0.0.1:8443/login' 
[ "$(unit coldchain-web NRestarts)" = 0 ] || fail "coldchain-web restarted $(unit coldchain-web NRestarts) time(s)"
step "coldchain-web: --make-cert (folder $(inside stat -c %a /etc/coldchain-web)), a user, HTTPS answering on 8443 without a restart"
# The web unit's MemoryMax= and TasksMax=: enforced only where the container's cgroup tree has those controllers.
controllers=$(inside cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null || true)
webcg=/sys/fs/cgroup$(inside systemctl show -p ControlGroup --value coldchain-web)
if echo "$controllers" | grep -qw memory && echo "$controllers" | grep -qw pids; then
    [ "$(inside cat "$webcg/memory.max")" = $((64 * 1024 * 1024)) ] && [ "$(inside cat "$webcg/pids.max")" = 96 ] \
        || fail "coldchain-web's limits are not in force: memory.max $(inside cat "$webcg/memory.max"), pids.max $(inside cat "$webcg/pids.max")"
    echo "   coldchain-web's MemoryMax=64M and TasksMax=96 are in force"
else
    echo "   not checked here: MemoryMax= and TasksMax= (this host binds the memory and pids controllers to cgroup v1; the container has: ${controllers:-none})"
fi

# -- the watchdog: a stopped daemon is killed and restarted ---------------------------------------------------------
# WatchdogSec=60s in the unit; a drop-in of 4 s here tests the same mechanism in a test's time.
inside mkdir -p /run/systemd/system/coldchaind.service.d
printf '[Service]\nWatchdogSec=4s\n' | inside tee /run/systemd/system/coldchaind.service.d/watchdog.conf >/dev/null
inside systemctl daemon-reload
inside systemctl restart coldchaind
pid=$(unit coldchaind MainPID)
restarts=$(unit coldchaind NRestarts)
inside kill -STOP "$pid"
wait_for 30 "the watchdog's restart" '[ "$(unit coldchaind NRestarts)" -gt "$restarts" ] && [ "$(inside systemctl is-active coldchaind)" = active ]' 
wait_for 10 "the watchdog timeout in the journal" 'inside journalctl -u coldchaind -b --no-pager | grep -q "Watchdog timeout"' 
inside rm /run/systemd/system/coldchaind.service.d/watchdog.conf
inside systemctl daemon-reload
inside systemctl restart coldchaind
step "the watchdog: SIGSTOP, 'Watchdog timeout', restarted and active (pid $pid -> $(unit coldchaind MainPID))"

# -- systemctl stop records gateway.stopped; a reboot and a power cut each show in the record -----------------------
inside systemctl stop coldchaind
ledger "select body from events where type = 'gateway.stopped' order by seq desc limit 1" | grep -q '"SIGTERM"' \
    || fail "systemctl stop did not record gateway.stopped (SIGTERM): $(ledger "select type, body from events order by seq desc limit 3")"
inside systemctl start coldchaind
head_before=$(ledger "select max(seq) from events")
step "systemctl stop recorded gateway.stopped (SIGTERM); head $head_before"

shutdown_container   # poweroff: the daemon stops with SIGTERM
sleep 3               # off for longer than twice the heartbeat (1 s): the next start records the time off as a gap
boot second || fail "the second boot"
wait_for 20 "coldchaind active after the reboot" '[ "$(inside systemctl is-active coldchaind)" = active ]' 
gap=$(ledger "select body from events where type = 'gateway.gap' and seq > $head_before order by seq limit 1")
echo "$gap" | grep -q '"previous_end":"stopped"' || fail "no gateway.gap saying the previous run stopped after the reboot: '$gap'"
head_before=$(ledger "select max(seq) from events")
kill -KILL "$cpid"    # a power cut: every process of the gateway ends at once, nothing is written
wait "$nspawn_pid" 2>/dev/null || true
nspawn_pid="" cpid=""
sleep 3
boot third || fail "the boot after the power cut"
wait_for 20 "coldchaind active after the power cut" '[ "$(inside systemctl is-active coldchaind)" = active ]' 
cut=$(ledger "select body from events where type = 'gateway.gap' and seq > $head_before order by seq limit 1")
echo "$cut" | grep -q '"previous_end":"crash"' || fail "no gateway.gap saying the previous run crashed after the power cut: '$cut'"
ctl verify > "$work/verify.txt" || { cat "$work/verify.txt"; fail "verify after the power cut"; }
step "a reboot recorded a gap (previous_end stopped), a power cut one (previous_end crash); the chain verifies"

# -- the journal over a quiet minute --------------------------------------------------------------------------------
# From a cursor, not a time: --since has whole seconds, and took in the start's own lines of the same second.
cursor=$(inside journalctl -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p')
[ -n "$cursor" ] || fail "no journal cursor"
sleep 60
inside journalctl --after-cursor "$cursor" --no-pager -o short-unix > "$work/quiet.txt" || true
ours=$(inside journalctl -u coldchaind -u coldchain-web --after-cursor "$cursor" --no-pager -o cat -p warning | grep -vc "^-- " || true)
all=$(grep -vc "^-- " "$work/quiet.txt" || true)
[ "$ours" = 0 ] || { inside journalctl -u coldchaind -u coldchain-web --after-cursor "$cursor" --no-pager -p warning | tail -5; fail "$ours warning(s) in a quiet minute"; }
# The runtime's thread-priority lines: none denied by the filter (errno=1) since boot. The one "errno=13" a start is
# gone where the units' LimitNICE=-4 takes effect; it cannot here when this machine's root lacks CAP_SYS_RESOURCE
# (the container's PID 1 then keeps a hard RLIMIT_NICE of 0): then at most one per start is allowed, and said.
inside journalctl -b --no-pager -o cat > "$work/boot.txt"
denied=$(grep -c "thread priority.*errno=1$" "$work/boot.txt" || true)
[ "$denied" = 0 ] || { grep "thread priority" "$work/boot.txt" | head -3; fail "$denied thread-priority line(s) denied by the filter since boot"; }
raised=$(grep -c "thread priority.*errno=13$" "$work/boot.txt" || true)
starts=$(grep -c "^ready: " "$work/boot.txt" || true)
webstarts=$(grep -c "^coldchain-web: listening" "$work/boot.txt" || true)
if [ "$(awk '/Max nice priority/ { print $5 }' "/proc/$cpid/limits")" = 0 ]; then
    [ "$raised" -le $((starts + webstarts)) ] || fail "$raised errno=13 thread-priority lines for $((starts + webstarts)) start(s)"
    nice="$raised errno=13 line(s) for $((starts + webstarts)) start(s): LimitNICE=-4 cannot take effect here (this machine's root lacks CAP_SYS_RESOURCE)"
else
    [ "$raised" = 0 ] || fail "$raised errno=13 thread-priority line(s) with LimitNICE=-4 in effect"
    nice="no thread-priority line since boot"
fi
step "a quiet minute: $all journal line(s) in all, none at warning from coldchaind or coldchain-web; no thread-priority line denied; $nice"

# -- the upgrade, under systemd ------------------------------------------------------------------------------------
head_before=$(json status | field 'd["ledger"]["head_seq"]')
run_before=$(unit coldchaind InvocationID)
cp "$next" "$root/root/"
inside env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "/root/$(basename "$next")" > "$work/upgrade.txt" 2>&1 \
    || { cat "$work/upgrade.txt"; fail "the upgrade"; }
version=$(inside dpkg-query -W -f='${Version}' coldchaind)
# NEXT_DEB holds the same binary under a higher package version: the package's version is what moved.
[ "$version" = "$(dpkg-deb -f "$next" Version)" ] || fail "after the upgrade the package is $version"
[ "$(unit coldchaind InvocationID)" != "$run_before" ] || fail "the upgrade did not restart coldchaind"
grep -q "Fresh gateway clinic" "$conf" || fail "the site's config edit was lost in the upgrade"
[ "$(inside systemctl is-active coldchaind)" = active ] || fail "coldchaind is not active after the upgrade"
wait_for 20 "the ledger growing after the upgrade" '[ "$(json status | field "d[\"ledger\"][\"head_seq\"]")" -gt "$head_before" ]' 
ctl verify > "$work/verify.txt" || { cat "$work/verify.txt"; fail "verify after the upgrade"; }
step "upgraded to $version under systemd: the config edit kept, the daemon restarted, the ledger carries on from head $head_before and verifies"

total=$(awk -v a="$(date +%s.%N)" -v b="$started" 'BEGIN { printf "%.0f", a - b }')
echo "check-systemd: all ok in $total s"
