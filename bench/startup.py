"""Start-up to ready, idle memory and shutdown time of a release `oblako`.

Usage: python3 bench/startup.py [path/to/oblako] [runs]
Starts the gateway on an existing database (SQLite, or the one OBLAKO_DATABASE_URL names) (the first start, which creates it, is not
timed), polls /readyz, and prints one line per measurement.
"""
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/oblako"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start(data_dir, port):
    env = dict(os.environ, OBLAKO_DATA_DIR=data_dir, OBLAKO_LISTEN=f"127.0.0.1:{port}")
    began = time.perf_counter()
    proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/readyz"
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return proc, (time.perf_counter() - began) * 1000
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"oblako exited with {proc.returncode}")
            time.sleep(0.001)


with tempfile.TemporaryDirectory() as data:
    proc, _ = start(data, free_port())  # first start: creates the database, keys and demo site
    proc.send_signal(signal.SIGTERM)
    proc.wait()
    ready_ms, idle_mib, stop_ms = [], [], []
    for _ in range(runs):
        port = free_port()
        proc, ms = start(data, port)
        ready_ms.append(ms)
        time.sleep(2)
        idle_mib.append(rss_kib(proc.pid) / 1024)
        began = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        proc.wait()
        stop_ms.append((time.perf_counter() - began) * 1000)

backend = "PostgreSQL" if os.environ.get("OBLAKO_DATABASE_URL", "").startswith("postgres") else "SQLite"
print(f"runs: {runs} (existing {backend} database)")
print(f"start-up to ready: median {statistics.median(ready_ms):.1f} ms, max {max(ready_ms):.1f} ms")
print(f"idle RSS after 2 s: median {statistics.median(idle_mib):.1f} MiB, max {max(idle_mib):.1f} MiB")
print(f"SIGTERM to exit (idle): median {statistics.median(stop_ms):.1f} ms")
