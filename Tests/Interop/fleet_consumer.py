"""The fleet bench's consumer: the platform's side of `coldchain-bench fleet`, from Debian's mosquitto into Debian's
PostgreSQL, with nothing home-made between (paho-mqtt and psycopg from PyPI).

Usage: fleet_consumer.py BROKER_PORT PG_SOCKET_DIR PG_PORT STATS_FILE NAME

At least once into exactly once: a persistent MQTT 5 session (clean_start off, a session that outlives a kill)
subscribed at QoS 1 to fleet/+/events, shared by the consumers started (MQTT 5's $share/store/...: each message to
one of them); each message is acknowledged only after the transaction that stored it has
committed, so a consumer killed mid-batch gets the unacknowledged ones again. The table's primary key is the event
id; a message delivered twice is skipped by ON CONFLICT DO NOTHING and counted.
Writes STATS_FILE (JSON: received, inserted, duplicates, batches, this consumer's, counted on across its restarts)
after every batch.
"""
import json
import os
import signal
import sys
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
import psycopg

broker_port, pg_dir, pg_port, stats_path, name = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
# A test runner may start us with SIGTERM blocked.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})

BATCH, WINDOW = 2000, 5000
lock = threading.Lock()
pending = []          # (mid, payload) received on the current connection, not yet stored
# A packet id belongs to its connection: after a reconnect the broker sends again what was not acknowledged, and an
# id may then name another message. So what came on an earlier connection is stored but never acknowledged.
connection = 0
db = psycopg.connect(host=pg_dir, port=pg_port, dbname="postgres", user="postgres", autocommit=False)
with db.cursor() as c:
    c.execute("""CREATE TABLE IF NOT EXISTS events (id text PRIMARY KEY, gateway text NOT NULL, seq bigint NOT NULL,
                 type text NOT NULL, at timestamptz NOT NULL, data jsonb NOT NULL)""")
db.commit()
# A consumer started again goes on counting where the killed one's last report left off.
try:
    with open(stats_path) as f:
        before = json.load(f)
except (OSError, ValueError):
    before = {}
stats = {"received": before.get("received", 0), "inserted": before.get("inserted", 0), "duplicates": before.get("duplicates", 0),
         "batches": before.get("batches", 0), "starts": before.get("starts", 0) + 1}


def on_message(client, userdata, msg):
    with lock:
        pending.append((connection, msg.mid, msg.payload))


def on_disconnect(client, userdata, flags, rc, properties):
    global connection
    with lock:
        connection += 1
    print(f"disconnected: {rc}", flush=True)


def on_connect(client, userdata, flags, rc, properties):
    # The session keeps the subscription; subscribing again is harmless.
    client.subscribe("$share/store/fleet/+/events", qos=1)


client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=name, protocol=mqtt.MQTTv5, manual_ack=True)
client.on_message = on_message
client.on_connect = on_connect
client.on_disconnect = on_disconnect
props = Properties(PacketTypes.CONNECT)
props.SessionExpiryInterval = 3600
props.ReceiveMaximum = WINDOW
client.connect("127.0.0.1", broker_port, keepalive=120, clean_start=False, properties=props)
client.loop_start()

# The raw messages go into a staging table as they are, one CSV field per line with quote and delimiter characters
# JSON never holds unescaped (\x01, \x02), and PostgreSQL takes them apart: json.loads and json.dumps of each message
# in Python held the consumer at about 10,000 events per CPU second.
STAGE = "COPY incoming (m) FROM STDIN WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
STORE = """INSERT INTO events
             SELECT m->>'id', split_part(m->>'id', ':', 1), (m->>'seq')::bigint, m->>'type', (m->>'at')::timestamptz, m->'data'
             FROM (SELECT m::jsonb AS m FROM incoming) AS s
           ON CONFLICT (id) DO NOTHING"""
with db.cursor() as c:
    c.execute("CREATE TEMP TABLE incoming (m text) ON COMMIT DELETE ROWS")
db.commit()
while True:
    with lock:
        batch = pending[:BATCH]
        del pending[:BATCH]
    if not batch:
        time.sleep(0.02)
        continue
    with db.cursor() as c:
        with c.copy(STAGE) as copy:
            copy.write(b"\n".join(p for _, _, p in batch) + b"\n")
        c.execute(STORE)
        inserted = c.rowcount
    db.commit()
    # Stored: now, and only now, the broker may forget them.
    with lock:
        current = connection
    for conn, mid, _ in batch:
        if conn == current:
            client.ack(mid, 1)
    stats["received"] += len(batch)
    stats["inserted"] += inserted
    stats["duplicates"] += len(batch) - inserted
    stats["batches"] += 1
    with open(stats_path + ".tmp", "w") as f:
        json.dump(stats, f)
    os.replace(stats_path + ".tmp", stats_path)
