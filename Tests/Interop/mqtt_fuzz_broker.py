#!/usr/bin/env python3
"""A stand-in MQTT 5 broker that answers CONNECT with CONNACK and then sends hostile packets (hardening 3, finding 4):
truncated, oversized, interleaved (an acknowledgement's bytes inside a PUBLISH) and random, from a seeded generator,
one case per connection. Independent of coldchain's code. Usage: mqtt_fuzz_broker.py PORT OUT_FILE SEED [HOLD_S]; each
case appends a line {"case": N, "kinds": [...]} to OUT_FILE once its connection is closed (HOLD_S after the last
hostile packet, 0.2 s by default).
"""
import json
import random
import socket
import sys
import time

port, out, seed = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
hold = float(sys.argv[4]) if len(sys.argv) > 4 else 0.2
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(4)
print("listening", flush=True)


def varint(n):
    b = bytearray()
    while True:
        d, n = n % 128, n // 128
        b.append(d | (0x80 if n else 0))
        if not n:
            return bytes(b)


def pkt(kind, flags, body):
    return bytes([(kind << 4) | flags]) + varint(len(body)) + body


def string(s):
    return len(s).to_bytes(2, "big") + s


def hostile(r):
    """One hostile packet (or stream fragment) and its kind."""
    k = r.randrange(12)
    mid = r.randrange(0, 65536).to_bytes(2, "big")
    if k == 0:
        return "puback", pkt(4, 0, mid + bytes([r.choice([0, 0x10, 0x80, 0x87, 0x99])]) + varint(0))
    if k == 1:
        return "puback-garbage-properties", pkt(4, 0, mid + bytes([0x00]) + varint(r.randrange(1, 40)) + r.randbytes(r.randrange(0, 40)))
    if k == 2:
        qos = r.randrange(0, 4)
        topic = r.choice([b"cc/gw-fuzz/holds", b"cc/#", b"", r.randbytes(r.randrange(0, 30))])
        body = string(topic) + (mid if qos else b"") + varint(0) + r.randbytes(r.randrange(0, 2000))
        return "publish-qos%d" % qos, pkt(3, (qos << 1) | r.randrange(0, 2), body)
    if k == 3:
        body = string(b"cc/gw-fuzz/holds") + varint(0) + b'{"holds": [' + b'{},' * r.randrange(0, 500) + b"{}]}"
        head = pkt(3, 0, body)
        cut = r.randrange(1, len(head))
        return "publish-interleaved-puback", head[:cut] + pkt(4, 0, mid + b"\x00\x00") + head[cut:]
    if k == 4:
        body = string(b"cc/gw-fuzz/holds") + varint(0) + r.randbytes(100)
        return "publish-truncated", bytes([0x30]) + varint(len(body) + r.randrange(1, 100000)) + body
    if k == 5:
        return "remaining-length-5-bytes", bytes([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
    if k == 6:
        return "random-bytes", r.randbytes(r.randrange(1, 300))
    if k == 7:
        return "suback", pkt(9, 0, mid + varint(0) + bytes([r.choice([0, 1, 2, 0x80, 0x87])]))
    if k == 8:
        return "connack-again", pkt(2, 0, bytes([0, r.choice([0, 0x86, 0x87])]) + varint(0))
    if k == 9:
        return "disconnect-with-reason", pkt(14, 0, bytes([r.choice([0, 0x8E, 0x95, 0x9C])]) + varint(3) + bytes([0x1F]) + string(b"")[:2])
    if k == 10:
        return "pubrec-pubrel-pubcomp", pkt(r.choice([5, 6, 7]), r.choice([0, 2]), mid + bytes([0]) + varint(0))
    big = string(b"cc/gw-fuzz/holds") + varint(0) + b"x" * r.randrange(70000, 300000)
    return "publish-large", pkt(3, 0, big)


case = 0
while True:
    conn, _ = listener.accept()
    case += 1
    r = random.Random(seed * 100003 + case)
    kinds = []
    try:
        conn.settimeout(5)
        data = conn.recv(65536)
        if data and data[0] >> 4 == 1:
            conn.sendall(bytes([0x20, 0x03, 0x00, 0x00, 0x00]))
            for _ in range(r.randrange(1, 6)):
                kind, raw = hostile(r)
                kinds.append(kind)
                conn.sendall(raw)
            conn.settimeout(0.05)
            end = time.time() + hold
            while time.time() < end:
                try:
                    if not conn.recv(65536):
                        break
                except socket.timeout:
                    pass
    except OSError:
        pass
    conn.close()
    with open(out, "a") as f:
        f.write(json.dumps({"case": case, "kinds": kinds}) + "\n")
