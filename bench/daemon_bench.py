#!/usr/bin/env python3
"""The daemon's memory over time: idle RSS, and RSS after 10, 100, 500 and 1,000 poll cycles.

Usage: daemon_bench.py --feedwatch BIN --work DIR [--idle-feeds 1000] [--feeds 10] [--cycles 1000]
                       [--port PORT]

A loopback nginx serves the feeds (ETag on, so an unchanged feed costs a 304). The daemon runs
with interval = min_interval = 1 s, one watch, a JSON-lines output and the metrics endpoint; one
feed gains a matching story every 2 s, so parsing, recording, matching and delivery run all along,
not only 304s. A cycle is one poll of every feed (polls / feeds, from feedwatch_polls_total).
VmRSS, VmHWM and RSS's two parts, anonymous memory (heap, stacks, SQLite's page cache: what
feedwatch allocates) and file pages (the executable and shared libraries mapped from disk), come
from /proc. "Idle" is a daemon with interval = 1h and 1,000 feeds (the issue's figure), 10 s after
its first cycle. The cycles run on 10 feeds, so that a poll of every feed each second stays light
beside the other benchmarks; 1,000 cycles take about 17 minutes (the interval's lower bound is a
second).
"""
import argparse, os, re, shutil, signal, subprocess, sys, time, urllib.request
from loopback import Nginx, free_ports

def rss(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:", "RssAnon:", "RssFile:")):
                k, v = line.split(":")
                out[k] = int(v.split()[0]) / 1024
    return out

def polls(port):
    try:
        text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
    except OSError:
        return 0
    return sum(float(m) for m in re.findall(r'^feedwatch_polls_total\{[^}]*\} ([0-9.e+]+)$', text, re.M))

def feed(i, items):
    body = "".join("<item><title>%s</title><link>http://example.org/%d/%d</link><guid>f%d-%d</guid>"
                   "<description>Coalition advisers in Baghdad, item %d.</description></item>"
                   % (t, i, k, i, k, k) for k, t in items)
    return '<?xml version="1.0"?><rss version="2.0"><channel><title>Feed %d</title>%s</channel></rss>' % (i, body)

def config(work, port, metrics, feeds, interval):
    text = ('state_dir = "%s/state"\nlog_dir = "%s"\ninterval = "%s"\n[fetch]\nallow_addresses = ["127.0.0.1/32"]\n'
            'min_interval = "1s"\nper_host = 16\n[metrics]\nlisten = "127.0.0.1:%d"\n'
            '[[watch]]\nname = "iraq"\nmatch = \'Iraq*\'\n[[output]]\nname = "events"\ntype = "jsonl"\n'
            'path = "events.jsonl"\n' % (work, work, interval, metrics))
    for i in range(feeds):
        text += '[[feed]]\nurl = "http://127.0.0.1:%d/f%d.xml"\n' % (port, i)
    return text

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedwatch", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--idle-feeds", type=int, default=1000)
    ap.add_argument("--feeds", type=int, default=10, help="feeds of the cycles")
    ap.add_argument("--cycles", type=int, default=1000)
    ap.add_argument("--port", type=int, default=0, help="the feed server's port (default: a free one)")
    a = ap.parse_args()
    port, metrics_idle, metrics_busy = free_ports(3)
    a.port = a.port or port
    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    for d in ("serve", "idle", "busy"):
        os.makedirs(os.path.join(work, d))
    items = {i: [(k, "Story %d" % k) for k in range(30)] for i in range(max(a.feeds, a.idle_feeds))}
    for i in items:
        with open(os.path.join(work, "serve", "f%d.xml" % i), "w") as f:
            f.write(feed(i, items[i]))
    nginx = Nginx(os.path.join(work, "nginx"), port=a.port, root=os.path.join(work, "serve"))
    rows = []
    p = None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        # Idle: everything polled once, nothing due for an hour.
        cfg = os.path.join(work, "idle", "feedwatch.toml")
        with open(cfg, "w") as f:
            f.write(config(os.path.join(work, "idle"), a.port, metrics_idle, a.idle_feeds, "1h"))
        p = subprocess.Popen([a.feedwatch, "run", "-c", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while polls(metrics_idle) < a.idle_feeds and time.time() < deadline:
            time.sleep(0.5)
        time.sleep(10)
        idle = rss(p.pid)
        p.terminate()
        p.wait()
        rows.append(("idle, %d feeds, after the first cycle" % a.idle_feeds, 1, idle))

        cfg = os.path.join(work, "busy", "feedwatch.toml")
        with open(cfg, "w") as f:
            f.write(config(os.path.join(work, "busy"), a.port, metrics_busy, a.feeds, "1s"))
        p = subprocess.Popen([a.feedwatch, "run", "-c", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        marks = [m for m in (10, 100, 500, 1000) if m <= a.cycles] or [a.cycles]
        start = time.time()
        last_change = 0.0
        n = 30
        while marks and time.time() - start < a.cycles * 3 + 120:
            if time.time() - last_change >= 2:
                i = n % a.feeds
                items[i] = [(n, "Iraq story %d" % n)] + items[i][:29]
                tmp = os.path.join(work, "serve", "f%d.tmp" % i)
                with open(tmp, "w") as f:
                    f.write(feed(i, items[i]))
                os.replace(tmp, os.path.join(work, "serve", "f%d.xml" % i))
                n += 1
                last_change = time.time()
            cycles = polls(metrics_busy) / a.feeds
            if cycles >= marks[0]:
                rows.append(("%d feeds, after %d cycles" % (a.feeds, marks[0]), cycles, rss(p.pid)))
                marks.pop(0)
            time.sleep(0.5)
        p.terminate()
        p.wait()
        events = sum(1 for _ in open(os.path.join(work, "busy", "events.jsonl")))
    finally:
        # Also when the benchmark is stopped (SIGTERM from run.sh when another part failed).
        if p is not None and p.poll() is None:
            p.kill()
        nginx.stop()
    print()
    print("### Daemon memory: idle with %d feeds; cycles of %d feeds, interval 1 s, a new matching story every 2 s"
          % (a.idle_feeds, a.feeds))
    print()
    print("| when | cycles | RSS MB | of which anonymous | of which file pages | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for name, cycles, r in rows:
        print("| %s | %.0f | %.1f | %.1f | %.1f | %.1f |" % (name, cycles, r.get("VmRSS", 0), r.get("RssAnon", 0),
                                                        r.get("RssFile", 0), r.get("VmHWM", 0)))
    print()
    print("%d events written during the run." % events)

if __name__ == "__main__":
    main()
