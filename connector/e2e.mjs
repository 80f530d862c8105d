// End-to-end tests of `oblako connector` with real processes: a live `oblako serve` whose test
// site sends Check and Pay to a live connector, which asks and forwards to a backend this script
// runs (a check server and a payments server, on their own ports so the payments side can go down
// alone). Usage: node connector/e2e.mjs BIN DATABASE_URL [filter]
import { spawn, execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [bin, databaseUrl, filter = ""] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function assert(ok, message) { if (!ok) throw new Error(message); }
async function until(what, test, ms = 30000) {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await test()) return; await sleep(100); }
  throw new Error(`timed out waiting for ${what}`);
}
async function freePort() {
  const s = http.createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

// --- the merchant's backend -------------------------------------------------------------------
const payments = { up: true, fail: new Map(), delayMs: 0, hits: [], accepted: [], port: 0, server: null };
const checkServer = http.createServer((req, res) => {
  const account = new URL(req.url, "http://x").searchParams.get("account") || "";
  res.writeHead(account.startsWith("nobody") ? 404 : 200).end("ok");
});
function paymentsHandler(req, res) {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", async () => {
    const p = JSON.parse(body);
    payments.hits.push(p);
    if (payments.delayMs) await sleep(payments.delayMs);
    const failing = payments.fail.get(p.code) || 0;
    if (failing > 0) { payments.fail.set(p.code, failing - 1); res.writeHead(500).end("not yet"); return; }
    payments.accepted.push(p);
    res.writeHead(201).end("{}");
  });
}
async function paymentsUp() {
  payments.server = http.createServer(paymentsHandler);
  await new Promise((r) => payments.server.listen(payments.port, "127.0.0.1", r));
  payments.port = payments.server.address().port;
}
async function paymentsDown() {
  payments.server.closeAllConnections();
  await new Promise((r) => payments.server.close(r));
}
const acceptedCodes = () => payments.accepted.map((p) => p.code);

