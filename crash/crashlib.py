"""The crash test's scaffolding: an `oblako serve` process that can be killed and restarted, a durable
notification receiver on 127.0.0.1, one API call with its outcome classified, psql for the
throw-away PostgreSQL database. Standard library only; every wait is bounded."""
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

REQUEST_TIMEOUT = 15.0
READY_TIMEOUT = 30.0


class Broken(Exception):
    """The run itself failed (a node would not start, a hang): no verdict on Oblako's promises."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(base_url, sql):
    """Runs one statement on the server's `postgres` database."""
    subprocess.run(["psql", f"{base_url}/postgres", "-v", "ON_ERROR_STOP=1", "-qtAc", sql],
                   check=True, capture_output=True, text=True, timeout=60)


def bank_ledger(database_url, data_dir):
    """The emulated bank's ledger, read-only: (reference, operation, amount, reason_code) rows.
    It stands for the acquirer's side of the books."""
    sql = "SELECT reference, operation, amount, reason_code FROM bank_ledger"
    if database_url:
        out = subprocess.run(["psql", database_url, "-v", "ON_ERROR_STOP=1", "-qtA", "-F", "|",
                              "-c", sql], check=True, capture_output=True, text=True, timeout=60)
        rows = [line.split("|") for line in out.stdout.splitlines() if line]
        return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]
    path = os.path.join(data_dir, "oblako.db")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
        return [tuple(r) for r in db.execute(sql)]


def postgres_missing(base_url):
    """Why PostgreSQL cannot be used here, or None."""
    if not shutil.which("psql"):
        return "psql not found on PATH"
    try:
        psql(base_url, "SELECT 1")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        err = getattr(e, "stderr", "") or str(e)
        return f"PostgreSQL at {base_url} does not answer: {' '.join(err.split())[:200]}"
    return None


class Node:
    """One `oblako serve` on a fixed loopback port; its output goes to a log file."""

    def __init__(self, name, binary, env, port, work):
        self.name, self.binary, self.env, self.port = name, binary, env, port
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = os.path.join(work, f"{name}.log")
        self.proc = None
        self.up = False
        self.started = None

    def start(self):
        with open(self.log_path, "ab") as log:
            log.write(f"--- start at {time.time():.3f}\n".encode())
            self.proc = subprocess.Popen([self.binary, "serve"], env=self.env,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.started = time.time()

    def wait_ready(self):
        """Seconds from start until /readyz answers 200."""
        deadline = self.started + READY_TIMEOUT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Broken(f"{self.name} exited with {self.proc.returncode}; see "
                             f"{self.log_path}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        self.up = True
                        return time.time() - self.started
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        raise Broken(f"{self.name} not ready within {READY_TIMEOUT:g} s:\n{self.tail()}")

    def kill(self):
        """SIGKILL, no warning, and reap it."""
        self.up = False
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def tail(self, lines=20):
        try:
            with open(self.log_path, "rb") as f:
                return b"".join(f.readlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return ""


def api_call(base, auth, path, body):
    """POSTs JSON; ("answered", status, parsed body), or ("refused"|"unknown", None, why).

    A refused connection was never received. Anything else that fails (a reset, EOF, a timeout)
    leaves the outcome unknown: the server may have committed it."""
    data = json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method="POST", headers={
        "Content-Type": "application/json", "Authorization": auth})
    try:
        with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT) as r:
            return "answered", r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        try:
            payload = json.loads(e.read())
        except (ValueError, OSError):
            payload = None
        return "answered", e.code, payload
    except urllib.error.URLError as e:
        if isinstance(e.reason, ConnectionRefusedError):
            return "refused", None, str(e)
        return "unknown", None, str(e)
    except (OSError, http.client.HTTPException, ValueError) as e:
        return "unknown", None, str(e)


def read_api(base, auth, path, body, timeout=60):
    """A read-only API call that must succeed; its Model."""
    result, status, reply = "unknown", None, None
    for _ in range(5):
        result, status, reply = api_call(base, auth, path, body)
        if result == "answered":
            break
        time.sleep(0.5)
    if result != "answered" or status != 200 or not (reply or {}).get("Success"):
        raise Broken(f"{path} failed: {result} {status} {str(reply)[:300]}")
    return reply["Model"]


class QuietServer(http.server.ThreadingHTTPServer):
    """A sender killed mid-connection is expected here, not worth a traceback."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class Receiver:
    """A merchant endpoint on 127.0.0.1: every delivery is appended to `path` as a JSON line,
    flushed and fsynced before the answer {"code":0}. The signature is checked, not enforced."""

    def __init__(self, path, secret):
        self.path = path
        self.secret = secret.encode()
        self.file = open(path, "a", encoding="utf-8")
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = self.rfile.read(min(length, 1 << 20))
                except OSError:
                    return
                if len(body) != length:
                    return  # the sender died mid-body: nothing was delivered
                receiver.record(self.path, body, self.headers)
                answer = b'{"code":0}'
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender died after delivering: it was received all the same

            def log_message(self, *args):  # quiet
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def record(self, path, body, headers):
        digest = hmac.new(self.secret, body, hashlib.sha256).digest()
        signed = hmac.compare_digest((headers.get("Content-HMAC") or "").strip(),
                                     base64.b64encode(digest).decode())
        fields = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"),
                                             keep_blank_values=True))
        line = json.dumps({"at": time.time(), "kind": path.strip("/").lower(),
                           "tx": fields.get("TransactionId"), "status": fields.get("Status"),
                           "amount": fields.get("Amount"), "invoice": fields.get("InvoiceId"),
                           "signed": signed, "id": headers.get("X-Webhook-Id")})
        with self.lock:
            self.file.write(line + "\n")
            self.file.flush()
            os.fsync(self.file.fileno())

    def deliveries(self):
        """Every delivery logged so far, read back from the file."""
        with self.lock, open(self.path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.file.close()
