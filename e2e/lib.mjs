// Shared scaffolding of the browser tests: the runner, the API client, a merchant site on another
// loopback origin, and helpers to drive the widget's iframe.
import { readFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}
export function equal(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** The Oblako API with the site's Basic auth. */
export function api(base, publicId, secret) {
  const auth = "Basic " + Buffer.from(`${publicId}:${secret}`).toString("base64");
  return async (path, body = {}) => {
    const res = await fetch(base + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: auth },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    try { return JSON.parse(text); } catch { throw new Error(`${path}: HTTP ${res.status}: ${text}`); }
  };
}

/** A merchant's pages on their own origin; `pages` maps a path to HTML. */
export async function merchant(pages) {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const page = pages[path] ?? `<!doctype html><title>${path}</title><h1 id="landed">${path}</h1>`;
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(page);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** Runs `tests` ({name: async ({page, context}) => …}) sequentially, a screenshot each. */
export async function run(tests, { outDir, filter }) {
  const browser = await chromium.launch({
    executablePath: process.env.OBLAKO_E2E_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  let failed = 0, ran = 0;
  for (const [name, test] of Object.entries(tests)) {
    if (filter && !name.includes(filter)) continue;
    ran++;
    const context = await browser.newContext({ viewport: test.viewport ?? { width: 1000, height: 800 } });
    const page = await context.newPage();
    const logs = [];
    page.on("console", (m) => logs.push(`console.${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
    const started = Date.now();
    try {
      await test({ page, context });
      console.log(`ok   ${name} (${Date.now() - started} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}: ${e.stack || e}`);
      for (const line of logs) console.log(`     ${line}`);
    }
    await page.screenshot({ path: `${outDir}/${name}.png`, fullPage: true }).catch(() => {});
    await context.close();
  }
  await browser.close();
  console.log(`e2e: ${ran - failed} passed, ${failed} failed`);
  if (ran === 0) { console.log("e2e: no test matched"); return false; }
  return failed === 0;
}

/** The widget's iframe (the modal's or PaymentBlocks') on `page`. */
export function widgetFrame(page) {
  return page.frameLocator('iframe[src*="/widget/form"]');
}

/** Types a card into the form inside `frame` (a FrameLocator or Page) and presses Pay. */
export async function payWithCard(frame, number, { expiry = "12/30", cvv = "123", submit = true } = {}) {
  await frame.locator("#cardNumber").fill("");
  await frame.locator("#cardNumber").pressSequentially(number.replace(/\s/g, ""));
  await frame.locator("#expDateMonthYear").fill("");
  await frame.locator("#expDateMonthYear").pressSequentially(expiry.replace("/", ""));
  await frame.locator("#cvv").fill(cvv);
  if (submit) await frame.locator("#pay").click();
}

/** Waits for the result screen inside `frame`; returns its title and message. */
export async function resultOf(frame) {
  await frame.locator("#result:not([hidden])").waitFor({ timeout: 15000 });
  return {
    title: await frame.locator("#result-title").textContent(),
    message: await frame.locator("#result-message").textContent(),
    success: (await frame.locator("#result").getAttribute("class")).includes("success"),
  };
}

/** Answers the emulated bank's 3-D Secure page inside the form's nested frame. */
export async function answer3ds(frame, pass) {
  const acs = frame.frameLocator("#acs");
  const button = acs.locator(pass ? "button.pass" : "button.fail");
  await button.waitFor({ timeout: 15000 });
  await button.click();
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Runs axe-core (WCAG 2.1 A and AA rules) in every frame of `page`, each on its own; returns
 *  the serious and critical violations as lines "frame-url: rule (impact): target". */
export async function axeViolations(page) {
  const found = [];
  for (const frame of page.frames()) {
    if (frame.url() === "about:blank" || frame.isDetached()) continue;
    await frame.evaluate(AXE_SOURCE);
    const results = await frame.evaluate(() => window.axe.run(document, {
      iframes: false, runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    }));
    for (const v of results.violations) {
      if (v.impact !== "serious" && v.impact !== "critical") continue;
      for (const node of v.nodes) found.push(`${frame.url()}: ${v.id} (${v.impact}): ${node.target.join(" ")}: ${v.help}`);
    }
  }
  return found;
}
