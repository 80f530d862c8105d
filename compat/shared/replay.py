"""Feeds every reply shape captured from a live Oblako (shapes.py) to a Python client's own
methods: a server on 127.0.0.1 answers each request with the next captured reply, byte for byte
as Oblako sent it, and the client parses it as it would Oblako's.

A client passes a shape when its method returns a parsed value or raises one of the client's own
error classes, never raises on `Success:true`, and never hands back a decline whose `ReasonCode`
is 0. Any other exception (a KeyError, a validation error, a JSON error) is a failure: the client
cannot read that reply. A reply of an endpoint the client has no method for is not fed to it; an
HTTP error (401, 404, 413, 422) is fed to every method, since any call can meet it.
"""
import asyncio
import http.server
import inspect
import json
import threading
import urllib.parse


class ReplayServer:
    """Answers each request with `self.reply` = (HTTP status, body); keeps the paths asked for."""

    def __init__(self):
        self.reply = (200, {})
        self.paths = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.paths.append(urllib.parse.urlsplit(self.path).path.strip("/"))
                status, body = server.reply
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = answer  # noqa: N815 - http.server's names

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self.server.shutdown()


def _decline_model(value):
    """The transaction model an exception or a return value carries, when it carries one."""
    for attribute in ("response", "model"):
        carried = getattr(value, attribute, None)
        if isinstance(carried, dict):
            carried = carried.get("Model")
        if isinstance(carried, dict):
            return carried
        if carried is not None and hasattr(carried, "reason_code"):
            return {"ReasonCode": carried.reason_code, "Status": getattr(carried, "status", None)}
    return None


async def _outcome(call):
    try:
        value = call()
        if inspect.isawaitable(value):
            value = await value
        return "returned", value
    except Exception as e:  # noqa: BLE001 - classified below
        return "raised", e


def scan(checks, client, methods, shapes_file, own_errors, known=None):
    """`methods`: {endpoint: [(label, callable)]}. One check per endpoint; the FAIL names the
    shape and what the client did. `known`: {label: (exception name, why)}, a defect of the
    client's own on refusals that carry no model, printed once on a `client defect:` line instead
    of failing. Returns the [(endpoint, case, label, verdict)] table."""
    known = known or {}
    defects = {}
    shapes = json.load(open(shapes_file, encoding="utf-8"))
    server = ReplayServer()
    table = []

    async def run():
        for shape in shapes:
            targets = methods.get(shape["endpoint"], [])
            if shape["http"] >= 400:
                targets = [m for ms in methods.values() for m in ms]
            for label, call in targets:
                server.reply = (shape["http"], shape["body"])
                kind, value = await _outcome(lambda: call(server.url))
                body = shape["body"]
                model = _decline_model(value) if kind == "raised" else None
                defect = known.get(label)
                if (kind == "raised" and defect and type(value).__name__ == defect[0]
                        and "Model" not in body):
                    defects.setdefault(label, []).append(shape["case"])
                    verdict = f"client defect ({defect[0]})"
                elif kind == "raised" and not isinstance(value, own_errors):
                    verdict = f"FAIL: {type(value).__name__}: {str(value)[:160]}"
                elif kind == "raised" and body.get("Success") is True:
                    verdict = f"FAIL: raised {type(value).__name__} on Success:true"
                elif model and model.get("ReasonCode") == 0 and model.get("Status"):
                    verdict = f"FAIL: a decline with ReasonCode 0 ({model.get('Status')})"
                else:
                    verdict = "ok" if kind == "returned" else f"ok ({type(value).__name__})"
                table.append((shape["endpoint"], shape["case"], label, verdict))

    asyncio.run(run())
    server.stop()
    for label, cases in defects.items():
        print(f"client defect: {client}.{label} on {len(cases)} refusals without a model "
              f"({', '.join(sorted(set(cases)))}): {known[label][1]}")
    for endpoint in dict.fromkeys(row[0] for row in table):
        rows = [row for row in table if row[0] == endpoint]
        failed = [f"{case} → {label}: {verdict}" for _, case, label, verdict in rows
                  if verdict.startswith("FAIL")]

        def verdict(failed=failed):
            assert not failed, "; ".join(failed)
        labels = sorted({row[2] for row in rows})
        checks.check(f"scan {client}: {endpoint}: {len(rows)} replies through "
                     f"{', '.join(labels) if len(labels) < 4 else f'{len(labels)} methods'}",
                     verdict)
    return table
