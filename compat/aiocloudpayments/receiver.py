"""A merchant's notification endpoint built the way aiocloudpayments documents it: the library's
own `AiohttpDispatcher.run_app` (its aiohttp server, its IP allow-list, its `Content-HMAC` check
with the API Secret, its parsing into `PayNotification`, `CheckNotification`, ...), with handlers
registered on the dispatcher and on an included sub-`Router`.

Usage: receiver.py PUBLIC_ID API_SECRET PORT OUT.jsonl
Serves http://127.0.0.1:PORT/cp/{check,pay,fail,confirm,refund,recurrent,cancel} until killed.
Every notification the library accepted is appended to OUT.jsonl as
{"kind", "fields": the parsed model}; the library's methods this process called are appended as
{"called": "Class.method"}. Run by scenario.py, which reads that file.
"""
import json
import logging
import sys
import threading

from aiocloudpayments import AioCpClient
from aiocloudpayments.dispatcher import AiohttpDispatcher, Result, Router
from aiocloudpayments.utils import hmac_check as hmac_module

public_id, api_secret, port, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
# The dispatcher warns of the forged request scenario.py sends on purpose; errors still show.
logging.getLogger("aiocloudpayments.dispatcher").setLevel(logging.ERROR)
lock = threading.Lock()


def write(record):
    with lock, open(out, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")


def traced(label, obj, name):
    method = getattr(obj, name)
    seen = []

    def note():
        if not seen:
            seen.append(1)
            write({"called": f"{label}.{name}"})

    if name in ("process_request", "process_notification", "trigger"):
        async def wrapper(*args, **kwargs):
            note()
            return await method(*args, **kwargs)
    else:
        def wrapper(*args, **kwargs):
            note()
            return method(*args, **kwargs)
    setattr(obj, name, wrapper)


dispatcher = AiohttpDispatcher()
sub = Router()
for name in ("process_request", "process_notification", "include_router", "register_app",
             "run_app"):
    traced("AiohttpDispatcher", dispatcher, name)
for name in ("register", "trigger"):
    traced("NotificationObserver", dispatcher.pay, name)
original_hmac = hmac_module.hmac_check


def hmac_check(*args):
    write({"called": "utils.hmac_check"})
    return original_hmac(*args)


# The dispatcher module imported the function by name; replace it there too.
sys.modules["aiocloudpayments.dispatcher.aiohttp_dispatcher"].hmac_check = hmac_check


def keep(kind):
    async def handler(notification):
        write({"kind": kind, "fields": notification.dict()})
        return Result.OK
    return handler


# Pay through the observer's decorator with a filter, the rest through `register`.
dispatcher.pay(lambda n: n.transaction_id >= 0)(keep("pay"))
for kind in ("check", "fail", "confirm", "refund"):
    getattr(dispatcher, kind).register(keep(kind))
# Recurrent and Cancel on an included router: the dispatcher passes what it does not handle on.
sub.recurrent.register(keep("recurrent"))
sub.cancel.register(keep("cancel"))
dispatcher.include_router(sub)

dispatcher.run_app(
    AioCpClient(public_id, api_secret), "/cp", pay_path="/pay", cancel_path="/cancel",
    check_path="/check", confirm_path="/confirm", fail_path="/fail",
    recurrent_path="/recurrent", refund_path="/refund", allow_ips={"127.0.0.1"},
    host="127.0.0.1", port=port, print=None)
