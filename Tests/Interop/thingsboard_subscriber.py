"""A ThingsBoard-shaped subscriber: takes what a gateway publishes on ThingsBoard's gateway API
(thingsboard.io/docs/reference/gateway-mqtt-api) and checks its topics and JSON as ThingsBoard would read them.

Usage: thingsboard_subscriber.py PORT OUT.json
Subscribes (MQTT 5, QoS 1, paho-mqtt) to v1/gateway/# and v1/devices/me/telemetry on 127.0.0.1:PORT until SIGTERM,
then writes OUT.json: {"errors": [...], "devices": [...], "points": {"DEVICE|TS|KEY": value, ...}, "messages": N}.
ThingsBoard keeps one value per device, key and ts, so "points" is what it would store: a message sent twice counts
once, and a collision (two different values for one device, ts and key) is an error.
Checks:
  - v1/gateway/connect: {"device": non-empty string, "type": string};
  - v1/gateway/telemetry: {DEVICE: [{"ts": integer ms, "values": non-empty object}, ...]}, each DEVICE announced on
    v1/gateway/connect before its first telemetry;
  - v1/devices/me/telemetry: {"ts": integer ms, "values": non-empty object};
  - values are numbers, strings, booleans or JSON objects; ts is within 2000..2100.
"""
import json
import signal
import sys

import paho.mqtt.client as mqtt

port, out_path = int(sys.argv[1]), sys.argv[2]
errors, points, connected, order = [], {}, set(), []
messages = 0
LOW, HIGH = 946684800000, 4102444800000


def check_point(device, p, where):
    if not isinstance(p, dict) or set(p) != {"ts", "values"}:
        errors.append(f"{where}: a point is not {{ts, values}}: {p!r}"[:300]); return
    ts, values = p["ts"], p["values"]
    if not isinstance(ts, int) or isinstance(ts, bool) or not LOW <= ts < HIGH:
        errors.append(f"{where}: ts {ts!r} is not milliseconds since 1970"); return
    if not isinstance(values, dict) or not values:
        errors.append(f"{where}: values is not a non-empty object"); return
    for k, v in values.items():
        if not isinstance(v, (int, float, str, bool, dict)) or v is None:
            errors.append(f"{where}: {k} has a value ThingsBoard does not store: {v!r}"[:300])
        key = f"{device}|{ts}|{k}"
        if key in points and points[key] != v:
            errors.append(f"{where}: {key} collides: {points[key]!r} then {v!r}"[:300])
        points[key] = v


def on_message(client, userdata, msg):
    global messages
    messages += 1
    try:
        body = json.loads(msg.payload)
    except ValueError:
        errors.append(f"{msg.topic}: not JSON: {msg.payload[:100]!r}"); return
    if msg.topic == "v1/gateway/connect":
        if not isinstance(body, dict) or not isinstance(body.get("device"), str) or not body["device"] or not isinstance(body.get("type"), str):
            errors.append(f"connect: not {{device, type}}: {body!r}"[:300]); return
        connected.add(body["device"])
        if body["device"] not in order:
            order.append(body["device"])
    elif msg.topic == "v1/gateway/telemetry":
        if not isinstance(body, dict) or not body:
            errors.append(f"telemetry: not an object of devices: {body!r}"[:300]); return
        for device, pts in body.items():
            if device not in connected:
                errors.append(f"telemetry for {device} before its v1/gateway/connect")
            if not isinstance(pts, list) or not pts:
                errors.append(f"telemetry: {device} has no list of points"); continue
            for p in pts:
                check_point(device, p, f"telemetry {device}")
    elif msg.topic == "v1/devices/me/telemetry":
        check_point("(gateway)", body, "gateway telemetry")
    else:
        errors.append(f"a topic ThingsBoard's gateway API does not have: {msg.topic}")


def finish(*_):
    with open(out_path + ".tmp", "w") as f:
        json.dump({"errors": errors, "devices": order, "points": points, "messages": messages}, f)
    import os
    os.replace(out_path + ".tmp", out_path)
    sys.exit(0)


client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="thingsboard-standin", protocol=mqtt.MQTTv5)
client.on_message = on_message
client.on_connect = lambda c, u, f, rc, p: (c.subscribe("v1/gateway/#", qos=1), c.subscribe("v1/devices/me/telemetry", qos=1))
signal.signal(signal.SIGTERM, finish)
# A test runner may start us with SIGTERM blocked (its mask is inherited): unblocked, or the report is never written.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
client.connect("127.0.0.1", port)
print("subscribed", flush=True)
client.loop_forever()
