#!/usr/bin/env python3
"""A stand-in MQTT 5 broker that never acknowledges a PUBLISH and drops each connection shortly after accepting it
(hardening 3, finding 3). Independent of coldchain's code: it reads the fixed header and the remaining length of each
packet (MQTT 5.0, 2.1.1 and 1.5.5), answers CONNECT with CONNACK (success), SUBSCRIBE with SUBACK and PINGREQ with
PINGRESP, counts PUBLISH packets, and closes the connection `hold` seconds after CONNACK.

Usage: mqtt_silent_broker.py PORT OUT_FILE HOLD_SECONDS
Each closed connection appends one line to OUT_FILE: {"connection": N, "publishes": K, "bytes": B}.
"""
import json
import socket
import sys
import time

port, out, hold = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(4)
print("listening", flush=True)


def read_exact(s, n, deadline):
    data = b""
    while len(data) < n:
        s.settimeout(max(0.01, deadline - time.time()))
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def packet(s, deadline):
    first = read_exact(s, 1, deadline)[0]
    length, shift = 0, 0
    for _ in range(4):
        b = read_exact(s, 1, deadline)[0]
        length |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            break
    return first >> 4, first & 0x0F, read_exact(s, length, deadline) if length else b""


n = 0
while True:
    conn, _ = listener.accept()
    n += 1
    publishes, size = 0, 0
    deadline = time.time() + 30
    try:
        kind, _, body = packet(conn, deadline)
        if kind != 1:
            raise EOFError
        # CONNACK: no session, success; Receive Maximum 65535, as a broker with no limit of its own (EMQX's default is
        # 32, mosquitto's 20; MQTT 5.0 3.2.2.3.3: absent means 65,535 too).
        conn.sendall(bytes([0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0xFF, 0xFF]))
        deadline = time.time() + hold
        while time.time() < deadline:
            kind, flags, body = packet(conn, deadline)
            if kind == 3:
                publishes += 1
                size += len(body)
            elif kind == 8:                                       # SUBSCRIBE: granted QoS 1 for one filter
                conn.sendall(bytes([0x90, 0x04]) + body[:2] + bytes([0x00, 0x01]))
            elif kind == 12:
                conn.sendall(bytes([0xD0, 0x00]))
            elif kind == 14:
                break
    except (EOFError, socket.timeout, OSError):
        pass
    conn.close()
    with open(out, "a") as f:
        f.write(json.dumps({"connection": n, "publishes": publishes, "bytes": size}) + "\n")
