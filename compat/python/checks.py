"""What the compat scripts share: named checks with ok/FAIL lines and the closing
'N passed, M failed' line, the unmodified client pointed at a live oblako, and test cryptograms
from the oblako CLI. Not a client library feature: only the scripts' own scaffolding."""

import subprocess
import sys

from cloudpayments import CloudPayments

results = []


def check(name, fn):
    try:
        fn()
        results.append(True)
        print(f"ok   {name}")
    except Exception as e:  # noqa: BLE001 - any failure is a failed check
        results.append(False)
        print(f"FAIL {name}: {type(e).__name__}: {e}")


def finish(suite):
    """Prints the closing line and exits non-zero if any check failed."""
    passed, failed = results.count(True), results.count(False)
    print(f"{suite}: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def client_for(base_url, public_id, api_secret):
    """The PyPI client with its base URL replaced by the gateway's."""
    client = CloudPayments(public_id, api_secret)
    client.URL = base_url.rstrip("/") + "/"
    return client


def make_cryptogram(binary, base_url, public_id, card):
    """A Format A cryptogram of `card` (12/30, CVV 123) from `oblako cryptogram`."""
    out = subprocess.run(
        [binary, "cryptogram", "--public-id", public_id, "--card", card, "--exp", "12/30",
         "--cvv", "123", "--base-url", base_url],
        check=True, capture_output=True, text=True, timeout=30,
    )
    return out.stdout.strip()
