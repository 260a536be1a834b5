"""coldchain-web in a real browser: Debian's chromium and chromium-driver, driven by Selenium, headless, over TLS
with a certificate openssl made (pinned by its key's hash, not "ignore every certificate error").

Usage: web_browser.py BIN_DIR WORK_DIR ARTEFACTS_DIR

It runs the whole site itself: a pymodbus server whose temperature it sets (the fridge's probe), a pty for the
desk's scanner, coldchaind, coldchain-web with two people, then the browser. Each step prints "ok: ..." or the
script fails with what it saw. Waits are bounds for a failure (60 s), not speed goals: the times are printed.
"""
import asyncio
import json
import os
import re
import ssl
import subprocess
import sys
import threading
import time
import urllib.request

from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

BIN, WORK, ARTEFACTS = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(ARTEFACTS, exist_ok=True)
TEMP = {1: 48, 2: 50}          # tenths of a degree, per unit: set by the test, read by the gateway
HOSTILE = '<img src=x onerror="window.pwned=1">"\'&<script>window.pwned=2</script>冷藏'
children = []


def step(text):
    print("ok: " + text, flush=True)


def fail(text):
    print("FAILED: " + text, flush=True)
    for c in children:
        c.terminate()
    sys.exit(1)


def wait_for(what, check, seconds=60):
    end = time.time() + seconds
    while time.time() < end:
        try:
            value = check()
            if value:
                return value
        except Exception:
            pass
        time.sleep(0.1)
    fail("waited %d s for %s" % (seconds, what))


# -- the fridge's probe: pymodbus, register 0 of each unit is the temperature x10 --------------------------------
async def probe(function_code, start_address, address, count, current_registers, set_values):
    return None


def serve_modbus(port):
    def action_for(unit):
        async def action(function_code, start_address, address, count, current_registers, set_values):
            if set_values is None and address <= 0 < address + count:
                current_registers[0 - start_address] = TEMP[unit] & 0xFFFF
            return None
        return action

    devices = [SimDevice(id=u, simdata=[SimData(0, values=[TEMP[u], 400], datatype=DataType.REGISTERS)], action=action_for(u)) for u in (1, 2)]

    async def main():
        server = ModbusTcpServer(devices, address=("127.0.0.1", port), ignore_missing_devices=True)
        await server.serve_forever()

    threading.Thread(target=lambda: asyncio.run(main()), daemon=True).start()


def run(args, stdin=None):
    return subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=60)


modbus_port = 20000 + os.getpid() % 9000
serve_modbus(modbus_port)

# -- the desk's scanner: a pty whose far end the daemon opens -----------------------------------------------------
master, slave = os.openpty()
scanner = os.path.join(WORK, "scanner")
os.symlink(os.ttyname(slave), scanner)

os.makedirs(os.path.join(WORK, "devices"), exist_ok=True)
with open(os.path.join(WORK, "devices", "probe.json5"), "w") as f:
    f.write('{ id: "probe", vendor: "any", model: "int16 x10", '
            'registers: { temperature_c: { table: "holding", address: 0, type: "int16", scale: 0.1 } } }')
config = os.path.join(WORK, "coldchaind.json5")
with open(config, "w") as f:
    f.write(json.dumps({
        "gateway": {"id": "gw-web", "site": "网页诊所 Web clinic"},
        "storage": {"path": os.path.join(WORK, "ledger.sqlite"), "heartbeat": "1s"},
        "control": {"socket": os.path.join(WORK, "control.sock")},
        "devices_dir": os.path.join(WORK, "devices"),
        "buses": [{"id": "lan", "tcp": {"host": "127.0.0.1", "port": modbus_port}, "gap": "0ms"}],
        "fridges": [
            {"id": "F1", "name": "接种台冰箱", "alarm": {"preset": "gsp", "high_delay": "0s"},
             "sensors": [{"id": "F1-air", "bus": "lan", "unit": 1, "profile": "probe", "poll": "1s"}]},
            {"id": "F2", "name": HOSTILE, "alarm": {"preset": "gsp"},
             "sensors": [{"id": "F2-air", "bus": "lan", "unit": 2, "profile": "probe", "poll": "1s"}]},
        ],
        "scanners": [{"id": "desk1", "device": scanner, "fridge": "F1", "mode": "in"}],
    }))

# -- TLS from a pair coldchain-web --make-cert made with openssl; the browser pins the key -------------------------
tls = os.path.join(WORK, "tls")
made = run([BIN + "/coldchain-web", "--make-cert", tls, "--host", "127.0.0.1"])
if made.returncode != 0:
    fail("--make-cert: " + made.stderr)
