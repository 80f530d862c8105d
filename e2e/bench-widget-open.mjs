// Benchmark: the widget's first open as a payer sees it. A shop page on its own loopback origin
// loads widget.js; the time runs from the click on its Pay button until the form inside the modal
// shows the amount on its Pay button (the form is loaded, styled, scripted and has its options).
// Bytes are everything Oblako's origin sent for the shop page and the open (headers and bodies as
// transferred). Cold: a fresh browser profile each time; warm: the same profile, page reloaded.
// Usage: node e2e/bench-widget-open.mjs BASE PUBLIC_ID [RUNS]   (prints one JSON line)
import { chromium } from "playwright-core";
import { merchant } from "./lib.mjs";

const [base, publicId, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 15);
const shop = await merchant({
  "/": `<!doctype html><html lang="ru"><meta charset="utf-8"><title>Shop</title>
<button id="open" type="button">Pay</button><script src="${base}/widget.js"></script>
<script>document.getElementById("open").addEventListener("click", () => new cp.CloudPayments()
  .pay("charge", { publicId: "${publicId}", amount: 1234.5, currency: "RUB", description: "Bench" }, {}));</script>`,
});
const browser = await chromium.launch({
  executablePath: process.env.OBLAKO_E2E_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});

/** One open on `page`: milliseconds from click to a ready form, and Oblako's bytes. */
async function open(page) {
  let bytes = 0;
  const counted = [];
  const onFinished = (request) => {
    if (!request.url().startsWith(base)) return;
    counted.push(request.sizes().then((s) => { bytes += s.responseHeadersSize + s.responseBodySize; }, () => {}));
  };
  page.on("requestfinished", onFinished);
  await page.goto(`${shop.origin}/`);
  await page.waitForFunction(() => window.cp && window.cp.CloudPayments);
  const started = performance.now();
  await page.click("#open");
  await page.frameLocator('iframe[src*="/widget/form"]').locator("#pay", { hasText: "234" }).waitFor({ timeout: 10000 });
  const ms = performance.now() - started;
  await Promise.all(counted);
  page.off("requestfinished", onFinished);
  return { ms, bytes };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))];
const cold = [], warm = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  cold.push(await open(page));
  warm.push(await open(page));
  await context.close();
}
const summary = (xs) => ({
  median_ms: Math.round(median(xs.map((x) => x.ms))), p90_ms: Math.round(p90(xs.map((x) => x.ms))),
  median_bytes: median(xs.map((x) => x.bytes)),
});
console.log(JSON.stringify({ base, runs, cold: summary(cold), warm: summary(warm) }));
await browser.close();
shop.close();
