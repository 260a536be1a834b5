#!/usr/bin/env bash
# The Debian package as an administrator meets it, with Debian's own tools, as root on this machine (issue 24):
# lintian; install (files, user and group, modes, --check-config); the installed daemon against coldchain-sim with
# the platform on loopback; an upgrade to a higher version keeping the ledger's head, the site's config edit and the
# uplink cursor; remove and purge keeping the ledger; a reinstall carrying on from the same ledger with a gap.
# Usage: check-deb.sh DEB NEXT_DEB   (NEXT_DEB: the same build with a higher version)
set -euo pipefail
deb=$1 next=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=$(mktemp -d /tmp/coldchain-deb-XXXXXX)
sock=/run/coldchaind/control.sock
conf=/etc/coldchaind/coldchaind.json5
pids=()
step() { echo "ok: $*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    dpkg -P coldchaind >/dev/null 2>&1 || true
    rm -rf /var/lib/coldchaind /var/lib/coldchain-web "$work"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || fail "run as root: it installs the package on this machine"
# A machine that had the package (an earlier run stopped halfway) starts clean.
dpkg -P coldchaind >/dev/null 2>&1 || true
rm -rf /var/lib/coldchaind

# -- lintian ----------------------------------------------------------------------------------------------------------
lintian --fail-on error,warning --tag-display-limit 0 "$deb" > "$work/lintian.txt" 2>&1 || { cat "$work/lintian.txt"; fail "lintian"; }
grep -v "root privileges" "$work/lintian.txt" > "$work/tags.txt" || true
step "lintian --fail-on error,warning passes ($(grep -c . "$work/tags.txt" || true) tag(s) below warning level)"

# -- install ----------------------------------------------------------------------------------------------------------
dpkg -i "$deb" > "$work/install.txt" 2>&1 || { cat "$work/install.txt"; fail "dpkg -i"; }
grep -q "systemd is not running here" "$work/install.txt" || [ -d /run/systemd/system ] || { cat "$work/install.txt"; fail "the postinst did not say it skipped starting"; }
for f in /usr/bin/coldchain /usr/bin/coldchaind /usr/bin/coldchainctl /usr/bin/coldchain-web /usr/bin/coldchain-sim /lib/systemd/system/coldchaind.service \
         /lib/systemd/system/coldchain-web.service /usr/lib/sysusers.d/coldchaind.conf /usr/lib/tmpfiles.d/coldchaind.conf \
         /usr/share/coldchaind/devices/generic-int16-x10.json5 /usr/share/doc/coldchaind/copyright /usr/share/doc/coldchaind/changelog.gz \
         /usr/share/man/man1/coldchaind.1.gz "$conf"; do
    [ -e "$f" ] || fail "$f is not installed"
done
getent passwd coldchain >/dev/null && getent group coldchain >/dev/null && getent passwd coldchain-web >/dev/null || fail "user or group missing"
id -nG coldchain-web | grep -qw coldchain || fail "coldchain-web is not in the coldchain group"
[ "$(stat -c '%a %U %G' "$conf")" = "640 root coldchain" ] || fail "config: $(stat -c '%a %U %G' "$conf")"
[ "$(stat -c '%a %U %G' /etc/coldchaind)" = "750 root coldchain" ] || fail "/etc/coldchaind: $(stat -c '%a %U %G' /etc/coldchaind)"
[ "$(stat -c '%a %U %G' /var/lib/coldchaind)" = "750 coldchain coldchain" ] || fail "/var/lib/coldchaind: $(stat -c '%a %U %G' /var/lib/coldchaind)"
/usr/bin/coldchaind --check-config --config "$conf" > "$work/check.txt" 2>&1 || { cat "$work/check.txt"; fail "--check-config on the installed example"; }
# One version, from one place: the package's, coldchaind's and coldchainctl's.
version=$(dpkg-query -W -f='${Version}' coldchaind)
[ "$(/usr/bin/coldchaind --version)" = "coldchaind $version" ] && [ "$(/usr/bin/coldchainctl --version)" = "coldchainctl $version" ] \
    || fail "versions: package $version, $(/usr/bin/coldchaind --version), $(/usr/bin/coldchainctl --version)"
step "installed: files, users coldchain and coldchain-web, config 0640 root:coldchain, state 0750, --check-config passes ($(/usr/bin/coldchaind --version))"

# -- the installed daemon against the simulator, with the platform on loopback ---------------------------------------
port=$((20000 + RANDOM % 9000)) platform=$((30000 + RANDOM % 2000))
cat > "$work/scenario.json5" <<SCEN
{ units: [ { unit: 1, timeline: [ { at: "0s", c: 4.5 } ] } ] }
SCEN
/usr/bin/coldchain-sim --scenario "$work/scenario.json5" --devices /usr/share/coldchaind/devices --tcp "127.0.0.1:$port" > "$work/sim.log" 2>&1 &
pids+=($!)
python3 "$top/Tests/Interop/platform_receiver.py" "$platform" "$work/received.jsonl" secret-token > "$work/receiver.log" 2>&1 &
pids+=($!)
echo "secret-token" > /etc/coldchaind/token
chown root:coldchain /etc/coldchaind/token && chmod 0640 /etc/coldchaind/token
site() {
    cat > "$conf" <<CONF
// The site's edit of the installed example: this clinic's fridge and platform.
{ gateway: { id: "gw-deb", site: "Package clinic $1" },
  storage: { path: "/var/lib/coldchaind/ledger.sqlite", heartbeat: "1s" },
  control: { socket: "$sock", group: "coldchain" },
  devices_dir: "/usr/share/coldchaind/devices",
  buses: [ { id: "lan", tcp: { host: "127.0.0.1", port: $port }, gap: "0ms" } ],
  fridges: [ { id: "F1", name: "Fridge one", sensors: [ { id: "F1-air", bus: "lan", unit: 1, profile: "generic-int16-x10", poll: "1s" } ] } ],
  platform: { url: "http://127.0.0.1:$platform", token_file: "/etc/coldchaind/token", batch_events: 5, timeout: "2s" } }
CONF
}
site edit
daemon() {
    systemd-tmpfiles --create coldchaind.conf >/dev/null 2>&1 || true
    runuser -u coldchain -- /usr/bin/coldchaind --config "$conf" >> "$work/daemon.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 300); do /usr/bin/coldchainctl --socket "$sock" status >/dev/null 2>&1 && return 0; sleep 0.1; done
    tail -20 "$work/daemon.log"; fail "the installed daemon did not answer"
}
stop_daemon() { pkill -TERM -u coldchain -x coldchaind || true; for _ in $(seq 100); do pgrep -u coldchain -x coldchaind >/dev/null || return 0; sleep 0.1; done; fail "coldchaind did not stop"; }
json() { /usr/bin/coldchainctl --socket "$sock" --json "$@"; }
# The uplink's durable cursor: the last event the platform acknowledged (a row of the ledger's file).
cursor() { sqlite3 -readonly /var/lib/coldchaind/ledger.sqlite "select coalesce(max(seq), 0) from uplink_cursor" 2>/dev/null || echo 0; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
daemon
/usr/bin/coldchainctl --socket "$sock" status | grep -q "Package clinic edit" || fail "status does not show the site"
# Readings recorded and forwarded: the cursor moves once the platform has them.
for _ in $(seq 300); do
    cursor=$(cursor)
    [ "${cursor:-0}" -ge 10 ] 2>/dev/null && break; sleep 0.1
done
[ "${cursor:-0}" -ge 10 ] || { json outbox; fail "the uplink's cursor did not move"; }
stop_daemon
head_before=$(sqlite3 /var/lib/coldchaind/ledger.sqlite "select max(seq) from events")
cursor_before=$cursor
step "the installed daemon polled coldchain-sim and forwarded to the platform: head $head_before, cursor $cursor_before; coldchainctl status answered"

# -- upgrade ------------------------------------------------------------------------------------------------------------
DEBIAN_FRONTEND=noninteractive dpkg -i "$next" > "$work/upgrade.txt" 2>&1 || { cat "$work/upgrade.txt"; fail "the upgrade"; }
grep -q "Package clinic edit" "$conf" || fail "the site's config edit was lost in the upgrade"
[ "$(stat -c '%a %U %G' "$conf")" = "640 root coldchain" ] || fail "config after the upgrade: $(stat -c '%a %U %G' "$conf")"
daemon
head_after=$(json status | field 'd["ledger"]["head_seq"]')
cursor_after=$(cursor)
[ "$head_after" -gt "$head_before" ] && [ "$cursor_after" -ge "$cursor_before" ] || fail "after the upgrade: head $head_after (was $head_before), cursor $cursor_after (was $cursor_before)"
/usr/bin/coldchainctl --socket "$sock" verify > "$work/verify.txt" || { cat "$work/verify.txt"; fail "verify after the upgrade"; }
stop_daemon
step "upgraded to $(dpkg-query -W -f='${Version}' coldchaind): the config edit kept, head $head_before -> $head_after, cursor $cursor_before -> $cursor_after, the chain verifies"

# -- remove, purge ------------------------------------------------------------------------------------------------------
dpkg -r coldchaind > "$work/remove.txt" 2>&1 || { cat "$work/remove.txt"; fail "dpkg -r"; }
[ ! -e /usr/bin/coldchaind ] && [ -e "$conf" ] || fail "after dpkg -r: the binary should be gone and the config kept"
dpkg -P coldchaind > "$work/purge.txt" 2>&1 || { cat "$work/purge.txt"; fail "dpkg -P"; }
[ ! -e "$conf" ] || fail "the config survived the purge"
[ -s /var/lib/coldchaind/ledger.sqlite ] || fail "the purge removed the ledger"
grep -q "KEPT" "$work/purge.txt" || { cat "$work/purge.txt"; fail "the purge did not say where the ledger is"; }
step "dpkg -r kept the config; dpkg -P removed it and kept the ledger, saying where: $(grep -m1 'the ledger:' "$work/purge.txt" | sed 's/^ *//')"

# -- reinstall: the same ledger carries on, with a gap -----------------------------------------------------------------
dpkg -i "$next" > "$work/reinstall.txt" 2>&1 || { cat "$work/reinstall.txt"; fail "the reinstall"; }
site again
chown root:coldchain "$conf"; chmod 0640 "$conf"
daemon
head_again=$(json status | field 'd["ledger"]["head_seq"]')
stop_daemon
gaps=$(sqlite3 /var/lib/coldchaind/ledger.sqlite "select count(*) from events where type = 'gateway.gap' and seq > $head_after")
[ "$head_again" -gt "$head_after" ] && [ "$gaps" -ge 1 ] || fail "after the reinstall: head $head_again (was $head_after), $gaps gap(s)"
step "reinstalled: the daemon carried on from the same ledger (head $head_after -> $head_again) with a gateway.gap"

size=$(dpkg-deb -f "$deb" Installed-Size)
bins=$(dpkg-deb -c "$deb" | awk '$6 ~ /^\.\/usr\/bin\// { s += $3 } END { printf "%.1f", s / 1048576 }')
echo "installed size: $((size / 1024)) MiB in all; the programs $bins MiB stripped (one binary, four links; goal <= 40 MB); the .deb: $(($(stat -c %s "$deb") / 1024)) KiB (xz)"
echo "all ok"
