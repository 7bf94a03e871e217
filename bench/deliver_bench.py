#!/usr/bin/env python3
"""Webhook delivery throughput: 10,000 events from feedwatch's outbox to a loopback receiver.

Usage: deliver_bench.py --feedwatch BIN --work DIR [--events 10000] [--runs 3] [--port 18090]

The receiver is nginx answering 204 to every POST (the fastest receiver there is, so the figure is
feedwatch's own cost). The events are made first: 10 feeds of 1,000 matching stories polled once
while the webhook points at a closed port, so they all wait in the outbox. Then, per run and per
batch size, a copy of that store is delivered by `feedwatch once` (the feeds answer 304, so the
run is the delivery): events per second, CPU, peak RSS. Beside it, the limit: one curl process
POSTing the same number of bodies over one keep-alive connection. Signing (HMAC-SHA256, one
secret) is on, as in production.
"""
import argparse, base64, os, shutil, statistics, subprocess, sys, time
from loopback import Nginx, free_port

def timed(cmd, env=None):
    with open("/tmp/deliver_bench.stderr", "wb") as errf:
        start = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=errf)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
    return dict(wall=wall, cpu=ru.ru_utime + ru.ru_stime, rss=ru.ru_maxrss / 1024,
                code=os.waitstatus_to_exitcode(status),
                err=open("/tmp/deliver_bench.stderr", "rb").read().decode(errors="replace")[-400:])

def feed(i, n):
    now = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
    items = "".join(
        "<item><title>Iraq story %d-%d: coalition talks in Baghdad</title><link>http://example.org/%d/%d</link>"
        "<guid>s-%d-%d</guid><pubDate>%s</pubDate><description>US advisers and the coalition.</description></item>"
        % (i, k, i, k, i, k, now) for k in range(n))
    return '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire %d</title>%s</channel></rss>' % (i, items)

def config(work, port, hook_port, batch):
    text = ('state_dir = "%s/state"\ninterval = "1h"\n[fetch]\nallow_addresses = ["127.0.0.1/32"]\n'
            '[[watch]]\nname = "iraq"\nmatch = \'Iraq*\'\nbacklog = 100000\n'
            '[[output]]\nname = "hook"\ntype = "webhook"\nurl = "http://127.0.0.1:%d/hook"\n'
            'secret_env = "BENCH_SECRET"\nbatch = %d\n' % (work, hook_port, batch))
    for i in range(10):
        text += '[[feed]]\nurl = "http://127.0.0.1:%d/f%d.xml"\n' % (port, i)
    return text

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedwatch", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--events", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--port", type=int, default=0, help="the feed server's port (default: a free one)")
    a = ap.parse_args()
    a.port = a.port or free_port()
    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "serve"))
    per_feed = a.events // 10
    for i in range(10):
        with open(os.path.join(work, "serve", "f%d.xml" % i), "w") as f:
            f.write(feed(i, per_feed))
    nginx = Nginx(os.path.join(work, "nginx"), port=a.port, root=os.path.join(work, "serve"),
                  locations="        location /hook { return 204; }\n        location / { }\n")
    time.sleep(0.3)
    env = dict(os.environ, BENCH_SECRET="whsec_" + base64.b64encode(os.urandom(32)).decode())
    rows = []
    try:
        # The events, once: polled while the receiver's port is closed.
        seed = os.path.join(work, "seed")
        os.makedirs(seed)
        with open(os.path.join(seed, "feedwatch.toml"), "w") as f:
            f.write(config(seed, a.port, 9, 1))
        r = timed([a.feedwatch, "once", "-c", os.path.join(seed, "feedwatch.toml")], env)
        if r["code"] != 75:
            sys.exit("expected the events to be held (exit 75), got %d: %s" % (r["code"], r["err"]))
        def feedwatch_run(batch, run):
            d = os.path.join(work, "b%d-%d" % (batch, run))
            shutil.copytree(seed, d)
            with open(os.path.join(d, "feedwatch.toml"), "w") as f:
                f.write(config(d, a.port, a.port, batch))
            cfg = os.path.join(d, "feedwatch.toml")
            subprocess.run([a.feedwatch, "outbox", "retry", "-c", cfg], env=env, check=True,
                           stderr=subprocess.DEVNULL)
            r = timed([a.feedwatch, "once", "-c", cfg], env)
            if r["code"] != 0:
                sys.exit("feedwatch once failed (%d): %s" % (r["code"], r["err"]))
            left = subprocess.run([a.feedwatch, "status", "-c", cfg, "--json"], env=env, capture_output=True,
                                  text=True).stdout
            if '"pending":0' not in left.replace(" ", ""):
                sys.exit("events left in the outbox: %s" % left[-300:])
            return r
        # The limit: one curl process, the same number of POSTs of a typical event body, keep-alive.
        body = os.path.join(work, "body.json")
        with open(body, "w") as f:
            f.write('{"v":1,"type":"story.new","story":{"title":"%s"}}' % ("x" * 900))
        # URL globbing: sequential transfers over one reused connection, as feedwatch sends.
        glob = "http://127.0.0.1:%d/hook?n=[1-%d]" % (a.port, a.events)
        def curl_run():
            r = timed(["curl", "-s", "-f", "-d", "@" + body, glob, "-o", "/dev/null"])
            if r["code"] != 0:
                sys.exit("curl failed: %s" % r["err"])
            return r
        # Round by round, every sender once a round: a slow spell of this shared machine then
        # falls on every sender alike.
        timed_runs = {1: [], 100: [], "curl": []}
        for run in range(a.runs):
            for batch in (1, 100):
                timed_runs[batch].append(feedwatch_run(batch, run))
            timed_runs["curl"].append(curl_run())
        rows.append(("feedwatch, batch = 1", timed_runs[1]))
        rows.append(("feedwatch, batch = 100", timed_runs[100]))
        rows.append(("curl, one process, keep-alive (limit)", timed_runs["curl"]))
    finally:
        nginx.stop()

    def fmt(values, spec):
        m = statistics.median(values)
        return (spec % m) + (" (%s–%s)" % (spec % min(values), spec % max(values)) if len(values) > 1 else "")
    print()
    print("### Webhook delivery: %d events to a loopback receiver (nginx, 204), signed" % a.events)
    print()
    print("| sender | events/s | wall s | CPU s | peak RSS MB |")
    print("|---|---|---|---|---|")
    for name, results in rows:
        rates = [a.events / r["wall"] for r in results]
        print("| %s | %s | %s | %s | %s |" % (
            name, fmt(rates, "%.0f"), fmt([r["wall"] for r in results], "%.2f"),
            fmt([r["cpu"] for r in results], "%.2f"), fmt([r["rss"] for r in results], "%.0f")))
    print()
    print("Median (min–max) of %d runs. A feedwatch run includes its start-up and 10 conditional polls "
          "(304); delivery is one POST in flight per output, in order." % a.runs)

if __name__ == "__main__":
    main()
