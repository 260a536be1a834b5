"""A clinic for coldchain-web's browser test and its benchmark: a pymodbus probe per fridge whose temperature the
caller sets (TEMP), a pty for the desk's scanner, coldchaind, and coldchain-web over TLS with a certificate
`coldchain-web --make-cert` made with openssl, and two people (a technician and a viewer)."""
import asyncio
import json
import os
import subprocess
import sys
import threading
import time

from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

HOSTILE = '<img src=x onerror="window.pwned=1">"\'&<script>window.pwned=2</script>冷藏'
PEOPLE = [("王芳", "technician", "tech-password-1"), ("viewer", "viewer", "viewer-password-1")]


def step(text):
    print("ok: " + text, flush=True)


class Site:
    def __init__(self, bin_dir, work, fridges=2):
        self.bin, self.work, self.children = bin_dir, work, []
        # Tenths of a degree per unit: set by the caller, read by the gateway.
        self.temp = {u: 48 + u for u in range(1, fridges + 1)}
        self.temp[1] = 48
        self.modbus_port = 20000 + os.getpid() % 9000
        self.serve_modbus()
        # The desk's scanner: a pty whose far end the daemon opens.
        self.master, slave = os.openpty()
        self.scanner = os.path.join(work, "scanner")
        os.symlink(os.ttyname(slave), self.scanner)
        os.makedirs(os.path.join(work, "devices"), exist_ok=True)
        with open(os.path.join(work, "devices", "probe.json5"), "w") as f:
            f.write('{ id: "probe", vendor: "any", model: "int16 x10", '
                    'registers: { temperature_c: { table: "holding", address: 0, type: "int16", scale: 0.1 } } }')
        self.config = os.path.join(work, "coldchaind.json5")
        names = {1: "接种台冰箱", 2: HOSTILE}
        with open(self.config, "w") as f:
            f.write(json.dumps({
                "gateway": {"id": "gw-web", "site": "网页诊所 Web clinic"},
                "storage": {"path": os.path.join(work, "ledger.sqlite"), "heartbeat": "1s"},
                "control": {"socket": os.path.join(work, "control.sock")},
                "devices_dir": os.path.join(work, "devices"),
                "buses": [{"id": "lan", "tcp": {"host": "127.0.0.1", "port": self.modbus_port}, "gap": "0ms"}],
                "fridges": [{"id": "F%d" % u, "name": names.get(u, "冰箱 %d" % u),
                             "alarm": {"preset": "gsp", "high_delay": "0s"} if u == 1 else {"preset": "gsp"},
                             "sensors": [{"id": "F%d-air" % u, "bus": "lan", "unit": u, "profile": "probe", "poll": "1s"}]}
                            for u in self.temp],
                "scanners": [{"id": "desk1", "device": self.scanner, "fridge": "F1", "mode": "in"}],
            }))
        self.tls = os.path.join(work, "tls")
        made = self.run([bin_dir + "/coldchain-web", "--make-cert", self.tls, "--host", "127.0.0.1"])
        if made.returncode != 0:
            self.fail("--make-cert: " + made.stderr)
        # The key's hash, which the browser pins (not "ignore every certificate error").
        self.spki = subprocess.run("openssl x509 -in %s/cert.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64"
                                   % self.tls, shell=True, capture_output=True, text=True).stdout.strip()
        self.users = os.path.join(work, "users")
        for name, role, password in PEOPLE:
            r = self.run([bin_dir + "/coldchain-web", "user", "add", name, "--role", role, "--users", self.users], stdin=password + "\n")
            if r.returncode != 0:
                self.fail("user add: " + r.stderr)
        self.sock = os.path.join(work, "control.sock")

    def serve_modbus(self):
        temp = self.temp

        def action_for(unit):
            async def action(function_code, start_address, address, count, current_registers, set_values):
                if set_values is None and address <= 0 < address + count:
                    current_registers[0 - start_address] = temp[unit] & 0xFFFF
                return None
            return action

        devices = [SimDevice(id=u, simdata=[SimData(0, values=[temp[u], 400], datatype=DataType.REGISTERS)], action=action_for(u)) for u in temp]

        async def main():
            server = ModbusTcpServer(devices, address=("127.0.0.1", self.modbus_port), ignore_missing_devices=True)
            await server.serve_forever()

        threading.Thread(target=lambda: asyncio.run(main()), daemon=True).start()

    def start(self):
        self.daemon = subprocess.Popen([self.bin + "/coldchaind", "--config", self.config], stdout=open(os.path.join(self.work, "daemon.out"), "w"),
                                       stderr=open(os.path.join(self.work, "daemon.err"), "w"))
        self.children.append(self.daemon)
        self.wait_for("coldchaind", lambda: self.run([self.bin + "/coldchainctl", "--socket", self.sock, "status"]).returncode == 0)
        os.makedirs(os.path.join(self.work, "cache"), exist_ok=True)
        self.web_port = 30000 + os.getpid() % 2000
        log = os.path.join(self.work, "web.out")
        self.web = subprocess.Popen([self.bin + "/coldchain-web", "--listen", "127.0.0.1:%d" % self.web_port, "--cert", self.tls + "/cert.pem",
                                     "--key", self.tls + "/key.pem", "--socket", self.sock, "--users", self.users,
                                     "--cache", os.path.join(self.work, "cache")], stdout=open(log, "w"), stderr=subprocess.STDOUT)
        self.children.append(self.web)
        self.wait_for("coldchain-web", lambda: "listening" in open(log).read())
        self.base = "https://127.0.0.1:%d" % self.web_port

    def scan(self, code):
        os.write(self.master, code.encode() + b"\r\n")

    def run(self, args, stdin=None):
        return subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=60)

    def ctl(self, *args):
        return self.run([self.bin + "/coldchainctl", "--socket", self.sock] + list(args)).stdout

    def stop(self):
        for c in self.children:
            c.terminate()
            c.wait(10)

    def fail(self, text):
        print("FAILED: " + text, flush=True)
        for c in self.children:
            c.terminate()
        sys.exit(1)

    def wait_for(self, what, check, seconds=60):
        end = time.time() + seconds
        while time.time() < end:
            try:
                value = check()
                if value:
                    return value
            except Exception:
                pass
            time.sleep(0.05)
        self.fail("waited %d s for %s" % (seconds, what))

    def chromium(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,900", "--lang=zh-CN",
                  "--ignore-certificate-errors-spki-list=" + self.spki, "--autoplay-policy=no-user-gesture-required"]:
            options.add_argument(a)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        driver.set_page_load_timeout(30)
        return driver

    def login(self, driver, name, password):
        from selenium.webdriver.common.by import By
        driver.delete_all_cookies()
        driver.get(self.base + "/login")
        driver.find_element(By.ID, "name").send_keys(name)
        driver.find_element(By.ID, "password").send_keys(password)
        driver.find_element(By.ID, "login").click()
        self.wait_for("the overview after logging in as " + name, lambda: driver.find_elements(By.CSS_SELECTOR, ".tile"))
