#!/usr/bin/env python3
"""Commit-to-visible latency of rows replicated into a SQLite file (bench/latency.sh).

    latency_poll.py DB TABLE STOP_FILE

Polls DB every 0.5 ms for rows of TABLE (id, ts_us) not seen yet (ids commit out of order
with several clients: the query starts above the highest id below which all were seen); a
row's latency is the wall clock when the poll first saw it minus ts_us (the source's
clock_timestamp() in microseconds since the epoch, taken in the inserting transaction just
before its commit). Stops once STOP_FILE exists and a poll finds nothing new, then prints
one line: "rows N p50 X p90 X p99 X p99.9 X max X" (milliseconds).
"""
import os
import sqlite3
import sys
import time


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[i]


def main():
    db, table, stop_file = sys.argv[1:4]
    while not os.path.exists(db):
        time.sleep(0.01)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    low = 0  # every id <= low has been seen (ids start at 1)
    seen = set()  # ids above low already seen
    lat_ms = []
    query = f'SELECT id, ts_us FROM "{table}" WHERE id > ? ORDER BY id'
    while True:
        try:
            rows = conn.execute(query, (low,)).fetchall()
        except sqlite3.OperationalError:  # the sink has not created the table yet
            rows = []
        now_us = time.time() * 1e6
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
            time.sleep(0.0005)
    lat_ms.sort()
    print("rows %d p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f" % (
        len(lat_ms), percentile(lat_ms, 0.5), percentile(lat_ms, 0.9),
        percentile(lat_ms, 0.99), percentile(lat_ms, 0.999),
        lat_ms[-1] if lat_ms else float("nan")))


if __name__ == "__main__":
    main()
