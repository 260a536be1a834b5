"""coldchain-web in a real browser: Debian's chromium and chromium-driver, driven by Selenium, headless, over TLS
with a certificate openssl made (pinned by its key's hash, not "ignore every certificate error").

Usage: web_browser.py BIN_DIR WORK_DIR ARTEFACTS_DIR

It runs the whole site itself: a pymodbus server whose temperature it sets (the fridge's probe), a pty for the
desk's scanner, coldchaind, coldchain-web with two people, then the browser. Each step prints "ok: ..." or the
script fails with what it saw. Waits are bounds for a failure (60 s), not speed goals: the times are printed.
"""
import json
import os
import re
import ssl
import subprocess
import sys
import time
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from web_site import HOSTILE, Site, step  # noqa: E402

BIN, WORK, ARTEFACTS = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(ARTEFACTS, exist_ok=True)
site = Site(BIN, WORK)
TEMP, fail, wait_for = site.temp, site.fail, site.wait_for
step("two people added (yescrypt): " + ", ".join(line.split(":")[0] + " " + line.split(":")[2][:7] + "..." for line in open(site.users).read().split()))
site.start()
base = site.base
step("coldchaind and coldchain-web (TLS) running")
driver = site.chromium()
ctx = ssl.create_default_context(cafile=site.tls + "/cert.pem")
try:
    def login(name, password):
        site.login(driver, name, password)

    driver.get(base + "/login")
    driver.find_element(By.ID, "name").send_keys("王芳")
    driver.find_element(By.ID, "password").send_keys("wrong-password")
    driver.find_element(By.ID, "login").click()
    # The answer is a new page: waited for (under load the click returns before it has loaded).
    problem = wait_for("the login page's answer", lambda: driver.find_element(By.ID, "problem").text)
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
    alarms = site.ctl("--json", "alarms")
    record = [a for a in json.loads(alarms)["alarms"] if a.get("acknowledged_by")]
    if not record or record[0]["acknowledged_by"] != "王芳" or "门已关好" not in record[0]["note"]:
        fail("coldchainctl alarms: " + alarms)
    table = site.ctl("alarms")
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
    site.scan("(01)09506000134352(17)301231(10)LOT7(21)SN0001")
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
    # A technician's manual check, recorded under their name.
    check = driver.find_element(By.CSS_SELECTOR, "form.check")
    check.find_element(By.NAME, "c").send_keys("4.6")
    check.find_element(By.NAME, "note").send_keys("冰箱温度计")
    check.find_element(By.TAG_NAME, "button").click()
    # The fridge page again, a new one: the form clicked is gone from the document.
    wait_for("the page after the check", lambda: EC.staleness_of(check)(driver))
    wait_for("the check recorded", lambda: "王芳" in site.ctl("report", "daily", "--fridge", "F1") and "4.6" in site.ctl("report", "daily", "--fridge", "F1"))
    step("a manual check from the fridge page: the record sheet shows 4.6 by 王芳")
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
    driver.get(base + "/tools")
    driver.find_element(By.CSS_SELECTOR, "form.tool button").click()
    notice = wait_for("the backup's answer", lambda: driver.find_element(By.CSS_SELECTOR, ".notice").text)
    if "backup" not in notice.lower():
        fail("a backup without a backup folder said: %r" % notice)
    step("backup now without a backup folder: the daemon's refusal is shown (%s)" % notice)

    # An ended excursion assessed (release), once F1 is back in range.
    TEMP[1] = 50
    wait_for("the excursion to end", lambda: '"closed"' in site.ctl("--json", "excursions"))
    driver.get(base + "/fridge/F1")
    assess = driver.find_element(By.CSS_SELECTOR, "form.assess")
    assess.find_element(By.NAME, "note").send_keys("疾控中心：可以使用")
    assess.find_element(By.TAG_NAME, "button").click()
    wait_for("the fridge page again", lambda: driver.current_url.endswith("/fridge/F1") and not driver.find_elements(By.CSS_SELECTOR, ".notice"))
    step("an ended excursion assessed from the fridge page (release)")

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
    after = json.loads(site.ctl("--json", "alarms"))["alarms"]
    if any(a.get("note") == "viewer" for a in after):
        fail("a viewer's note reached the record")
    step("a viewer cannot acknowledge: 403 without the CSRF token and 403 with it")
    # A phone's screen: nothing wider than it (no sideways scrolling), on every page a viewer opens.
    driver.set_window_size(390, 844)
    for path in ["/", "/alarms", "/fridge/F1", "/inventory"]:
        driver.get(base + path)
        wide = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        if wide[0] > wide[1]:
            fail("%s is %d px wide on a %d px phone" % (path, wide[0], wide[1]))
        if path == "/":
            driver.save_screenshot(os.path.join(ARTEFACTS, "web-phone.png"))
    step("on a phone's 390 px: the overview, alarms, fridge and inventory pages fit its width")
    driver.set_window_size(1100, 900)
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
    site.stop()
print("all ok", flush=True)
