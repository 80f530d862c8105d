// Notifications sent by a running Oblako, received and validated by the unmodified npm
// `cloudpayments` library (izatop/cloudpayments, pinned in package.json).
//
// Usage: node notify.mjs BASE_URL PUBLIC_ID API_SECRET OBLAKO_BIN [SITE_ID]
// Needs `oblako serve` (its background worker delivers Pay, Fail and Refund). Starts the receiver
// of notifications.mjs on 127.0.0.1 (an ephemeral port), whose every request goes through the
// library's own NotificationHandlers (handlePayRequest, handleFailRequest, handleRefundRequest):
// a notification counts only once the library accepted its `Content-HMAC` and parsed its body.
// The site's Pay, Fail and Refund notifications are pointed at the receiver through
// `POST /site/notifications/{Type}/update`, sent with the library's own request function
// `ClientApi.call(path, data)` (Basic auth with the site's keys; the library has no named method
// for this endpoint, see foundation.mjs), and disabled again at the end. Card cryptograms come from
// `OBLAKO_BIN cryptogram --base-url` as in payments.mjs.
//
// With SITE_ID, also Check: the API refuses `site/notifications/Check/update` (as CloudPayments
// does), so it is set with `OBLAKO_BIN site notification-set --site SITE_ID --kind Check` (the
// environment, OBLAKO_DATA_DIR included, passed on), and switched off with `--disable` at the end.
// Check is sent before the bank; the receiver's `{"code":0}` lets the payment through. The
// running server reads notification settings through a short cache (1 s), hence the pause after
// the command.
//
// Prints `ok   <step>` / `FAIL <step>: <why>` per check and a closing
// `compat-node-notify: N passed, N failed` line; exits 1 on a failure. Only talks HTTP to
// 127.0.0.1. Every wait is bounded (WAIT_MS per notification).

import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

import cloudpayments from "cloudpayments";

import { assert, brief, check, cryptogramOf, finish, needs } from "./checks.mjs";

import { startReceiver } from "./notifications.mjs";

const { ClientService, ClientResponse, TransactionStatus } = cloudpayments;

const [baseArg, publicId, apiSecret, binArg, siteId] = process.argv.slice(2);
if (!baseArg || !publicId || !apiSecret || !binArg) {
  console.error("usage: node notify.mjs BASE_URL PUBLIC_ID API_SECRET OBLAKO_BIN");
  process.exit(2);
}
const baseUrl = baseArg.replace(/\/+$/, "");
const oblako = resolve(binArg);

const CARD_OK = "4000000000003055"; // no 3-DS, approved
const CARD_NO_FUNDS = "4000056655665556"; // no 3-DS, declined 5051
const KINDS = ["Pay", "Fail", "Refund"];
const WAIT_MS = 10_000;
const POLL_MS = 100;

const api = new ClientService({ publicId, privateKey: apiSecret, endpoint: baseUrl }).getClientApi();

function oblakoCli(args) {
  return execFileSync(oblako, args, { encoding: "utf8", env: process.env, stdio: ["ignore", "pipe", "pipe"] });
}

function cryptogram(card) {
  return cryptogramOf(oblako, baseUrl, publicId, card);
}

const cardPayment = (card, Amount, extra = {}) => ({
  Amount,
  Currency: "RUB",
  IpAddress: "127.0.0.1",
  CardCryptogramPacket: cryptogram(card),
  ...extra,
});

/** `site/notifications/{kind}/update` through the library's request function. */
async function setNotification(kind, settings) {
  const response = new ClientResponse(await api.call(`/site/notifications/${kind}/update`, settings));
  assert(response.isSuccess() === true, `${kind}/update answered ${brief(response)}`);
}

/**
 * Waits (at most WAIT_MS) until the receiver's library handler accepted a `kind` notification
 * matching `match`; returns its parsed request. On timeout, says what did arrive.
 */
async function accepted(receiver, kind, match, what) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const hit = receiver.accepted.find((a) => a.kind === kind && match(a.request));
    if (hit) return hit.request;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const seen = receiver.accepted.map((a) => `${a.kind}:${a.request?.TransactionId}`);
  throw new Error(
    `no ${kind} notification for ${what} accepted within ${WAIT_MS} ms; accepted ` +
      `${JSON.stringify(seen)}, rejected by the library ${JSON.stringify(receiver.rejected)}`,
  );
}

const sameId = (id) => (request) => String(request.TransactionId) === String(id);
const amountOf = (value) => Number(String(value).replace(",", "."));

