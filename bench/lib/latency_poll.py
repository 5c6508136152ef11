#!/usr/bin/env python3
"""Commit-to-visible latency of rows replicated into SQLite or MariaDB (bench/latency.sh).

    latency_poll.py DB TABLE STOP_FILE                          # SQLite file DB
    latency_poll.py --mysql SOCKET DATABASE TABLE STOP_FILE     # MariaDB over SOCKET

Polls for rows of TABLE (id, ts_us) not seen yet (ids commit out of order with several
clients: the query starts above the highest id below which all were seen), sleeping
LAT_POLL_MS milliseconds (default 0.5) after a poll that found nothing new; a row's latency
is the wall clock when the poll first saw it minus ts_us (the source's clock_timestamp() in
microseconds since the epoch, taken in the inserting transaction just before its commit).
Creates STOP_FILE.ready after its first successful query. Stops once STOP_FILE exists and a
poll finds nothing new, then prints one line:
"rows N p50 X p90 X p99 X p99.9 X max X polls N" (milliseconds; polls: queries made).

SQLite: one read-only connection. MariaDB: Python has no MariaDB module here by default, so
one long-running `mariadb` client (batch mode, --unbuffered, --force) is fed the queries
through a pipe: no process or connection per poll. Each poll sends
  SELECT id, ts_us FROM (SELECT id, ts_us, 0 AS o FROM TABLE WHERE id > LOW
                         UNION ALL SELECT -1, 0, 1) u ORDER BY o; SELECT '#end';
the -1 row marks a successful query and the end of its rows (the time is taken there); a
query that fails (the table does not exist yet) prints no -1 row, its error goes to the
client's stderr (discarded) and '#end' still comes. Autocommit is on, so every SELECT sees
the latest committed rows.
"""
import os
import sqlite3
import subprocess
import sys
import time


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[i]


class SqlitePoller:
    def __init__(self, db, table):
        while not os.path.exists(db):
            time.sleep(0.01)
        self.conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        self.query = f'SELECT id, ts_us FROM "{table}" WHERE id > ? ORDER BY id'

    def poll(self, low):
        """Returns (rows, now_us), rows None when the query failed."""
        try:
            rows = self.conn.execute(self.query, (low,)).fetchall()
        except sqlite3.OperationalError:  # the sink has not created the table yet
            rows = None
        return rows, time.time() * 1e6


class MariadbPoller:
    def __init__(self, socket, database, table):
        self.proc = subprocess.Popen(
            ["mariadb", "--no-defaults", "-S", socket, "-u", "root", "-N", "-B",
             "--unbuffered", "--force", database],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, bufsize=1)
        self.table = table

    def poll(self, low):
        self.proc.stdin.write(
            "SELECT id, ts_us FROM (SELECT id, ts_us, 0 AS o FROM `%s` WHERE id > %d "
            "UNION ALL SELECT -1, 0, 1) u ORDER BY o; SELECT '#end';\n" % (self.table, low))
        self.proc.stdin.flush()
        rows, ok, now_us = [], False, None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the mariadb client exited")
            line = line.rstrip("\n")
            if line == "#end":
                break
            row_id, ts_us = line.split("\t")
            if row_id == "-1":
                ok, now_us = True, time.time() * 1e6
            else:
                rows.append((int(row_id), int(ts_us)))
        return (rows if ok else None), (now_us if ok else time.time() * 1e6)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def main():
    args = sys.argv[1:]
    if args and args[0] == "--mysql":
        socket, database, table, stop_file = args[1:5]
        poller = MariadbPoller(socket, database, table)
    else:
        db, table, stop_file = args[0:3]
        poller = SqlitePoller(db, table)
    nap = float(os.environ.get("LAT_POLL_MS", "0.5")) / 1000.0
    low = 0  # every id <= low has been seen (ids start at 1)
    seen = set()  # ids above low already seen
    lat_ms = []
    ready = False
    polls = 0
    while True:
        rows, now_us = poller.poll(low)
        polls += 1
        if rows is None:
            rows = []
        elif not ready:  # tell bench/latency.sh that polling runs: it may start pgbench
            ready = True
            open(stop_file + ".ready", "w").close()
        new = 0
        for row_id, ts_us in rows:
            if row_id in seen:
                continue
            seen.add(row_id)
            new += 1
            lat_ms.append((now_us - int(ts_us)) / 1000.0)
        while low + 1 in seen:
            low += 1
            seen.discard(low)
        if not new:
            if os.path.exists(stop_file):
                break
            time.sleep(nap)
    if hasattr(poller, "close"):
        poller.close()
    lat_ms.sort()
    print("rows %d p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f polls %d" % (
        len(lat_ms), percentile(lat_ms, 0.5), percentile(lat_ms, 0.9),
        percentile(lat_ms, 0.99), percentile(lat_ms, 0.999),
        lat_ms[-1] if lat_ms else float("nan"), polls))


if __name__ == "__main__":
    main()