// --- the gateway -------------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), "oblako-connector-"));
const gatewayPort = await freePort();
const gateway = `http://127.0.0.1:${gatewayPort}`;
const gatewayEnv = { ...process.env, OBLAKO_DATA_DIR: join(work, "data"), OBLAKO_LISTEN: `127.0.0.1:${gatewayPort}` };
const cli = (...args) => execFileSync(bin, args, { env: gatewayEnv, encoding: "utf8" });
const site = JSON.parse(cli("site", "create", "--name", "Connector shop", "--json"));
const publicId = site.test.public_id, secret = site.test.api_secret;
const children = [];
function start(args, env, name) {
  const child = spawn(bin, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  child.log = "";
  child.stderr.on("data", (d) => (child.log += d));
  child.name = name;
  children.push(child);
  return child;
}
async function ready(url) {
  await until(url, async () => { try { return (await fetch(url)).ok; } catch { return false; } }, 20000);
}
start(["serve"], gatewayEnv, "oblako");
await ready(`${gateway}/readyz`);

// --- the connector -----------------------------------------------------------------------------
await new Promise((r) => checkServer.listen(0, "127.0.0.1", r));
await paymentsUp();
const connectorPort = await freePort();
const connector = `http://127.0.0.1:${connectorPort}`;
let connectorProcess;
async function startConnector(extra = {}) {
  connectorProcess = start(["connector"], {
    ...process.env, CLOUDPAYMENTS_PUBLIC_ID: publicId, CLOUDPAYMENTS_API_SECRET: secret,
    CLOUDPAYMENTS_CHECK_URL: `http://127.0.0.1:${checkServer.address().port}/check`,
    CLOUDPAYMENTS_WEBHOOK_URL: `http://127.0.0.1:${payments.port}/payments`,
    CLOUDPAYMENTS_WIDGET_URL: `${gateway}/widget.js`, DATABASE_URL: databaseUrl,
    LISTEN: `127.0.0.1:${connectorPort}`, CONNECTOR_RETRY_CAP_SECS: "1",
    CONNECTOR_FORWARD_CONCURRENCY: "1", CONNECTOR_BACKEND_TIMEOUT_SECS: "2", OBLAKO_DATA_DIR: join(work, "unused"), ...extra,
  }, "connector");
  await ready(`${connector}/healthz`);
}
await startConnector();
for (const kind of ["Check", "Pay"]) {
  cli("site", "notification-set", "--site", String(site.site_id), "--kind", kind,
    "--url", `${connector}/${kind.toLowerCase()}`, "--method", "POST");
}

const auth = "Basic " + Buffer.from(`${publicId}:${secret}`).toString("base64");
async function charge(account, amount, card = "4111111111111111") {
  const packet = cli("cryptogram", "--public-id", publicId, "--card", card, "--exp", "12/30", "--cvv", "123", "--base-url", gateway).trim();
  const res = await fetch(`${gateway}/payments/cards/charge`, {
    method: "POST", headers: { "Content-Type": "application/json", Authorization: auth },
    body: JSON.stringify({ Amount: amount, Currency: "RUB", IpAddress: "127.0.0.1", CardCryptogramPacket: packet, AccountId: account }),
  });
  return res.json();
}
/** A Pay as the gateway signs it, sent straight to the connector. */
async function signedPay(transactionId, account, amount, key = secret, path = "/pay") {
  const body = new URLSearchParams({ TransactionId: String(transactionId), Amount: amount, Currency: "RUB", AccountId: account, Status: "Completed" }).toString();
  const headers = { "Content-Type": "application/x-www-form-urlencoded" };
  if (key) headers["Content-HMAC"] = createHmac("sha256", key).update(body).digest("base64");
  const res = await fetch(connector + path, { method: "POST", headers, body });
  return { status: res.status, text: await res.text() };
}

// --- the tests ---------------------------------------------------------------------------------
const tests = {
  async "valid-account-reaches-backend"() {
    const reply = await charge("alice", 45);
    assert(reply.Success === true, `charge: ${JSON.stringify(reply)}`);
    const code = String(reply.Model.TransactionId);
    await until("the payment at the backend", () => acceptedCodes().includes(code));
    const got = payments.accepted.find((p) => p.code === code);
    assert(got.account === "alice" && got.sum === 45 && /^\d+$/.test(got.id), JSON.stringify(got));
    assert(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(got.created_at), got.created_at);
  },
  async "unknown-account-refused-with-check-code"() {
    const reply = await charge("nobody-1", 10);
    assert(reply.Success === false && reply.Model.ReasonCode === 3002, `expected ReasonCode 3002 (Check code 11): ${JSON.stringify(reply)}`);
  },
  async "backend-down-then-everything-in-order"() {
    await paymentsDown();
    const codes = [];
    for (let i = 0; i < 5; i++) {
      const reply = await charge(`down-${i}`, 10 + i);
      assert(reply.Success === true, JSON.stringify(reply));
      codes.push(String(reply.Model.TransactionId));
    }
    await sleep(3000);
    assert(!codes.some((c) => acceptedCodes().includes(c)), "nothing delivered while down");
    await paymentsUp();
    await until("the backlog", () => codes.every((c) => acceptedCodes().includes(c)));
    const order = acceptedCodes().filter((c) => codes.includes(c));
    assert(JSON.stringify(order) === JSON.stringify(codes), `order ${order} vs ${codes}`);
  },
  async "windows-1251-site"() {
    const set = (encoding) => { for (const kind of ["Check", "Pay"]) cli("site", "notification-set", "--site", String(site.site_id), "--kind", kind, "--encoding", encoding); };
    set("Windows1251");
    try {
      const reply = await charge("Иван Петров", 20);
      assert(reply.Success === true, `charge: ${JSON.stringify(reply)}`);
      const code = String(reply.Model.TransactionId);
      await until("the payment at the backend", () => acceptedCodes().includes(code));
      const got = payments.accepted.find((p) => p.code === code);
      assert(got.account === "Иван Петров", `account decoded: ${got.account}`);
    } finally {
      set("UTF8");
    }
  },
  async "backend-500-then-201"() {
    const before = payments.hits.length;
    payments.fail.set("880001", 2);
    assert((await signedPay(880001, "bob", "7.50")).text === '{"code":0}', "pay accepted");
    await until("delivery after two 500s", () => acceptedCodes().includes("880001"));
    const hits = payments.hits.slice(before).filter((p) => p.code === "880001").length;
    assert(hits === 3, `3 attempts expected, got ${hits}`);
  },
  async "forged-notification-refused-and-logged"() {
    const wrong = await signedPay(880002, "mallory", "1000.00", "not-the-secret");
    const none = await signedPay(880003, "mallory", "1000.00", null, "/_cloudpayments_/pay");
    assert(wrong.status === 401 && none.status === 401, `${wrong.status} ${none.status}`);
    await sleep(1500);
    assert(!acceptedCodes().includes("880002") && !acceptedCodes().includes("880003"), "forged forwarded");
    assert((connectorProcess.log.match(/refused a notification/g) || []).length >= 2, "refusals logged");
  },
  async "duplicate-pay-one-row"() {
    for (let i = 0; i < 3; i++) assert((await signedPay(880004, "carol", "3.00")).status === 200, "pay");
    await until("delivery", () => acceptedCodes().includes("880004"));
    await sleep(1500);
    assert(acceptedCodes().filter((c) => c === "880004").length === 1, "delivered once");
  },
  async "kill-9-during-forwarding"() {
    connectorProcess.kill("SIGKILL");
    await startConnector({ CONNECTOR_FORWARD_CONCURRENCY: "4" });
    payments.delayMs = 150;
    const codes = Array.from({ length: 40 }, (_, i) => String(890000 + i));
    for (const c of codes) assert((await signedPay(c, "dave", "1.00")).status === 200, "pay");
    await until("some deliveries", () => codes.filter((c) => acceptedCodes().includes(c)).length >= 8);
    connectorProcess.kill("SIGKILL");
    await sleep(300);
    await startConnector({ CONNECTOR_FORWARD_CONCURRENCY: "4" });
    await until("everything after the restart", () => codes.every((c) => acceptedCodes().includes(c)), 120000);
    await sleep(1500);
    payments.delayMs = 0;
    const counts = codes.map((c) => acceptedCodes().filter((x) => x === c).length);
    const twice = counts.filter((n) => n > 1).length;
    // Only rows whose 201 arrived but whose commit the kill prevented may go again: those in flight.
    assert(twice <= 4, `${twice} rows delivered twice`);
    console.log(`     (${twice} of 40 rows re-sent after the kill: in flight when it hit)`);
  },
  async "card-page-success-and-decline"() {
    const require = createRequire(new URL("../e2e/package.json", import.meta.url));
    const { chromium } = require("playwright-core");
    const shop = http.createServer((req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end(`<h1 id="landed">${req.url}</h1>`));
    await new Promise((r) => shop.listen(0, "127.0.0.1", r));
    const shopUrl = `http://127.0.0.1:${shop.address().port}`;
    const browser = await chromium.launch({ executablePath: process.env.OBLAKO_E2E_CHROMIUM || "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
    try {
      for (const [card, landing] of [["4111111111111111", "/ok"], ["4000056655665556", "/fail"]]) {
        const page = await browser.newPage();
        const q = new URLSearchParams({ account: "erin", sum: "12.00", description: "Пополнение", currency: "RUB", success_url: `${shopUrl}/ok`, fail_url: `${shopUrl}/fail` });
        await page.goto(`${connector}/pub/card?${q}`);
        const frame = page.frameLocator('iframe[src*="/widget/form"]');
        await frame.locator("#cardNumber").pressSequentially(card);
        await frame.locator("#expDateMonthYear").pressSequentially("1230");
        await frame.locator("#cvv").fill("123");
        await frame.locator("#pay").click();
        await page.waitForURL(`${shopUrl}${landing}`, { timeout: 20000 });
        await page.close();
      }
      const bad = await fetch(`${connector}/pub/card?account=erin&sum=abc&currency=RUB&description=x`);
      assert(bad.status === 400 && (await bad.text()).includes("sum"), "bad link is a 400 page");
    } finally {
      await browser.close();
      shop.close();
    }
  },
};

let failed = 0, ran = 0;
try {
  for (const [name, test] of Object.entries(tests)) {
    if (filter && !name.includes(filter)) continue;
    ran++;
    const started = Date.now();
    try { await test(); console.log(`ok   ${name} (${Date.now() - started} ms)`); }
    catch (e) { failed++; console.log(`FAIL ${name}: ${e.stack || e}`); }
  }
} finally {
  for (const child of children) child.kill("SIGKILL");
  if (failed) for (const child of children) console.log(`--- ${child.name} log (tail)\n${child.log.split("\n").slice(-15).join("\n")}`);
  checkServer.close(); payments.server.close();
  rmSync(work, { recursive: true, force: true });
}
console.log(`connector e2e (${databaseUrl.split(":")[0]}): ${ran - failed} passed, ${failed} failed`);
process.exit(failed || !ran ? 1 : 0);
