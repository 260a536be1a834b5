"""Stand-ins for the WeChat Work and DingTalk group robots, on 127.0.0.1, for the notify tests.

Usage: robot_standin.py STORE WECOM_KEY DINGTALK_TOKEN DINGTALK_SECRET [FAILS]
  POST /cgi-bin/webhook/send?key=KEY          (WeChat Work)
  POST /robot/send?access_token=T&timestamp=MS&sign=S   (DingTalk; the signature checked with Python's hmac)
Each request's robot, JSON body and verdict is appended to STORE as one JSON line. A wrong key, token or signature,
or a body not of the robot's shape, is answered with the robot's errcode (93000, 310000, 40035). FAILS: answer the
first N requests with errcode 45009 (too many requests), to test retries. MODE "echo": answer every request 200 with
an HTML page quoting the request line and body (a captive portal or a proxy's error page), with no errcode; "hang":
accept and never answer. Prints "ready PORT" once it listens.
"""
import base64, hashlib, hmac, json, sys, threading, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

store, wecom_key, ding_token, ding_secret = sys.argv[1:5]
fails = [int(sys.argv[5]) if len(sys.argv) > 5 else 0]
mode = sys.argv[6] if len(sys.argv) > 6 else ""
lock = threading.Lock()


def shape_ok(robot, body):
    if body.get("msgtype") != "text" or not isinstance(body.get("text"), dict) or not isinstance(body["text"].get("content"), str):
        return False
    if robot == "wecom":
        m = body["text"].get("mentioned_mobile_list", [])
        return isinstance(m, list) and all(isinstance(x, str) for x in m)
    at = body.get("at", {})
    return isinstance(at, dict) and all(isinstance(x, str) for x in at.get("atMobiles", []))


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if mode == "hang":
            with lock:
                with open(store, "a") as f:
                    f.write(json.dumps({"robot": "hang", "path": url.path}) + "\n")
            threading.Event().wait()
        if mode == "echo":
            page = f"<html><body>Welcome to the clinic Wi-Fi. You asked for: {self.command} {self.path} with {raw[:200]!r}</body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        code, robot = 0, None
        if url.path == "/cgi-bin/webhook/send":
            robot = "wecom"
            if q.get("key") != [wecom_key]:
                code = 93000
        elif url.path == "/robot/send":
            robot = "dingtalk"
            ts = q.get("timestamp", [""])[0]
            digest = hmac.new(ding_secret.encode(), f"{ts}\n{ding_secret}".encode(), digestmod=hashlib.sha256).digest()
            if q.get("access_token") != [ding_token]:
                code = 300001
            elif q.get("sign", [""])[0] != base64.b64encode(digest).decode():
                code = 310000
        else:
            self.send_response(404)
            self.end_headers()
            return
        if code == 0 and (body is None or not shape_ok(robot, body)):
            code = 40035
        with lock:
            if code == 0 and fails[0] > 0:
                fails[0] -= 1
                code = 45009
            with open(store, "a") as f:
                f.write(json.dumps({"robot": robot, "body": body, "errcode": code}, ensure_ascii=False) + "\n")
        answer = json.dumps({"errcode": code, "errmsg": "ok" if code == 0 else "refused by the stand-in"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("ready", server.server_address[1], flush=True)
server.serve_forever()
