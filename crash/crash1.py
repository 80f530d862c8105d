#!/usr/bin/env python3
"""Kill -9 under load, nothing lost, nothing invented.

Usage: crash1.py BINARY --backend sqlite|postgres [--pg-url URL] [--seed N] [--kills N]

Starts `oblako serve` (SQLite: one node; PostgreSQL: two nodes on a fresh database), points the
site's Pay, Fail, Confirm and Refund notifications at a receiver on 127.0.0.1 that appends every
delivery to a file (flushed and fsynced before it answers {"code":0}), drives operations from a
few concurrent clients (token charges approved and declined, card charges declined, token
authorizations later confirmed, partial refunds), kills a node with SIGKILL at random moments
and restarts it on the same data and port, then kills every node once more, restarts them, lets
delivery drain and checks over the API (`payments/list`) that:

- every operation the database holds as committed (Completed, Authorized, Declined) has the
  notifications its state calls for (Pay or Fail; Pay then Confirm for a confirmed
  authorization; Refund for a refund) in the receiver's file, first delivered in event order;
- no notification names a TransactionId the database does not hold, or one still in progress,
  or says another status or amount than the database's; every signature (Content-HMAC) is right;
- every operation a client was answered for exists as answered, no request made two payments,
  and the database holds no payment or refund no client asked for;
- the emulated bank's ledger (read-only) holds no operation the gateway does not, and an entry
  with the same outcome and amount for every committed authorization, capture and refund.

On PostgreSQL a killed node stays down for the lease and one second more, so the survivor must
take over the notifications the dead node had claimed. Prints the counts and exits 1 with the
violations listed, 2 when the run itself broke (a node would not start, a hang). Standard library
only; every wait is bounded, and a watchdog ends the run after --budget seconds.
"""
import argparse
import base64
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

import crashlib
from crashlib import Node, Receiver, api_call, free_port

COMMITTED = {"Completed", "Authorized", "Declined"}
KIND_OF = {"Completed": "pay", "Authorized": "pay", "Declined": "fail"}
LEASE_SECS = 3
CLIENTS = 4


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("binary")
    p.add_argument("--backend", choices=["sqlite", "postgres"], required=True)
    p.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--kills", type=int, default=5)
    p.add_argument("--drain", type=float, default=45.0, help="seconds to wait for delivery")
    p.add_argument("--budget", type=float, default=150.0, help="watchdog, seconds")
    return p.parse_args()


def is_refund(row):
    return row.get("Type") == 1


def expected(row):
    """The notifications an operation's stored state calls for, in event order; None while it
    is in progress. Authorizations (InvoiceId `a…`) announce Pay, then Confirm once confirmed."""
    status = row["Status"]
    if status not in COMMITTED:
        return None
    if is_refund(row):
        return ["refund"]
    if status == "Declined":
        return ["fail"]
    if status == "Completed" and (row["InvoiceId"] or "").startswith("a"):
        return ["pay", "confirm"]
    return ["pay"]


def reported_status(row, kind):
    """The Status a `kind` notification of `row` carries: Pay reports an authorization as
    Authorized, though it was confirmed since; Refund carries no Status (spec §5.5)."""
    if kind == "refund":
        return None
    if kind == "pay" and (row["InvoiceId"] or "").startswith("a"):
        return "Authorized"
    return row["Status"]


def describe(row):
    return f"{'refund' if is_refund(row) else 'payment'} {row['TransactionId']}"


