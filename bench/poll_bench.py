#!/usr/bin/env python3
"""Poll cycles side by side: feedwatch once beside one curl process, sfeed_update and newsboat.

Usage: poll_bench.py --corpus DIR --feedwatch BIN --nginx-conf TEMPLATE --work DIR [--sizes 100,1000,10000]

A loopback nginx (../shared/bench/nginx/nginx.conf.in: ETag, Last-Modified, gzip_static) serves N
feed names cycling over the corpus's 2,000 files. For each N every tool runs a cold cycle (empty
state) and an unchanged second cycle; wall time, CPU time and peak RSS come from wait4; the
share of the feeds answered 304 in the second cycle, and the TCP connections each cycle opened
(distinct $connection serial numbers), from nginx's access log. All feeds are on one host, so
feedwatch runs with per_host = 16 (its default of 2 is for the real web, where feeds are spread
over many hosts); curl, sfeed_update and newsboat use 16 parallel transfers too.
"""
import argparse, os, shutil, subprocess, time
from loopback import Nginx, free_port

def run(cmd, cwd=None, env=None):
    # stderr goes to a file: a pipe nobody reads while waiting would stall a chatty tool.
    with open("/tmp/poll_bench.stderr", "wb") as errf:
        start = time.perf_counter()
        p = subprocess.Popen(["sh", "-c", cmd], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errf)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
    err = open("/tmp/poll_bench.stderr", "rb").read().decode(errors="replace")
    return dict(wall=wall, cpu=ru.ru_utime + ru.ru_stime, rss=ru.ru_maxrss / 1024,
                code=os.waitstatus_to_exitcode(status), err=err[-500:])

def log_size(path):
    """Where the access log ends now: the next cycle's requests are the lines written past it."""
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0

def log_lines(path, start, end):
    """The lines nginx wrote between two `log_size` readings (the log holds every cycle of every
    size, tens of megabytes at 10,000 feeds: only the cycle's part is read)."""
    with open(path, "rb") as f:
        f.seek(start)
        return f.read(end - start).decode(errors="replace").splitlines()

def connections(lines):
    """The TCP connections a cycle opened: distinct values of nginx's $connection (the log
    format's fifth field, a serial number per connection) among the cycle's requests."""
    return len({l.split()[4] for l in lines if len(l.split()) > 4})

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--feedwatch", required=True)
    ap.add_argument("--nginx-conf", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--port", type=int, default=0, help="the feed server's port (default: a free one)")
    a = ap.parse_args()
    a.port = a.port or free_port()
    work = os.path.abspath(a.work)
    feeds = sorted(os.listdir(os.path.join(a.corpus, "feeds")))
    serve = os.path.join(work, "serve")
    os.makedirs(os.path.join(work, "nginx"), exist_ok=True)
    os.makedirs(serve, exist_ok=True)
    sizes = [int(s) for s in a.sizes.split(",")]
    for i in range(max(sizes)):
        name = os.path.join(serve, "f%05d.xml" % i)
        if not os.path.exists(name):
            src = os.path.abspath(os.path.join(a.corpus, "feeds", feeds[i % len(feeds)]))
            os.symlink(src, name)
            with open(src, "rb") as s, open(name + ".gz", "wb") as d:
                d.write(subprocess.run(["gzip", "-6", "-n", "-c"], stdin=s, capture_output=True).stdout)
    conf = open(a.nginx_conf).read().replace("@DIR@", work).replace("@PORT@", str(a.port))
    conf = conf.replace("root %s/serve;" % work, "root %s;" % serve)
    access = os.path.join(work, "nginx", "access.log")
    nginx = Nginx(os.path.join(work, "nginx"), conf_text=conf)
    time.sleep(0.5)
    rows = []
    try:
        for n in sizes:
            urls = ["http://127.0.0.1:%d/f%05d.xml" % (a.port, i) for i in range(n)]
            d = os.path.join(work, "n%d" % n)
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
            with open(os.path.join(d, "urls"), "w") as f:
                f.write("\n".join(urls) + "\n")
            # feedwatch
            with open(os.path.join(d, "feedwatch.toml"), "w") as f:
                f.write('state_dir = "%s/fw"\ninterval = "1h"\n[fetch]\nallow_addresses = ["127.0.0.1/32"]\n'
                        'concurrency = 16\nper_host = 16\n[[watch]]\nname = "iraq"\n'
                        "match = 'Iraq* AND coalition'\n[[output]]\nname = \"events\"\ntype = \"jsonl\"\n"
                        'path = "%s/events.jsonl"\n' % (d, d))
                for u in urls:
                    f.write('[[feed]]\nurl = "%s"\n' % u)
            fw = "%s once -c %s/feedwatch.toml" % (a.feedwatch, d)
            # curl: one process, keep-alive, 16 parallel transfers, no state
            with open(os.path.join(d, "curl.cfg"), "w") as f:
                for u in urls:
                    f.write('url = "%s"\noutput = "/dev/null"\n' % u)
            curl = "curl -s --compressed --parallel --parallel-max 16 -K %s/curl.cfg" % d
            tools = [("feedwatch", fw), ("curl (1 process)", curl)]
            if n <= 1000 and shutil.which("sfeed_update"):
                with open(os.path.join(d, "sfeedrc"), "w") as f:
                    f.write('sfeedpath="%s/sfeed"\nmaxjobs=16\nfeeds() {\n' % d)
                    for i, u in enumerate(urls):
                        f.write('  feed "f%05d" "%s"\n' % (i, u))
                    f.write("}\n")
                tools.append(("sfeed_update", "sfeed_update %s/sfeedrc" % d))
            if n <= 1000 and shutil.which("newsboat"):
                os.makedirs(os.path.join(d, "nb"), exist_ok=True)
                with open(os.path.join(d, "nb", "config"), "w") as f:
                    f.write("reload-threads 16\ncleanup-on-quit no\n")
                tools.append(("newsboat", 'HOME=%s/nb newsboat -x reload -u %s/urls -c %s/nb/cache.db -C %s/nb/config'
                              % (d, d, d, d)))
            for name, cmd in tools:
                start = log_size(access)
                cold = run(cmd)
                middle = log_size(access)
                warm = run(cmd)
                warm_lines = log_lines(access, middle, log_size(access))
                cold["conns"] = connections(log_lines(access, start, middle))
                warm["conns"] = connections(warm_lines)
                n304 = sum(1 for l in warm_lines if l.split()[2:3] == ["304"])
                rows.append((n, name, cold, warm, n304))
                if cold["code"] not in (0, 1) and name != "newsboat":
                    print("# %s exited %d: %s" % (name, cold["code"], cold["err"]))
    finally:
        nginx.stop()
    print("\n### Poll cycles (one run each)\n")
    print("| feeds | tool | cold wall s | cold CPU s | cold peak RSS MB | cold TCP connections "
          "| unchanged wall s | unchanged CPU s | unchanged peak RSS MB | unchanged TCP connections | 304 share "
          "| vs curl (cold) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    curl = {n: c["wall"] for n, name, c, w, k in rows if name.startswith("curl")}
    for n, name, c, w, k in rows:
        share = "%d%%" % round(100 * min(k, n) / n)
        print("| %s | %s | %.2f | %.2f | %.0f | %d | %.2f | %.2f | %.0f | %d | %s | %.1fx |" % (
            "{:,}".format(n), name, c["wall"], c["cpu"], c["rss"], c["conns"], w["wall"], w["cpu"], w["rss"],
            w["conns"], share, c["wall"] / curl[n]))

if __name__ == "__main__":
    main()
