"""Hostile clients against coldchain-web, each reported as JSON: what the server answered, and whether it still
answers a plain request after. Usage: web_attacks.py PORT PID"""
import json, os, socket, sys, time

port, pid = int(sys.argv[1]), int(sys.argv[2])
results = {}


def rss_kib():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def request(raw, timeout=5.0):
    """Sends raw bytes, returns the status line (or what happened)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(raw)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n", 1)[0].decode(errors="replace") or "closed"
    except (ConnectionResetError, BrokenPipeError):
        return "reset"
    except socket.timeout:
        return "timeout"
    finally:
        s.close()


def healthy(within=10.0):
    """Answers a plain request again within `within` seconds (closed connections take the server a moment)."""
    deadline = time.time() + within
    while True:
        try:
            if request(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") == "HTTP/1.1 200 OK":
                return True
        except OSError:
            pass
        if time.time() > deadline:
            return False
        time.sleep(0.2)


peak = rss_kib()

def flood(head, block, payload):
    """Sends `head` then `block` until 100 MB of payload went or the server stopped reading; returns MB sent and
    the first line of what came back."""
    global peak
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(head)
    sent, answer = 0, ""
    try:
        while sent < 104857600:
            s.sendall(block)
            sent += payload
            peak = max(peak, rss_kib())
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        pass
    try:
        answer = s.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
    except OSError as e:
        answer = type(e).__name__
    s.close()
    return {"sent_mb": round(sent / 1048576, 1), "answer": answer or "closed", "healthy_after": healthy()}


# A 100 MB body: refused before it is read.
results["big_body"] = flood(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n", b"x" * 65536, 65536)
# The same without a length (chunked): refused once 16 KiB have come, the rest not kept.
results["big_chunked"] = flood(b"POST /alarms/ack HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                               b"Content-Type: application/x-www-form-urlencoded\r\n\r\n", b"10000\r\n" + b"x" * 65536 + b"\r\n", 65536)

# Request smuggling: Content-Length and Transfer-Encoding together.
results["smuggling"] = {"answer": request(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG"),
                        "healthy_after": healthy()}

# Headers over the bound (20 KiB).
results["big_headers"] = {"answer": request(b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 20480 + b"\r\n\r\n"), "healthy_after": healthy()}

# A path outside the pages, raw (a client library would normalise it).
results["traversal"] = {"answer": request(b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n")}

# Slowloris: a request trickling in does not hold others up.
slow = socket.create_connection(("127.0.0.1", port), timeout=5)
slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
served = healthy()
# ... and the server closes it once it has been idle for the idle timeout (30 s): a bound on the wait, not a goal.
slow.settimeout(60)
started = time.time()
try:
    closed = slow.recv(4096) == b""
except ConnectionResetError:
    closed = True
except socket.timeout:
    closed = False
results["slowloris"] = {"others_served_meanwhile": served, "closed_by_server": closed, "after_s": round(time.time() - started, 1)}
slow.close()

# 1,000 connections at once: most refused by the limits (64, 8 per address), the process bounded, fine after.
held, refused = [], 0
for _ in range(1000):
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=2)
        held.append(c)
    except OSError:
        refused += 1
time.sleep(0.5)
peak = max(peak, rss_kib())
for c in held:
    c.close()
time.sleep(0.5)
results["thousand"] = {"connected": len(held), "refused": refused, "healthy_after": healthy()}
results["peak_rss_kib"] = max(peak, rss_kib())
print(json.dumps(results))