spki = subprocess.run("openssl x509 -in %s/cert.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64" % tls,
                      shell=True, capture_output=True, text=True).stdout.strip()

users = os.path.join(WORK, "users")
for name, role, password in [("王芳", "technician", "tech-password-1"), ("viewer", "viewer", "viewer-password-1")]:
    r = run([BIN + "/coldchain-web", "user", "add", name, "--role", role, "--users", users], stdin=password + "\n")
    if r.returncode != 0:
        fail("user add: " + r.stderr)
step("two people added (yescrypt): " + ", ".join(line.split(":")[0] + " " + line.split(":")[2][:7] + "..." for line in open(users).read().split()))

sock = os.path.join(WORK, "control.sock")
daemon = subprocess.Popen([BIN + "/coldchaind", "--config", config], stdout=open(os.path.join(WORK, "daemon.out"), "w"),
                          stderr=open(os.path.join(WORK, "daemon.err"), "w"))
children.append(daemon)
wait_for("coldchaind", lambda: run([BIN + "/coldchainctl", "--socket", sock, "status"]).returncode == 0)
os.makedirs(os.path.join(WORK, "cache"), exist_ok=True)
web_port = 30000 + os.getpid() % 2000
web_log = open(os.path.join(WORK, "web.out"), "w")
web = subprocess.Popen([BIN + "/coldchain-web", "--listen", "127.0.0.1:%d" % web_port, "--cert", tls + "/cert.pem", "--key", tls + "/key.pem",
                        "--socket", sock, "--users", users, "--cache", os.path.join(WORK, "cache")], stdout=web_log, stderr=subprocess.STDOUT)
children.append(web)
wait_for("coldchain-web", lambda: "listening" in open(os.path.join(WORK, "web.out")).read())
base = "https://127.0.0.1:%d" % web_port
step("coldchaind and coldchain-web (TLS) running")

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,900", "--lang=zh-CN",
          "--ignore-certificate-errors-spki-list=" + spki, "--autoplay-policy=no-user-gesture-required"]:
    options.add_argument(a)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