class Run:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.seed = args.seed if args.seed is not None else random.randrange(1 << 30)
        self.rng = random.Random(self.seed)
        self.env = dict(os.environ)
        self.env.update({
            "OBLAKO_DATA_DIR": os.path.join(work, "data"),
            "OBLAKO_LOG_FORMAT": "json",
            "OBLAKO_TEST_IN_FLIGHT": "256",
            "OBLAKO_NOTIFICATION_LEASE_SECS": str(LEASE_SECS),
            # The lease outlives an attempt, so two nodes never send the same attempt at once.
            "OBLAKO_NOTIFICATION_TIMEOUT_MS": "2000",
            # Bank calls a kill left open are settled 3 s on, so the drain sees them notified.
            "OBLAKO_RECONCILE_AFTER_SECS": "3",
            "RUST_LOG": "warn",
        })
        self.env.pop("OBLAKO_CONFIG", None)
        self.database = None
        self.nodes = []
        self.records = []  # one dict per request a client sent
        self.records_lock = threading.Lock()
        self.kills = []  # (node name, killed at, restarted at, seconds to ready)
        self.stop = threading.Event()

    # --- set-up ---------------------------------------------------------------------------
    def cli(self, *argv):
        out = subprocess.run([self.args.binary, *argv], env=self.env, check=True,
                             capture_output=True, text=True, timeout=60)
        return out.stdout

    def set_up(self):
        if self.args.backend == "postgres":
            self.database = f"crash1_{os.getpid()}_{self.rng.randrange(1 << 20)}"
            crashlib.psql(self.args.pg_url, f'CREATE DATABASE "{self.database}"')
            self.env["OBLAKO_DATABASE_URL"] = f"{self.args.pg_url}/{self.database}"
        site = json.loads(self.cli("site", "create", "--name", "Crash", "--json"))
        self.site_id = str(site["site_id"])
        self.public_id = site["test"]["public_id"]
        self.secret = site["test"]["api_secret"]
        self.auth = "Basic " + base64.b64encode(
            f"{self.public_id}:{self.secret}".encode()).decode()
        self.receiver = Receiver(os.path.join(self.work, "deliveries.jsonl"), self.secret)
        for kind in ("Pay", "Fail", "Confirm", "Refund"):
            self.cli("site", "notification-set", "--site", self.site_id, "--kind", kind,
                     "--url", f"{self.receiver.url}/{kind.lower()}", "--method", "POST")
        # Retries after 1 s, then every 2 s: what a restart leaves undelivered comes back soon.
        self.cli("site", "notification-retries", "--site", self.site_id,
                 "--intervals", "1,2", "--max-attempts", "1000")
        count = 2 if self.args.backend == "postgres" else 1
        for i in range(count):
            port = free_port()
            env = dict(self.env, OBLAKO_LISTEN=f"127.0.0.1:{port}")
            self.nodes.append(Node(f"node{i + 1}", self.args.binary, env, port, self.work))
        for node in self.nodes:  # one at a time: each runs the migrations at start
            node.start()
            node.wait_ready()
        self.cards = {}
        for name, card in (("approve", "4000000000003055"), ("decline_token", "4111111111111111"),
                           ("decline_card", "4000056655665556")):
            self.cards[name] = self.cli("cryptogram", "--public-id", self.public_id, "--card",
                                        card, "--exp", "12/30", "--cvv", "123").strip()
        self.tokens = {}
        for name in ("approve", "decline_token"):
            reply = self.send(0, "pay", "/payments/cards/charge", {
                "Amount": 1, "Currency": "RUB", "IpAddress": "127.0.0.1", "AccountId": "crash",
                "CardCryptogramPacket": self.cards[name]}, "Completed", invoice=f"setup-{name}")
            if reply is None or not reply.get("Model", {}).get("Token"):
                raise crashlib.Broken(f"the set-up charge with the {name} card gave no token")
            self.tokens[name] = reply["Model"]["Token"]

    # --- load -----------------------------------------------------------------------------
    def up_nodes(self):
        return [n for n in self.nodes if n.up] or self.nodes

    def send(self, client, op, path, body, expect, invoice=None, target=None):
        """Sends one request, records what came back; the reply when it was acknowledged.

        `op` is `pay` (a charge or an authorization, named by `invoice`), `confirm` or `refund`
        (of the payment `target`)."""
        if invoice:
            body = dict(body, InvoiceId=invoice)
        rec = {"client": client, "op": op, "invoice": invoice, "target": target,
               "expect": expect, "amount": f"{body['Amount']:.2f}", "refusals": 0}
        for _ in range(200):  # a refused connection was never received: try a node again
            node = random.choice(self.up_nodes())
            rec["node"], rec["sent"] = node.name, time.time()
            result, status, reply = api_call(node.base, self.auth, path, body)
            if result != "refused":
                break
            rec["refusals"] += 1
            time.sleep(0.05)
        rec["result"] = result
        if result == "answered":
            model = reply.get("Model") if isinstance(reply, dict) else None
            if op == "confirm" and status == 200 and reply.get("Success") is True:
                rec.update(result="ack", tx=target, status="Completed")
            elif op != "confirm" and status == 200 and isinstance(model, dict) \
                    and model.get("TransactionId"):
                rec.update(result="ack", tx=model["TransactionId"],
                           status=model.get("Status", "Completed"))
            else:
                rec.update(result="error", http=status, reply=str(reply)[:200])
        with self.records_lock:
            self.records.append(rec)
        return reply if rec["result"] == "ack" else None

    def client(self, i):
        """Charges approved and declined, authorizations later confirmed, partial refunds."""
        rng = random.Random(self.seed * 31 + i)
        authorized, completed = [], []  # this client's acknowledged payments
        seq = 0
        while not self.stop.is_set():
            seq += 1
            amount = rng.randint(100, 99_999) / 100
            r = rng.random()
            common = {"Amount": amount, "Currency": "RUB", "AccountId": "crash"}
            if seq % 2 == 0:  # half the payments carry receipt data (54-FZ)
                common["JsonData"] = {"CloudPayments": {"CustomerReceipt": {"Items": [
                    {"label": "Crash", "price": amount, "quantity": 1, "amount": amount}]}}}
            if 0.70 <= r < 0.85:
                reply = self.send(i, "pay", "/payments/tokens/auth",
                                  dict(common, Token=self.tokens["approve"]), "Authorized",
                                  invoice=f"a{i}-{seq}")
                if reply:
                    authorized.append((reply["Model"]["TransactionId"], amount))
            elif 0.85 <= r < 0.93 and authorized:
                tx, full = authorized.pop(0)
                if self.send(i, "confirm", "/payments/confirm",
                             {"TransactionId": tx, "Amount": full}, "Completed", target=tx):
                    completed.append(tx)
            elif r >= 0.93 and completed:
                tx = completed.pop(rng.randrange(len(completed)))
                self.send(i, "refund", "/payments/refund", {"TransactionId": tx, "Amount": 1},
                          "Completed", target=tx)
            elif 0.50 <= r < 0.62:
                self.send(i, "pay", "/payments/tokens/charge",
                          dict(common, Token=self.tokens["decline_token"]), "Declined",
                          invoice=f"c{i}-{seq}")
            elif 0.62 <= r < 0.70:
                self.send(i, "pay", "/payments/cards/charge",
                          dict(common, IpAddress="127.0.0.1",
                               CardCryptogramPacket=self.cards["decline_card"]), "Declined",
                          invoice=f"c{i}-{seq}")
            else:
                reply = self.send(i, "pay", "/payments/tokens/charge",
                                  dict(common, Token=self.tokens["approve"]), "Completed",
                                  invoice=f"c{i}-{seq}")
                if reply:
                    completed.append(reply["Model"]["TransactionId"])

    def kill(self, node, restart_after):
        killed = time.time()
        node.kill()
        entry = {"node": node.name, "killed": killed}
        self.kills.append(entry)
        if restart_after:
            time.sleep(restart_after)
        node.start()
        entry["ready_secs"] = node.wait_ready()
        entry["restarted"] = node.started

    def drive(self):
        threads = [threading.Thread(target=self.client, args=(i + 1,), daemon=True)
                   for i in range(CLIENTS)]
        for t in threads:
            t.start()
        pg = self.args.backend == "postgres"
        for _ in range(self.args.kills):
            # SQLite: kills 2-8 s apart, restarted at once. PostgreSQL: the killed node stays
            # down past the lease, so the survivor must take over its claims; 1-4 s between.
            time.sleep(self.rng.uniform(1, 4) if pg else self.rng.uniform(2, 8))
            node = self.rng.choice(self.nodes)
            self.kill(node, LEASE_SECS + 1 if pg else self.rng.uniform(0, 0.5))
        time.sleep(1)
        self.stop.set()
        for t in threads:
            t.join(30)
            if t.is_alive():
                raise crashlib.Broken("a client did not stop within 30 s")
        # At the end, every node is killed once more and restarted.
        for node in self.nodes:
            node.kill()
            self.kills.append({"node": node.name, "killed": time.time(), "final": True})
        for node in self.nodes:
            node.start()
            self.kills[-len(self.nodes) + self.nodes.index(node)]["ready_secs"] = \
                node.wait_ready()
        self.load_ended = time.time()

    # --- drain and check ------------------------------------------------------------------
    def payments(self):
        """Every payment of the run, by TransactionId, from `payments/list` (one UTC day a call)."""
        first = datetime.fromtimestamp(self.started_at, timezone.utc).date()
        last = datetime.now(timezone.utc).date()
        days = sorted({first, last})
        rows = {}
        for day in days:
            node = self.up_nodes()[0]
            for row in crashlib.read_api(node.base, self.auth, "/payments/list",
                                         {"Date": day.isoformat()}):
                rows[row["TransactionId"]] = row
        return rows

    def drain(self):
        """Polls until every committed operation is notified and none is in progress, or the
        drain time is up. Returns the deliveries read before the last listing, that listing,
        when each operation was first seen committed, and the deliveries read after it."""
        deadline = time.time() + self.args.drain
        seen_committed = {}
        while True:
            before = self.receiver.deliveries()
            listed_at = time.time()
            rows = self.payments()
            after = self.receiver.deliveries()
            notified = {(d["tx"], d["kind"]) for d in after}
            missing, in_progress = [], []
            for tx, row in rows.items():
                kinds = expected(row)
                if kinds is None:
                    in_progress.append(tx)
                    continue
                seen_committed.setdefault(tx, listed_at)
                if any((str(tx), k) not in notified for k in kinds):
                    missing.append(tx)
            if (not missing and not in_progress) or time.time() >= deadline:
                return before, rows, seen_committed, listed_at, after
            time.sleep(2)

    def check(self):
        before, rows, seen_committed, listed_at, delivered = self.drain()
        self.drained = time.time()
        v = []  # violations
        first = {}  # (tx, kind) -> index of its first delivery
        for i, d in enumerate(delivered):
            first.setdefault((d["tx"], d["kind"]), i)
        late = []
        for tx, row in rows.items():
            for kind in expected(row) or []:
                if (str(tx), kind) in first:
                    continue
                if seen_committed.get(tx, 0) > listed_at - 10:
                    late.append(tx)  # committed (by the reconciler) in the last 10 s
                else:
                    v.append(f"{describe(row)} is {row['Status']} but no {kind} was received")
            # W3: a payment's notifications are first delivered in event order.
            order = [first.get((str(tx), "pay")), first.get((str(tx), "confirm"))]
            if is_refund(row):
                order = [first.get((str(row["OriginalTransactionId"]), "pay")),
                         first.get((str(tx), "refund"))]
            if None not in order and order[0] > order[1]:
                v.append(f"{describe(row)}: its notifications arrived out of order")
        # A delivery is judged against a listing taken after it arrived: one that came during
        # the last listing may announce an operation the reconciler committed meanwhile.
        later = self.payments() if len(delivered) > len(before) else rows
        for i, d in enumerate(delivered):
            listing = rows if i < len(before) else later
            row = listing.get(int(d["tx"])) if (d["tx"] or "").isdigit() else None
            if row is None:
                v.append(f"{d['kind']} received for TransactionId {d['tx']!r}, which the "
                         "database does not hold")
                continue
            kinds = expected(row)
            if kinds is None:
                v.append(f"{d['kind']} received for {describe(row)}, still in progress")
            elif d["kind"] not in kinds or d["status"] != reported_status(row, d["kind"]):
                v.append(f"{d['kind']} saying {d['status']} received for {describe(row)}, "
                         f"which the database holds as {row['Status']}")
            elif d["amount"] != f"{row['Amount']:.2f}":
                v.append(f"{d['kind']} for {d['tx']} says Amount {d['amount']}, the database "
                         f"{row['Amount']}")
            if not d["signed"]:
                v.append(f"{d['kind']} for {d['tx']} has a wrong Content-HMAC")
        sent = [r for r in self.records if r["result"] != "refused"]
        confirmed = {r["target"] for r in sent if r["op"] == "confirm"}
        refunds_asked = {}
        for r in sent:
            if r["op"] == "refund":
                refunds_asked[r["target"]] = refunds_asked.get(r["target"], 0) + 1
        by_invoice, refunds_made = {}, {}
        for row in rows.values():
            if is_refund(row):
                origin = row["OriginalTransactionId"]
                refunds_made[origin] = refunds_made.get(origin, 0) + 1
            else:
                by_invoice.setdefault(row["InvoiceId"], []).append(row)
        for r in sent:
            if r["op"] == "pay" and len(by_invoice.get(r["invoice"], [])) > 1:
                v.append(f"{len(by_invoice[r['invoice']])} payments for one request "
                         f"(InvoiceId {r['invoice']})")
            if r["result"] != "ack":
                continue
            if r["status"] != r["expect"]:
                v.append(f"{r['op']} {r['invoice'] or r['target']} was answered {r['status']}, "
                         f"expected {r['expect']}")
            row = rows.get(r["tx"])
            if row is None:
                v.append(f"acknowledged {r['op']} {r['tx']} ({r['invoice'] or r['target']}) "
                         "is missing from the database")
            elif r["op"] == "confirm":
                if row["Status"] != "Completed":
                    v.append(f"acknowledged confirm of {r['tx']}: the database holds "
                             f"{row['Status']}")
            elif r["op"] == "refund":
                if not is_refund(row) or row["OriginalTransactionId"] != r["target"] \
                        or f"{row['Amount']:.2f}" != r["amount"]:
                    v.append(f"acknowledged refund {r['tx']} of {r['target']}: the database "
                             f"holds {describe(row)} of {row['Amount']}")
            else:
                status_ok = row["Status"] == r["status"] or (
                    r["status"] == "Authorized" and row["Status"] == "Completed"
                    and r["tx"] in confirmed)
                if not status_ok or (row["InvoiceId"], f"{row['Amount']:.2f}") != \
                        (r["invoice"], r["amount"]):
                    v.append(f"acknowledged payment {r['tx']} was answered {r['status']} "
                             f"{r['amount']} {r['invoice']}, the database holds "
                             f"{row['Status']} {row['Amount']} {row['InvoiceId']}")
        asked = {r["invoice"] for r in sent if r["op"] == "pay"}
        for invoice, found in by_invoice.items():
            if invoice not in asked:
                v.append(f"payment {found[0]['TransactionId']} ({invoice!r}) was never asked for")
        for origin, n in refunds_made.items():
            if n > refunds_asked.get(origin, 0):
                v.append(f"{n} refunds of payment {origin}, {refunds_asked.get(origin, 0)} asked")
        for k in self.kills:
            if k.get("ready_secs", 0) > 10:
                v.append(f"{k['node']} took {k['ready_secs']:.1f} s to serve again (C1: < 10 s)")
        v.extend(self.check_ledger(rows))
        v.extend(self.check_receipts(rows))
        return self.report(rows, delivered, late, v)

    def check_receipts(self, rows):
        """Every settled payment with receipt data has exactly one Income receipt for its
        amount, every refund of one exactly one IncomeReturn, nothing else has one, and every
        receipt is fiscalised (the worker's leases outlive no kill by more than 10 s)."""
        v = []
        deadline = time.time() + 25
        while True:
            listed = json.loads(self.cli("site", "receipts", "--site", self.site_id, "--json",
                                         "--limit", "100000"))
            if all(r["State"] != "Queued" for r in listed) or time.time() >= deadline:
                break
            time.sleep(1)
        self.receipts = len(listed)
        found = {}
        for r in listed:
            found.setdefault((r["TransactionId"], r["Type"]), []).append(r)
            if r["State"] != "Processed":
                v.append(f"receipt {r['Id']} of {r['TransactionId']} is {r['State']} "
                         f"({r['Error']})")

        def carries(row):
            return row is not None and "customerreceipt" in \
                json.dumps(row.get("JsonData") or "").lower()

        for tx, row in rows.items():
            kind = "IncomeReturn" if is_refund(row) else "Income"
            payment = rows.get(row["OriginalTransactionId"]) if is_refund(row) else row
            want = 1 if row["Status"] == "Completed" and carries(payment) else 0
            got = found.get((tx, kind), [])
            if len(got) != want:
                v.append(f"{describe(row)} is {row['Status']} with{'' if want else 'out'} "
                         f"receipt data and has {len(got)} {kind} receipts")
            elif got and got[0]["Amount"] != f"{row['Amount']:.2f}":
                v.append(f"{kind} receipt of {tx} is for {got[0]['Amount']}, not {row['Amount']}")
        for (tx, kind), got in found.items():
            if tx not in rows:
                v.append(f"{len(got)} {kind} receipts for {tx}, which the database does not hold")
        return v

    def check_ledger(self, rows):
        """The bank's books against the gateway's (C1: no operation lost, duplicated or made
        up): every bank operation belongs to an operation the gateway holds, every committed
        outcome is the bank's, a confirmed authorization was captured, a refund refunded."""
        v = []
        ledger = {}
        for reference, operation, amount, reason in crashlib.bank_ledger(
                self.env.get("OBLAKO_DATABASE_URL"), self.env["OBLAKO_DATA_DIR"]):
            ledger[reference] = (operation, amount, reason)
            _, _, number = reference.partition(":")
            if not number.isdigit() or int(number) not in rows:
                v.append(f"the bank has {reference}, an operation the gateway does not hold")
        self.ledger_size = len(ledger)

        def minor(row):
            return round(row["Amount"] * 100)

        for tx, row in rows.items():
            if row["Status"] not in COMMITTED:
                continue
            wanted = [(f"auth:{tx}", row["Status"] != "Declined")]
            if is_refund(row):
                wanted = [(f"refund:{tx}", True)]
            elif "confirm" in (expected(row) or []):
                wanted.append((f"capture:{tx}", True))
            for reference, approved in wanted:
                entry = ledger.get(reference)
                if entry is None:
                    v.append(f"{describe(row)} is {row['Status']} but the bank has no {reference}")
                elif (entry[2] == 0) != approved or entry[1] != minor(row):
                    v.append(f"{describe(row)} is {row['Status']} {row['Amount']}, the bank's "
                             f"{reference} answered {entry[2]} for {entry[1]}")
        return v

    def report(self, rows, delivered, late, violations):
        records = self.records
        sent = [r for r in records if r["result"] != "refused"]
        unknown = [r for r in sent if r["result"] in ("unknown", "error")]
        by_invoice = {row["InvoiceId"]: row for row in rows.values() if not is_refund(row)}
        unknown_fate = {"committed": 0, "in progress": 0, "absent": 0, "confirm/refund": 0}
        for r in unknown:
            row = by_invoice.get(r["invoice"]) if r["op"] == "pay" else None
            unknown_fate["confirm/refund" if r["op"] != "pay" else "absent" if row is None
                         else "committed" if row["Status"] in COMMITTED else "in progress"] += 1
        statuses = {}
        for row in rows.values():
            key = f"refund {row['Status']}" if is_refund(row) else row["Status"]
            statuses[key] = statuses.get(key, 0) + 1
        by_op = {}
        for r in sent:
            by_op[r["op"]] = by_op.get(r["op"], 0) + 1
        kinds = {}
        for d in delivered:
            kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
        pairs = {(d["tx"], d["kind"]) for d in delivered}
        counts = {
            "backend": self.args.backend,
            "nodes": len(self.nodes),
            "seed": self.seed,
            "kills": len(self.kills),
            "restart_to_ready_max_secs": round(max(k.get("ready_secs", 0) for k in self.kills), 2),
            "requests_driven": len(sent),
            "requests_by_operation": by_op,
            "acknowledged": sum(r["result"] == "ack" for r in sent),
            "connections_refused_then_resent": sum(r["refusals"] for r in records),
            "never_sent": sum(r["result"] == "refused" for r in records),
            "in_flight_at_kill_unknown": len(unknown),
            "unknown_then": unknown_fate,
            "operations_in_database": len(rows),
            "by_status": statuses,
            "committed": sum(1 for row in rows.values() if row["Status"] in COMMITTED),
            "notifications_received": len(delivered),
            "notifications_by_kind": kinds,
            "duplicates": len(delivered) - len(pairs),
            "bank_operations": self.ledger_size,
            "receipts": self.receipts,
            "committed_not_yet_delivered_late": len(late),
            "load_secs": round(self.load_ended - self.started_at, 1),
            "drain_secs": round(self.drained - self.load_ended, 1),
        }
        if self.args.backend == "postgres":
            counts["taken_over_while_node_down"] = self.taken_over(rows, delivered)
        print(json.dumps(counts, indent=1))
        return counts, violations

    def taken_over(self, rows, delivered):
        """Notifications of payments a node committed before it was killed that arrived while it
        was still down: the survivor delivered them (those after the lease it had claimed)."""
        sent = {r["invoice"]: r for r in self.records if r["result"] != "refused"
                and r["op"] == "pay"}
        first = {}
        for d in delivered:
            first.setdefault(d["tx"], d["at"])
        total = after_lease = 0
        for k in self.kills:
            if k.get("final") or "restarted" not in k:
                continue
            for tx, row in rows.items():
                rec = None if is_refund(row) else sent.get(row["InvoiceId"])
                at = first.get(str(tx))
                if rec and rec["node"] == k["node"] and rec["sent"] < k["killed"] and at \
                        and k["killed"] < at < k["restarted"]:
                    total += 1
                    after_lease += at >= k["killed"] + LEASE_SECS
        return {"total": total, "after_the_lease": after_lease}

    def tear_down(self):
        self.stop.set()
        for node in self.nodes:
            try:
                node.kill()
            except (OSError, subprocess.TimeoutExpired):
                pass
        if getattr(self, "receiver", None):
            self.receiver.close()
        if self.database:
            try:
                crashlib.psql(self.args.pg_url, f'DROP DATABASE IF EXISTS "{self.database}" '
                              "WITH (FORCE)")
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
                print(f"crash1: could not drop database {self.database}: {e}")


