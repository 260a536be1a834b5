"""A Modbus TCP peer that answers as a confused TCP-to-RTU converter does, for the unit-id checks.

Usage: modbus_misrouting.py PORT MODE
MODE decides every answer to a read of holding registers (function 3); register k of unit U holds U*100+k:
  wrong-unit      answers with the data and unit id of unit U+1 (the transaction id is right)
  wrong-protocol  answers unit U's data with protocol id 1 instead of 0
  stale-first     first sends an answer carrying the previous request's transaction id and unit U+1's data,
                  then the right answer (a late answer from another probe arriving ahead of this one)
  right           answers correctly
Prints "ready" once listening. Written by hand on purpose: libmodbus and pymodbus servers always answer right.
"""
import socket
import struct
import sys
import threading

port, mode = int(sys.argv[1]), sys.argv[2]


def answer(tid, pid, unit, count):
    data = b"".join(struct.pack(">H", unit * 100 + k) for k in range(count))
    pdu = bytes([3, len(data)]) + data
    return struct.pack(">HHHB", tid, pid, len(pdu) + 1, unit) + pdu


def serve(conn):
    previous = None
    with conn:
        while True:
            header = conn.recv(7, socket.MSG_WAITALL)
            if len(header) < 7:
                return
            tid, pid, length, unit = struct.unpack(">HHHB", header)
            pdu = conn.recv(length - 1, socket.MSG_WAITALL)
            if pdu[0] != 3:
                conn.sendall(header[:4] + struct.pack(">HB", 3, unit) + bytes([pdu[0] | 0x80, 1]))
                continue
            count = struct.unpack(">H", pdu[3:5])[0]
            if mode == "wrong-unit":
                conn.sendall(answer(tid, 0, unit + 1, count))
            elif mode == "wrong-protocol":
                conn.sendall(answer(tid, 1, unit, count))
            elif mode == "stale-first":
                stale = previous if previous is not None else (tid - 1) & 0xFFFF
                conn.sendall(answer(stale, 0, unit + 1, count) + answer(tid, 0, unit, count))
            else:
                conn.sendall(answer(tid, 0, unit, count))
            previous = tid


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(8)
print("ready", flush=True)
while True:
    c, _ = listener.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
