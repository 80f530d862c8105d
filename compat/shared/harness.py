"""What the compat scripts of every Python client share, with no dependency beyond the standard
library (each client runs in its own virtualenv): named checks with `ok`/`FAIL` lines and the
closing `N passed, M failed` line, the record of which client methods a scenario called (so a
method the client has cannot be skipped without a line saying why), test cryptograms from the
oblako CLI, the payer's side of the emulated 3-D Secure page, and plain Basic-auth calls for the
few endpoints a client has no method for. Only the scripts' scaffolding: no client feature."""

import base64
import functools
import inspect
import json
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

class Checks:
    """Named checks; `finish` prints the closing line and exits non-zero on a failure."""

    def __init__(self, suite):
        self.suite = suite
        self.results = []

    def _record(self, name, error):
        self.results.append(error is None)
        if error is None:
            print(f"ok   {name}")
        else:
            print(f"FAIL {name}: {type(error).__name__}: {error}")

    def check(self, name, fn):
        try:
            fn()
            self._record(name, None)
        except Exception as e:  # noqa: BLE001 - any failure is a failed check
            self._record(name, e)

    async def acheck(self, name, fn):
        try:
            await fn()
            self._record(name, None)
        except Exception as e:  # noqa: BLE001
            self._record(name, e)

    def finish(self):
        passed, failed = self.results.count(True), self.results.count(False)
        print(f"{self.suite}: {passed} passed, {failed} failed")
        sys.exit(1 if failed else 0)


def public_methods(cls):
    """The public methods of `cls` (its own and inherited), properties left out."""
    names = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        raw = inspect.getattr_static(cls, name)
        if isinstance(raw, (staticmethod, classmethod)) or inspect.isfunction(raw):
            names.append(name)
    return sorted(names)


class Coverage:
    """Records which public methods of the tracked objects were called. A method Oblako cannot
    serve is still called, and `unservable` prints why on its own line."""

    def __init__(self):
        self.called = set()
        self.classes = {}
        self.reasons = {}

    def track(self, obj, label):
        """Wraps every public method of `obj` (on the instance; the class is left alone)."""
        self.classes[label] = type(obj)
        for name in public_methods(type(obj)):
            setattr(obj, name, self._wrap(getattr(obj, name), f"{label}.{name}"))
        return obj

    def track_module(self, module, names, label):
        """The same for module functions listed in `names` (a package's `__all__`)."""
        self.classes[label] = names
        for name in names:
            setattr(module, name, self._wrap(getattr(module, name), f"{label}.{name}"))

    def _wrap(self, fn, qualified):
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def wrapper(*args, **kwargs):
                self.called.add(qualified)
                return await fn(*args, **kwargs)
        else:
            @functools.wraps(fn)
            def wrapper(*args, **kwargs):
                self.called.add(qualified)
                return fn(*args, **kwargs)
        return wrapper

    def mark(self, qualified):
        """For a method called where no wrapper can see it (inside the library's own code)."""
        self.called.add(qualified)

    def unservable(self, qualified, why):
        self.reasons[qualified] = why
        print(f"not served by Oblako: {qualified}: {why}")

    def missing(self):
        """Every public method of every tracked class that no step called."""
        expected = []
        for label, cls in self.classes.items():
            names = cls if isinstance(cls, list) else public_methods(cls)
            expected += [f"{label}.{name}" for name in names]
        return sorted(set(expected) - self.called)


def make_cryptogram(binary, base_url, public_id, card, exp="12/30"):
    """A Format A cryptogram of `card` (CVV 123) from `oblako cryptogram`."""
    out = subprocess.run(
        [binary, "cryptogram", "--public-id", public_id, "--card", card, "--exp", exp,
         "--cvv", "123", "--base-url", base_url],
        check=True, capture_output=True, text=True, timeout=30,
    )
    return out.stdout.strip()


def _post_form(url, fields):
    data = urllib.parse.urlencode(fields).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as r:
        return r.read().decode("utf-8")


def pass_acs(base_url, acs_url, transaction_id, pa_req, outcome="pass"):
    """The payer on Oblako's ACS page: returns the PaRes the page posts back to the TermUrl."""
    form = {"PaReq": pa_req, "MD": str(transaction_id), "TermUrl": "https://shop.example/3ds"}
    page = _post_form(acs_url, form)
    assert "Подтвердить" in page, page[:300]
    back = _post_form(base_url.rstrip("/") + "/acs/submit", dict(form, code="1234", outcome=outcome))
    return re.search(r'name="PaRes" value="([^"]+)"', back).group(1)


def api(base_url, public_id, secret, path, params=None):
    """A plain Basic-auth POST (JSON), for setup steps and endpoints a client has no method for.
    Returns (HTTP status, parsed body)."""
    token = base64.b64encode(f"{public_id}:{secret}".encode()).decode()
    request = urllib.request.Request(
        base_url.rstrip("/") + "/" + path.lstrip("/"), data=json.dumps(params or {}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Basic {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def oblako_cli(binary, *args):
    """Runs `oblako ARGS` with this process's environment (OBLAKO_DATA_DIR included)."""
    return subprocess.run([binary, *args], check=True, capture_output=True, text=True,
                          timeout=30).stdout
