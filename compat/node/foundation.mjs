// The npm `cloudpayments` client (izatop/cloudpayments, pinned in package.json), unmodified,
// against a running Oblako.
//
// Usage: node foundation.mjs BASE_URL PUBLIC_ID API_SECRET
// Prints one line per check and a closing `compat-node: N passed, N failed` line; exits 1 on a
// failure. Only talks HTTP to 127.0.0.1 (the Oblako under test and a local notification receiver).
//
// The client is built as its README says, `new ClientService({publicId, privateKey, endpoint})`;
// `endpoint` is the library's documented option for the API base URL (default
// https://api.cloudpayments.ru). The library appends paths as `endpoint + "/test"`, so the base URL
// is given without a trailing slash.

import cloudpayments from "cloudpayments";

import { contentHmac, startReceiver } from "./notifications.mjs";

const { ClientService } = cloudpayments;

const [baseUrl, publicId, apiSecret] = process.argv.slice(2);
if (!baseUrl || !publicId || !apiSecret) {
  console.error("usage: node foundation.mjs BASE_URL PUBLIC_ID API_SECRET");
  process.exit(2);
}
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Checks that fail today for a recorded reason. A check failing with an error that matches its
// entry prints `gap` and counts as neither passed nor failed; any other failure is a FAIL, and once
// it passes it counts as failed too, so that its entry here gets removed.
const KNOWN_GAPS = new Map([
  [
    "ping() answers Success with a request GUID",
    {
      matches: /^Success=false /,
      reason:
        "the library's ping() posts /test with no Authorization header (its upstream test pinged " +
        "api.cloudpayments.ru that way with keys 'empty' and expected Success); Oblako requires " +
        "Basic auth on /test and answers 401",
    },
  ],
]);

let passed = 0;
let failed = 0;

async function check(name, fn) {
  const gap = KNOWN_GAPS.get(name);
  let error = null;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  if (gap && error && gap.matches.test(error.message)) {
    console.log(`gap  ${name}: ${error.message} -- known gap: ${gap.reason}`);
  } else if (gap && !error) {
    failed += 1;
    console.log(`FAIL ${name}: passes now; remove it from KNOWN_GAPS in foundation.mjs`);
  } else if (error) {
    failed += 1;
    console.log(`FAIL ${name}: ${error.name}: ${error.message}`);
  } else {
    passed += 1;
    console.log(`ok   ${name}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function clientApi(secret) {
  return new ClientService({
    publicId,
    privateKey: secret,
    endpoint: baseUrl.replace(/\/+$/, ""),
  }).getClientApi();
}

// The library has no public method for an authenticated /test: ping() sends no credentials. Every
// API method of ClientApi goes through `call(path, data, requestId)`, which adds HTTP Basic auth
// and X-Request-ID; it is `protected` only in the TypeScript typings, so calling it from JavaScript
// runs the library's own request code unchanged.
const authenticatedTest = (api, requestId) => api.call("/test", {}, requestId);

// (a) The credentials ping.
await check("ping() answers Success with a request GUID", async () => {
  const response = await clientApi(apiSecret).ping();
  assert(
    response.isSuccess() === true,
    `Success=${response.isSuccess()} Message=${JSON.stringify(response.getMessage())}`,
  );
  assert(GUID.test(response.getMessage() || ""), `expected a GUID, got ${response.getMessage()}`);
});

await check("authenticated /test via the library's request path answers a GUID", async () => {
  const body = await authenticatedTest(clientApi(apiSecret));
  assert(body.Success === true, `expected Success:true, got ${JSON.stringify(body)}`);
  assert(GUID.test(body.Message || ""), `expected a request GUID, got ${JSON.stringify(body)}`);
});

await check("authenticated /test with the same X-Request-ID replays the first answer", async () => {
  const api = clientApi(apiSecret);
  const first = await authenticatedTest(api, "compat-node-ping-1");
  const again = await authenticatedTest(api, "compat-node-ping-1");
  const other = await authenticatedTest(api, "compat-node-ping-2");
  assert(first.Message === again.Message, `replay differs: ${first.Message} vs ${again.Message}`);
  assert(first.Message !== other.Message, `another key replayed: ${other.Message}`);
});

// (b) A wrong secret. The library does not throw on HTTP errors: it returns the parsed JSON body,
// so the error a merchant sees is `Success: false` with a message.
await check("authenticated /test with a wrong secret reports Success:false", async () => {
  const body = await authenticatedTest(clientApi("0".repeat(64)));
  assert(body.Success === false, `expected Success:false, got ${JSON.stringify(body)}`);
  assert(typeof body.Message === "string" && body.Message.length > 0, "expected a Message");
});

// (c) LIBRARY SELF-CHECK, NOT AN OBLAKO CHECK: notification signatures. A body signed here with
// Node's crypto (HMAC-SHA256, base64, key = API Secret) is posted to a local receiver that
// validates it with the library's NotificationHandlers. This pins down the signature the library
// accepts, for the check of notifications sent by Oblako itself (notifications.mjs).
const receiver = await startReceiver(publicId, apiSecret);
try {
  const notification = {
    TransactionId: "1001",
    Amount: "10.00",
    Currency: "RUB",
    InvoiceId: "compat-1",
    TestMode: "1",
  };

  const post = (body, contentType, signature) =>
    fetch(`${receiver.url}/pay`, {
      method: "POST",
      headers: { "Content-Type": contentType, "Content-HMAC": signature },
      body,
    });

  const FORM = "application/x-www-form-urlencoded";
  const answered = async (response) => `answered ${response.status} ${await response.text()}`;

  await check("library self-check: a signed form-encoded Pay notification is accepted", async () => {
    const body = new URLSearchParams(notification).toString();
    const response = await post(body, FORM, contentHmac(apiSecret, body));
    const answer = await response.clone().json();
    assert(response.status === 200 && answer.code === 0, await answered(response));
    const got = receiver.accepted.at(-1)?.request;
    assert(JSON.stringify(got) === JSON.stringify(notification), `parsed ${JSON.stringify(got)}`);
  });

  await check("library self-check: a signed JSON Pay notification is accepted", async () => {
    const body = JSON.stringify({ ...notification, Data: { note: "Привет" } });
    const response = await post(body, "application/json", contentHmac(apiSecret, body));
    const answer = await response.clone().json();
    assert(response.status === 200 && answer.code === 0, await answered(response));
    assert(receiver.accepted.at(-1)?.request?.Data?.note === "Привет", "JSON body not parsed");
  });

  await check("library self-check: a notification signed with another key is rejected", async () => {
    const body = new URLSearchParams(notification).toString();
    const response = await post(body, FORM, contentHmac("f".repeat(32), body));
    assert(response.status === 400, `answered ${response.status}`);
    const error = receiver.rejected.at(-1)?.error || "";
    assert(/Invalid signature/.test(error), `rejected with ${JSON.stringify(error)}`);
  });
} finally {
  await receiver.close();
}

console.log(`compat-node: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