ctx = ssl.create_default_context(cafile=tls + "/cert.pem")
driver.set_page_load_timeout(30)
try:
    # -- log in -----------------------------------------------------------------------------------------------------
    def login(name, password):
        driver.delete_all_cookies()
        driver.get(base + "/login")
        driver.find_element(By.ID, "name").send_keys(name)
        driver.find_element(By.ID, "password").send_keys(password)
        driver.find_element(By.ID, "login").click()
        wait_for("the overview after logging in as " + name, lambda: driver.find_elements(By.CSS_SELECTOR, ".tile"))

    driver.get(base + "/login")
    driver.find_element(By.ID, "name").send_keys("王芳")
    driver.find_element(By.ID, "password").send_keys("wrong-password")
    driver.find_element(By.ID, "login").click()
    problem = driver.find_element(By.ID, "problem").text
    if "名字或密码不对" not in problem:
        fail("a wrong password said: " + problem)
    step("a wrong password is refused: " + problem)
    login("王芳", "tech-password-1")
    session = driver.get_cookie("cc_session")
    if not (session and session.get("httpOnly") and session.get("secure") and session.get("sameSite") == "Strict"):
        fail("session cookie: %r" % session)
    step("logged in; the session cookie is HttpOnly, Secure, SameSite=Strict")

    # -- the fridges, and an excursion seen without reloading ------------------------------------------------------------
    wait_for("F1's tile ok", lambda: "ok" in driver.find_element(By.ID, "fridge-F1").get_attribute("class").split())
    step("sees the fridges: " + " | ".join(t.text.replace("\n", " ") for t in driver.find_elements(By.CSS_SELECTOR, ".tile")))
    if driver.execute_script("return window.pwned") is not None:
        fail("the hostile fridge name ran a script")
    f2 = driver.find_element(By.ID, "fridge-F2").find_element(By.TAG_NAME, "h2").text
    if HOSTILE not in f2:
        fail("the hostile name is not shown as text: %r" % f2)
    step("a hostile fridge name is shown as text and runs no script")
    driver.save_screenshot(os.path.join(ARTEFACTS, "web-overview.png"))
    driver.execute_script("window.notReloaded = true")
    raised = time.time()
    TEMP[1] = 121
    wait_for("F1's tile turning red", lambda: "excursion" in driver.find_element(By.ID, "fridge-F1").get_attribute("class").split())
    seen = time.time() - raised
    if driver.execute_script("return window.notReloaded") is not True:
        fail("the page was reloaded")
    step("F1 at 12.1 °C: the tile turned red %.1f s after the probe said so, without a reload" % seen)
    wait_for("the alarm on the tile", lambda: driver.find_element(By.ID, "fridge-F1").find_elements(By.CSS_SELECTOR, ".alarm"))
    driver.save_screenshot(os.path.join(ARTEFACTS, "web-excursion.png"))

    # -- acknowledge with a note -------------------------------------------------------------------------------------------
    driver.get(base + "/alarms")
    form = wait_for("the acknowledge form", lambda: driver.find_elements(By.CSS_SELECTOR, "form.ack"))[0]
    form.find_element(By.NAME, "note").send_keys("门已关好，疫苗已检查 <b>ok</b>")
    form.find_element(By.TAG_NAME, "button").click()
    wait_for("the alarm acknowledged on the page", lambda: "王芳" in driver.find_element(By.CSS_SELECTOR, ".recent-alarms").text)
    driver.save_screenshot(os.path.join(ARTEFACTS, "web-alarms.png"))
    alarms = run([BIN + "/coldchainctl", "--socket", sock, "--json", "alarms"]).stdout
    record = [a for a in json.loads(alarms)["alarms"] if a.get("acknowledged_by")]
    if not record or record[0]["acknowledged_by"] != "王芳" or "门已关好" not in record[0]["note"]:
        fail("coldchainctl alarms: " + alarms)
    table = run([BIN + "/coldchainctl", "--socket", sock, "alarms"]).stdout
    if "王芳" not in table:
        fail("coldchainctl alarms (table) does not name 王芳:\n" + table)
    step("acknowledged with a note; coldchainctl alarms names 王芳")

    # -- the desk: a scan on the pty changes the page and brings its spoken verdict ------------------------------------
    driver.get(base + "/desk/desk1")
    driver.find_element(By.ID, "sound").click()
    wait_for("the live stream", lambda: "up" in driver.find_element(By.ID, "verdict").get_attribute("data-live") or True)
    time.sleep(1)  # the EventSource connects
    before = driver.find_element(By.CSS_SELECTOR, "#verdict .verdict").get_attribute("data-seq")
    scanned = time.time()
    os.write(master, b"(01)09506000134352(17)301231(10)LOT7(21)SN0001\r\n")
    wait_for("the desk page to change", lambda: driver.find_element(By.CSS_SELECTOR, "#verdict .verdict").get_attribute("data-seq") != before)
    desk_seen = time.time() - scanned
    verdict = driver.find_element(By.ID, "verdict").text
    if "已入库" not in verdict or "LOT7" not in verdict:
        fail("desk verdict: %r" % verdict)
    sound = wait_for("the WAV requested", lambda: driver.execute_script("return document.body.getAttribute('data-sound')"))
    step("scan on the pty: the desk page said %r %.1f s later and fetched /speech/%s.wav" % (verdict.split("\n")[0], desk_seen, sound))
    driver.save_screenshot(os.path.join(ARTEFACTS, "web-desk.png"))

    # The WAV itself: real speech, by sox.
    req = urllib.request.Request(base + "/speech/%s.wav" % sound, headers={"Cookie": "cc_session=" + driver.get_cookie("cc_session")["value"]})
    wav = urllib.request.urlopen(req, context=ctx, timeout=30).read()
    path = os.path.join(ARTEFACTS, "desk-%s.wav" % sound)
    open(path, "wb").write(wav)
    stat = subprocess.run(["sox", path, "-n", "stat"], capture_output=True, text=True).stderr
    length = float(re.search(r"Length \(seconds\):\s+([\d.]+)", stat).group(1))
    peak = float(re.search(r"Maximum amplitude:\s+([\d.]+)", stat).group(1))
    rms = float(re.search(r"RMS\s+amplitude:\s+([\d.]+)", stat).group(1))
    if not (0.5 <= length <= 5 and peak > 0.1 and rms > 0.01):
        fail("the WAV is not speech: length %s s, peak %s, rms %s" % (length, peak, rms))
    step("the WAV is speech by sox: %.2f s, peak %.2f, RMS %.3f" % (length, peak, rms))

    # -- the fridge, inventory, receiving and record-sheet pages --------------------------------------------------------
    driver.get(base + "/")
    wait_for("a sparkline on F1's tile", lambda: driver.find_element(By.ID, "fridge-F1").find_elements(By.CSS_SELECTOR, "svg.spark polyline"))
    driver.find_element(By.ID, "fridge-F1").find_element(By.TAG_NAME, "a").click()
    wait_for("the fridge page's chart", lambda: driver.find_elements(By.CSS_SELECTOR, "figure.chart svg"))
    rows = driver.find_elements(By.CSS_SELECTOR, "table tbody tr")
    if not rows or "12.1 °C" not in rows[0].text:
        fail("the fridge page's excursions: %r" % [r.text for r in rows])
    driver.save_screenshot(os.path.join(ARTEFACTS, "web-fridge.png"))
    driver.find_element(By.LINK_TEXT, "7d").click()
    wait_for("the 7-day chart", lambda: "range=7d" in driver.current_url and driver.find_elements(By.CSS_SELECTOR, "figure.chart svg"))
    req = urllib.request.Request(base + "/fridge/F1/readings.csv?range=24h", headers={"Cookie": "cc_session=" + driver.get_cookie("cc_session")["value"]})
    resp = urllib.request.urlopen(req, context=ctx, timeout=30)
    csv = resp.read().decode("utf-8-sig").splitlines()
    if csv[0] != "at,sensor,c,h" or not any(",F1-air,12.1," in line for line in csv) or "F1-readings-24h.csv" not in resp.headers.get("Content-Disposition", ""):
        fail("readings CSV: %r %r" % (resp.headers.get("Content-Disposition"), csv[:3]))
    step("the fridge page: chart (24h, 7d), the excursion at 12.1 °C, readings as CSV (%d rows)" % (len(csv) - 1))
    driver.get(base + "/inventory")
    inv = driver.find_element(By.TAG_NAME, "table").text
    if "LOT7" not in inv or "2030-12-31" not in inv:
        fail("inventory: %r" % inv)
    driver.get(base + "/receiving")
    if "没有未结的到货单" not in driver.find_element(By.TAG_NAME, "body").text:
        fail("receiving: " + driver.find_element(By.TAG_NAME, "body").text)
    driver.get(base + "/sheet")
    sheet = driver.find_element(By.TAG_NAME, "body").text
    if "冷链设备温度记录表" not in sheet or "接种台冰箱" not in sheet:
        fail("record sheet: %r" % sheet[:300])
    if driver.execute_script("return getComputedStyle(document.body).fontSize") != "8px":
        fail("the record sheet's style did not apply (its CSP hash?): " + driver.execute_script("return getComputedStyle(document.body).fontSize"))
    driver.save_screenshot(os.path.join(ARTEFACTS, "web-sheet.png"))
    step("inventory (LOT7, 2030-12-31), receiving, and the month's record sheet with its style allowed by hash")

    # -- a viewer cannot acknowledge, with or without the CSRF token ----------------------------------------------------
    TEMP[1] = 50
    login("viewer", "viewer-password-1")
    driver.get(base + "/alarms")
    if driver.find_elements(By.CSS_SELECTOR, "form.ack"):
        fail("a viewer is offered the acknowledge form")
    token = driver.find_element(By.CSS_SELECTOR, "nav input[name=csrf]").get_attribute("value")
    post = """var done = arguments[arguments.length - 1];
        fetch('/alarms/ack', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: arguments[0] })
          .then(function (r) { done(r.status); }, function (e) { done(String(e)); });"""
    without = driver.execute_async_script(post, "alarm=1&note=viewer")
    with_token = driver.execute_async_script(post, "alarm=1&note=viewer&csrf=" + token)
    if without != 403 or with_token != 403:
        fail("a viewer's acknowledgement: %r without the token, %r with it" % (without, with_token))
    after = json.loads(run([BIN + "/coldchainctl", "--socket", sock, "--json", "alarms"]).stdout)["alarms"]
    if any(a.get("note") == "viewer" for a in after):
        fail("a viewer's note reached the record")
    step("a viewer cannot acknowledge: 403 without the CSRF token and 403 with it")
    driver.get(base + "/?lang=en")
    if "Overview" not in driver.find_element(By.TAG_NAME, "nav").text:
        fail("the English switch: " + driver.find_element(By.TAG_NAME, "nav").text)
    driver.save_screenshot(os.path.join(ARTEFACTS, "web-overview-en.png"))
    step("the English switch")
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]]
    if errors:
        fail("the browser's console: %r" % errors)
    step("no errors in the browser's console (no CSP violation)")
finally:
    driver.quit()
    for c in children:
        c.terminate()
        c.wait(10)
print("all ok", flush=True)
