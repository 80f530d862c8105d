// Receiving CloudPayments notifications with the unmodified npm `cloudpayments` library.
//
// `contentHmac` signs a body the way CloudPayments does (HMAC-SHA256 of the raw body with the API
// Secret, base64, sent as `Content-HMAC`). `startReceiver` is a merchant endpoint on 127.0.0.1 that
// validates whatever reaches it with the library's own NotificationHandlers. foundation.mjs uses
// both to check the library against itself; a check of notifications that Oblako sends can point a
// site's notification URL at `receiver.url + "/pay"` and read `receiver.accepted`.

import { createHmac } from "node:crypto";
import { createServer } from "node:http";

import cloudpayments from "cloudpayments";

const { ClientService, ResponseCodes } = cloudpayments;

/** The `Content-HMAC` value of `body` (a string or Buffer) under `secret`. */
export function contentHmac(secret, body) {
  return createHmac("sha256", secret).update(body).digest("base64");
}

const HANDLERS = {
  check: "handleCheckRequest",
  pay: "handlePayRequest",
  fail: "handleFailRequest",
  confirm: "handleConfirmRequest",
  refund: "handleRefundRequest",
  recurrent: "handleRecurrentRequest",
  receipt: "handleReceiptRequest",
};

/**
 * Starts a notification endpoint on 127.0.0.1 (an ephemeral port) for a site's keys.
 * `POST|GET {url}/{kind}` with kind one of the keys of HANDLERS goes through the library's matching
 * handler. Accepted notifications are answered `{"code":0}` and pushed to `accepted` as
 * `{kind, request}`; rejected ones (the library throws, e.g. "Invalid signature") are answered 400
 * and pushed to `rejected` as `{kind, error}`.
 */
export async function startReceiver(publicId, secret) {
  const handlers = new ClientService({ publicId, privateKey: secret }).getNotificationHandlers();
  const accepted = [];
  const rejected = [];
  const server = createServer(async (req, res) => {
    const kind = new URL(req.url, "http://127.0.0.1").pathname.replace(/^\/+/, "").toLowerCase();
    const method = HANDLERS[kind];
    res.setHeader("Content-Type", "application/json");
    if (!method) {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: `no handler for ${kind}` }));
      return;
    }
    try {
      const { response } = await handlers[method](req, async (request) => {
        accepted.push({ kind, request });
        return ResponseCodes.SUCCESS;
      });
      res.end(JSON.stringify(response));
    } catch (error) {
      rejected.push({ kind, error: String(error && error.message ? error.message : error) });
      res.statusCode = 400;
      res.end(JSON.stringify({ error: "rejected" }));
    }
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    accepted,
    rejected,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
