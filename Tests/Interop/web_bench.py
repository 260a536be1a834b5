"""coldchain-bench web: coldchain-web's figures on this machine, over TLS, with the real daemon and a pymodbus probe
per fridge (8 fridges read every second).

Usage: web_bench.py BIN_DIR WORK_DIR [CLIENTS] [SECONDS] [SCANS]

1. The overview's first load in headless Chromium (cache off): bytes over the wire and the time to DOMContentLoaded.
2. Scan to desk page: a code written to the scanner's pty until the desk page shows the new verdict, SCANS times.
3. CLIENTS Server-Sent Events clients for SECONDS: coldchain-web's resident memory and CPU, and coldchaind's CPU
   beside its own idle figure over the same length (no clients) just before.
"""
import os
import socket
import ssl
import sys
import threading
import time

from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from web_site import PEOPLE, Site  # noqa: E402

BIN, WORK = sys.argv[1], sys.argv[2]
CLIENTS = int(sys.argv[3]) if len(sys.argv) > 3 else 50
SECONDS = int(sys.argv[4]) if len(sys.argv) > 4 else 60
SCANS = int(sys.argv[5]) if len(sys.argv) > 5 else 20
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


site = Site(BIN, WORK, fridges=8)
site.start()
print("coldchain-web bench: 8 fridges read every second, TLS on loopback, this machine's %d cores" % os.cpu_count())

# -- 1. the overview's first load ------------------------------------------------------------------------------------
driver = site.chromium()
try:
    name, _, password = PEOPLE[0]
    site.login(driver, name, password)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    loads = []
    for _ in range(5):
        driver.get(site.base + "/?bench")
        site.wait_for("the overview", lambda: driver.find_elements(By.CSS_SELECTOR, ".tile svg.spark"))
        nav = driver.execute_script("var n = performance.getEntriesByType('navigation')[0];"
                                    "var r = performance.getEntriesByType('resource').filter(function (e) { return e.name.indexOf('/events') < 0; });"
                                    "return [n.domContentLoadedEventEnd, n.transferSize + r.reduce(function (a, e) { return a + e.transferSize; }, 0),"
                                    " n.decodedBodySize + r.reduce(function (a, e) { return a + e.decodedBodySize; }, 0)];")
        loads.append(nav)
    dcl = sorted(x[0] for x in loads)
    print("overview first load (cache off, 5 loads): %d bytes on the wire (%d decoded: page, stylesheet, script), "
          "DOMContentLoaded median %.0f ms, max %.0f ms" % (loads[-1][1], loads[-1][2], dcl[len(dcl) // 2], dcl[-1]))

    # -- 2. scan to desk page ------------------------------------------------------------------------------------------
    driver.get(site.base + "/desk/desk1")
    driver.find_element(By.ID, "sound").click()
    time.sleep(1.5)
    latencies = []
    for i in range(SCANS):
        before = driver.find_element(By.CSS_SELECTOR, "#verdict .verdict").get_attribute("data-seq")
        t0 = time.time()
        site.scan("(01)09506000134352(17)301231(10)LOT7(21)B%05d" % i)
        site.wait_for("the desk page", lambda: driver.find_element(By.CSS_SELECTOR, "#verdict .verdict").get_attribute("data-seq") != before, 30)
        latencies.append(time.time() - t0)
        time.sleep(0.3)
    p95 = percentile(latencies, 95)
    print("scan to desk page (%d scans): median %.0f ms, p95 %.0f ms, max %.0f ms (goal p95 <= 1000 ms: %.2fx of it)"
          % (SCANS, percentile(latencies, 50) * 1000, p95 * 1000, max(latencies) * 1000, p95))
    cookie = driver.get_cookie("cc_session")["value"]
finally:
    driver.quit()

# -- 3. live clients ---------------------------------------------------------------------------------------------------
ctx = ssl.create_default_context(cafile=site.tls + "/cert.pem")
time.sleep(2)
d0, t0 = cpu_seconds(site.daemon.pid), time.time()
time.sleep(SECONDS)
idle = (cpu_seconds(site.daemon.pid) - d0) / (time.time() - t0) * 100
stop = threading.Event()
received = [0] * CLIENTS
failed = []


def client(i):
    # 8 per address is the server's bound: the clients come from 127.0.0.2, .3, ... (all loopback).
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.settimeout(30)
    try:
        raw.bind(("127.0.0.%d" % (2 + i // 8), 0))
        raw.connect(("127.0.0.1", site.web_port))
        s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        s.sendall(("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: cc_session=%s\r\nAccept: text/event-stream\r\n\r\n" % cookie).encode())
        while not stop.is_set():
            data = s.recv(65536)
            if not data:
                failed.append("client %d: closed" % i)
                return
            received[i] += data.count(b"data: ")
        s.close()
    except OSError as e:
        failed.append("client %d: %s" % (i, e))


threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
for t in threads:
    t.start()
time.sleep(3)
w0, d0, t0, peak = cpu_seconds(site.web.pid), cpu_seconds(site.daemon.pid), time.time(), rss_kib(site.web.pid)
while time.time() - t0 < SECONDS:
    time.sleep(1)
    peak = max(peak, rss_kib(site.web.pid))
elapsed = time.time() - t0
web_cpu = (cpu_seconds(site.web.pid) - w0) / elapsed * 100
daemon_cpu = (cpu_seconds(site.daemon.pid) - d0) / elapsed * 100
stop.set()
print("%d live clients for %d s: %d messages delivered (%d per client, median), %d clients failed%s"
      % (CLIENTS, SECONDS, sum(received), sorted(received)[len(received) // 2], len(failed), (": " + "; ".join(failed[:3])) if failed else ""))
print("coldchain-web: resident %.1f MB at most (bound 32 MB: %.2fx), CPU %.2f %% of one core" % (peak / 1024, peak / 1024 / 32, web_cpu))
print("coldchaind: CPU %.2f %% with the clients, %.2f %% idle before: %+.2f points (goal +<= 5)" % (daemon_cpu, idle, daemon_cpu - idle))
site.stop()
