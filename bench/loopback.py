"""Loopback servers for the benchmarks: free ports, and an nginx run from a folder of its own."""
import os, socket, subprocess

def free_ports(n):
    """n distinct TCP ports on 127.0.0.1 that nothing listens on now (the kernel's picks for port 0,
    held together so that they differ)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()

def free_port():
    return free_ports(1)[0]

# Everything nginx writes stays in <prefix>; ETag on, so an unchanged feed costs a 304.
CONF = """worker_processes 1;
daemon on;
pid %(prefix)s/nginx.pid;
error_log %(prefix)s/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %(prefix)s/tmp_body;
    proxy_temp_path %(prefix)s/tmp_proxy;
    fastcgi_temp_path %(prefix)s/tmp_fcgi;
    uwsgi_temp_path %(prefix)s/tmp_uwsgi;
    scgi_temp_path %(prefix)s/tmp_scgi;
    types { application/rss+xml xml; }
    keepalive_requests 1000000;
    etag on;
    server {
        listen 127.0.0.1:%(port)d;
        root %(root)s;
%(locations)s    }
}
"""

class Nginx:
    """nginx with its configuration and files in `prefix`, started at once; `stop()` stops it."""

    def __init__(self, prefix, conf_text=None, port=None, root=None, locations=""):
        self.prefix = os.path.abspath(prefix)
        os.makedirs(self.prefix, exist_ok=True)
        self.conf = os.path.join(self.prefix, "nginx.conf")
        if conf_text is None:
            conf_text = CONF % dict(prefix=self.prefix, port=port, root=root, locations=locations)
        with open(self.conf, "w") as f:
            f.write(conf_text)
        subprocess.run(["nginx", "-c", self.conf, "-p", self.prefix], check=True)

    def stop(self):
        subprocess.run(["nginx", "-c", self.conf, "-p", self.prefix, "-s", "stop"])