const receiver = await startReceiver(publicId, apiSecret);
const state = {};
try {
  for (const kind of KINDS) {
    await check(`${kind} notifications enabled via site/notifications/${kind}/update (api.call)`, () =>
      setNotification(kind, {
        IsEnabled: true,
        Address: `${receiver.url}/${kind.toLowerCase()}`,
        HttpMethod: "POST",
        Encoding: "UTF8",
      }),
    );
  }

  await check(`approved charge (${CARD_OK}, 12.34) is Completed`, async () => {
    const response = await api.chargeCryptogramPayment(
      cardPayment(CARD_OK, 12.34, { InvoiceId: "compat-node-notify-1", AccountId: "compat-node-notify" }),
    );
    assert(response.isPaymentSuccessResponse() === true, `charge answered ${brief(response)}`);
    const model = response.getResponse().Model;
    assert(model.Status === TransactionStatus.Completed, `Status ${model.Status}`);
    state.paid = model.TransactionId;
  });

  await check("Pay notification for it accepted by the library's handlePayRequest", async () => {
    const id = needs(state.paid, "the approved charge");
    const request = await accepted(receiver, "pay", sameId(id), `TransactionId ${id}`);
    assert(amountOf(request.Amount) === 12.34, `Amount ${JSON.stringify(request.Amount)}`);
    assert(request.Currency === "RUB", `Currency ${JSON.stringify(request.Currency)}`);
    assert(request.InvoiceId === "compat-node-notify-1", `InvoiceId ${JSON.stringify(request.InvoiceId)}`);
    assert(request.AccountId === "compat-node-notify", `AccountId ${JSON.stringify(request.AccountId)}`);
    assert(request.Status === TransactionStatus.Completed, `Status ${JSON.stringify(request.Status)}`);
  });

  await check(`declined charge (${CARD_NO_FUNDS}, 5) is not a success`, async () => {
    const response = await api.chargeCryptogramPayment(
      cardPayment(CARD_NO_FUNDS, 5, { InvoiceId: "compat-node-notify-2" }),
    );
    assert(response.isSuccess() === false, `charge answered ${brief(response)}`);
    const model = response.getResponse().Model;
    assert(model && model.TransactionId, `no model: ${brief(response)}`);
    state.declined = model.TransactionId;
  });

  await check("Fail notification for it accepted by the library's handleFailRequest", async () => {
    const id = needs(state.declined, "the declined charge");
    const request = await accepted(receiver, "fail", sameId(id), `TransactionId ${id}`);
    assert(String(request.ReasonCode) === "5051", `ReasonCode ${JSON.stringify(request.ReasonCode)}`);
    assert(amountOf(request.Amount) === 5, `Amount ${JSON.stringify(request.Amount)}`);
  });

  await check("partial refund (4) of the approved charge succeeds", async () => {
    const TransactionId = needs(state.paid, "the approved charge");
    const response = await api.refundPayment({ TransactionId, Amount: 4 });
    assert(response.isSuccess() === true, `refund answered ${brief(response)}`);
    state.refund = response.getResponse().Model?.TransactionId;
    assert(state.refund, `no refund TransactionId: ${brief(response)}`);
  });

  await check("Refund notification for it accepted by the library's handleRefundRequest", async () => {
    const id = needs(state.refund, "the refund");
    const request = await accepted(receiver, "refund", sameId(id), `refund TransactionId ${id}`);
    assert(
      String(request.PaymentTransactionId) === String(state.paid),
      `PaymentTransactionId ${JSON.stringify(request.PaymentTransactionId)}, expected ${state.paid}`,
    );
    assert(amountOf(request.Amount) === 4, `Amount ${JSON.stringify(request.Amount)}`);
  });

  if (siteId) {
    await check("Check enabled with `oblako site notification-set --kind Check` (not in the API)", async () => {
      oblakoCli(["site", "notification-set", "--site", siteId, "--kind", "Check",
        "--url", `${receiver.url}/check`, "--method", "POST"]);
      state.checkOn = true;
      await new Promise((r) => setTimeout(r, 1500)); // the server's settings cache (1 s)
    });

    await check("Check accepted by the library's handleCheckRequest lets the charge through", async () => {
      needs(state.checkOn, "the Check setting");
      const response = await api.chargeCryptogramPayment(
        cardPayment(CARD_OK, 3.5, { InvoiceId: "compat-node-notify-3" }),
      );
      assert(response.isPaymentSuccessResponse() === true, `charge answered ${brief(response)}`);
      const id = response.getResponse().Model.TransactionId;
      const request = await accepted(receiver, "check", sameId(id), `TransactionId ${id}`);
      assert(request.InvoiceId === "compat-node-notify-3", `InvoiceId ${JSON.stringify(request.InvoiceId)}`);
      assert(amountOf(request.Amount) === 3.5, `Amount ${JSON.stringify(request.Amount)}`);
    });
  } else {
    console.log("note: no SITE_ID argument; the Check notification (set by the CLI only) is not checked");
  }

  await check("nothing Oblako sent was rejected by the library", async () => {
    assert(receiver.rejected.length === 0, `rejected ${JSON.stringify(receiver.rejected)}`);
  });
} finally {
  // Leave the site as found, so later scripts' payments are not delivered to a closed port.
  if (state.checkOn) {
    try {
      oblakoCli(["site", "notification-set", "--site", siteId, "--kind", "Check", "--disable"]);
    } catch (e) {
      console.log(`note: could not disable Check notifications: ${e.message}`);
    }
  }
  for (const kind of KINDS) {
    try {
      await setNotification(kind, { IsEnabled: false });
    } catch (e) {
      console.log(`note: could not disable ${kind} notifications: ${e.message}`);
    }
  }
  await receiver.close();
}

finish("compat-node-notify");
