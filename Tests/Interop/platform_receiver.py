"""A stand-in for the traceability platform on 127.0.0.1, with fault injection.

Usage: platform_receiver.py PORT STORE TOKEN [PLAN]
PLAN is a comma-separated list, one item per POST in order, then every request succeeds:
  ok | 500 | 429:SECONDS (with Retry-After) | 400:MESSAGE | slow:SECONDS (answer 200 that late) | reset (close, no answer)
  | retry-after:VALUE (503 with that Retry-After, as given: nan, -inf ...) | redirect:CODE:URL (CODE with Location URL)
  | 400esc (a 400 whose body carries terminal escape sequences) | drip (200 headers, then a byte a second)
  | huge:MB (a 200 whose body is MB megabytes)
Stored events go to STORE as JSON lines {"id", "seq", "type"}. GET /v1/deliveries answers the JSON in
STORE.deliveries (or []) the same way, its statuses in STORE.deliveries.gets. GET /v1/holds answers the JSON in STORE.holds
(or no holds) with an ETag, 304 when If-None-Match matches; each GET's status is appended to STORE.gets. When
STORE.holds-redirect exists, GET answers 307 to the URL it holds. While STORE.holds-down holds a number N > 0, a GET
of the holds answers 503 and N goes down by one. Every request is logged to STORE.requests as a
JSON line {"method", "path", "auth", "length"}: what a host that should never see the token actually saw.
Prints "ready PORT" once listening; PORT 0 asks the kernel for a free one.
TLS when RECEIVER_TLS_CERT and RECEIVER_TLS_KEY name PEM files; with RECEIVER_CLIENT_CA, a client certificate signed
by that CA is required.
"""
import hashlib
import json
import os
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, store, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
plan = [p for p in (sys.argv[4].split(",") if len(sys.argv) > 4 else []) if p]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body=b"{}", headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def note(self, length):
        with open(store + ".requests", "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path, "auth": self.headers.get("Authorization"),
                                "length": length}) + "\n")

    def do_GET(self):
        self.note(0)
        if self.path.startswith("/v1/holds"):
            kind, empty = ".holds", b'{"holds":[]}'
        elif self.path.startswith("/v1/deliveries"):
            kind, empty = ".deliveries", b'[]'
        else:
            return self.reply(404)
        # The redirect and the outage are the holds' (their tests count the holds' GETs alone).
        if kind == ".holds" and os.path.exists(store + ".holds-redirect"):
            return self.reply(307, b"", {"Location": open(store + ".holds-redirect").read().strip()})
        down = store + ".holds-down"
        if kind == ".holds" and os.path.exists(down) and int(open(down).read().strip() or "0") > 0:
            left = int(open(down).read().strip()) - 1
            open(down, "w").write(str(left))
            with open(store + ".gets", "a") as f:
                f.write("503\n")
            return self.reply(503, b'{"error":"down"}')
        if self.headers.get("Authorization") != "Bearer " + token:
            return self.reply(401, b'{"error":"bad token"}')
        body = open(store + kind, "rb").read() if os.path.exists(store + kind) else empty
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        status = 304 if self.headers.get("If-None-Match") == etag else 200
        with open(store + (".gets" if kind == ".holds" else kind + ".gets"), "a") as f:
            f.write(str(status) + "\n")
        if status == 304:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.reply(200, body, {"ETag": etag, "Content-Type": "application/json"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.note(length)
        if self.headers.get("Authorization") != "Bearer " + token:
            return self.reply(401, b'{"error":"bad token"}')
        step = plan.pop(0) if plan else "ok"
        kind, _, arg = step.partition(":")
        if kind == "500":
            return self.reply(500, b'{"error":"internal"}')
        if kind == "429":
            return self.reply(429, b'{"error":"slow down"}', {"Retry-After": arg or "1"})
        if kind == "400":
            return self.reply(400, json.dumps({"error": arg}).encode())
        if kind == "400esc":
            return self.reply(400, b'bad batch \x1b]0;PWNED\x07\x1b[31mred\x1b[0m')
        if kind == "retry-after":
            return self.reply(503, b'{"error":"busy"}', {"Retry-After": arg})
        if kind == "redirect":
            code, _, url = arg.partition(":")
            return self.reply(int(code), b"", {"Location": url})
        if kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
            return
        if kind == "slow":
            time.sleep(float(arg))
        if kind == "drip":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass
            return
        if kind == "huge":
            size = int(arg) << 20
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b"y" * (1 << 16)
            for _ in range(size >> 16):
                self.wfile.write(chunk)
            return
        doc = json.loads(body)
        with open(store, "a") as f:
            if self.path == "/capture":  # EPCIS 2.0: the ledger's sequence number travels as cc:seq
                for e in doc["epcisBody"]["eventList"]:
                    f.write(json.dumps({"id": e["eventID"], "seq": e["cc:seq"], "type": e["type"]}) + "\n")
            else:
                for e in doc["events"]:
                    f.write(json.dumps({"id": e["id"], "seq": e["seq"], "type": e["type"]}) + "\n")
        self.reply(200, b'{"stored":true}')


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
if os.environ.get("RECEIVER_TLS_CERT"):
    import ssl
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.environ["RECEIVER_TLS_CERT"], os.environ["RECEIVER_TLS_KEY"])
    if os.environ.get("RECEIVER_CLIENT_CA"):
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(os.environ["RECEIVER_CLIENT_CA"])
    server.socket = context.wrap_socket(server.socket, server_side=True)
# "ready PORT": with port 0 the kernel picks a free one (a random port collided with a connection's own port).
print("ready", server.server_address[1], flush=True)
server.serve_forever()