def main():
    args = parse_args()
    label = f"CRASH-1 ({args.backend})"
    if args.backend == "postgres":
        why = crashlib.postgres_missing(args.pg_url)
        if why and os.environ.get("CI") == "true":
            print(f"{label}: FAILED: PostgreSQL is required when CI=true: {why}")
            return 1
        if why:
            print(f"{label}: skipped: {why} (CI=true makes this a failure)")
            return 0
    work = tempfile.mkdtemp(prefix="crash1-")
    run = Run(args, work)

    def watchdog(*_):
        raise crashlib.Broken(f"the run took longer than {args.budget:g} s")

    signal.signal(signal.SIGALRM, watchdog)
    signal.alarm(int(args.budget))
    status = 2
    try:
        run.started_at = time.time()
        run.set_up()
        print(f"{label}: seed {run.seed}, {len(run.nodes)} node(s), lease {LEASE_SECS} s, "
              f"{CLIENTS} clients, {args.kills} kills; logs in {work}", flush=True)
        run.drive()
        _, violations = run.check()
        signal.alarm(0)
        if violations:
            print(f"{label}: FAILED: {len(violations)} violation(s):")
            for line in violations[:50]:
                print(f"  - {line}")
            with open(os.path.join(work, "violations.txt"), "w", encoding="utf-8") as f:
                f.write("\n".join(violations) + "\n")
            status = 1
        else:
            print(f"{label}: passed")
            status = 0
    except crashlib.Broken as e:
        print(f"{label}: FAILED: the run broke: {e}")
    finally:
        signal.alarm(0)
        run.tear_down()
        if status == 0:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"{label}: logs kept in {work}")
    return status


if __name__ == "__main__":
    sys.exit(main())
