// The widget as merchants embed it: a shop page on its own origin loads widget.js and pays through
// every entry point (pay, charge, auth, start, PaymentBlocks; one- and two-stage) in every
// scenario: approval, 3-D Secure passed and failed, decline, cancel, close while 3-D Secure waits,
// and close after a 3-D Secure payment whose result never reached the form. Each test checks what
// the shop heard (callbacks, events, the promise) against the payment's status over the API.
import { answer3ds, assert, axeViolations, equal, merchant, payWithCard, resultOf, widgetFrame } from "./lib.mjs";

const CARDS = {
  approve: "4111 1111 1111 1111",
  decline: "4000 0566 5566 5556",
  secure: "4242 4242 4242 4242",
  secureDecline: "5555 5555 5555 4444",
};

/** Text with every kind of space (Intl puts no-break ones in amounts) as a plain space. */
const spaced = (text) => text.replace(/\s/g, " ");

/** The shop: a Pay button that starts `window.flowName` with `window.flowOptions`, and a log. */
function shopPage(base) {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Club shop</title>
<main><h1>Top up</h1><button id="open" type="button">Top up 150.50</button><div id="blocks"></div></main>
<script src="${base}/widget.js"></script>
<script>
window.events = [];
const log = (name) => (value) => events.push([name, value === undefined ? null : JSON.parse(JSON.stringify(value))]);
const callbacks = { onSuccess: log("onSuccess"), onFail: log("onFail"), onComplete: log("onComplete") };
const flows = {
  pay: (o) => new cp.CloudPayments().pay(o.scheme, o.legacy, callbacks),
  charge: (o) => new cp.CloudPayments().charge(o.legacy, log("onSuccess"), log("onFail")),
  auth: (o) => new cp.CloudPayments().auth(o.legacy, log("onSuccess"), log("onFail")),
  start: (o) => new cp.CloudPayments().start(o.intent),
  blocks: (o) => new Promise((resolve) => {
    window.blocks = new cp.PaymentBlocks(o.intent).on("success", log("success")).on("fail", log("fail"))
      .on("destroy", (r) => { log("destroy")(r); resolve(r); }).mount(document.getElementById("blocks"));
  }),
};
document.getElementById("open").addEventListener("click", () => {
  flows[window.flowName](window.flowOptions).then((r) => { window.outcome = r; });
});
</script></html>`;
}

/** The entry points: how to call each, and the stage it pays with. */
const ENTRIES = {
  "pay-charge": { flow: "pay", scheme: "charge", stage: "one" },
  "pay-auth": { flow: "pay", scheme: "auth", stage: "two" },
  charge: { flow: "charge", stage: "one" },
  auth: { flow: "auth", stage: "two" },
  "start-single": { flow: "start", schema: "Single", stage: "one" },
  "start-dual": { flow: "start", schema: "Dual", stage: "two" },
  "blocks-single": { flow: "blocks", schema: "Single", stage: "one" },
  "blocks-dual": { flow: "blocks", schema: "Dual", stage: "two" },
};

function optionsFor(entry, publicId, invoice) {
  const legacy = { publicId, amount: 150.5, currency: "RUB", description: "Top-up", invoiceId: invoice, accountId: "player-7" };
  const intent = { publicTerminalId: publicId, paymentSchema: entry.schema, amount: 150.5, currency: "RUB",
    description: "Top-up", externalId: invoice, userInfo: { accountId: "player-7" } };
  return { scheme: entry.scheme, legacy, intent };
}

/** What the shop should have heard, by entry point, for an outcome: "success", "fail" or "cancel". */
function expectHeard(entry, outcome, heard, model) {
  const names = heard.events.map((e) => e[0]);
  const id = model && model.TransactionId;
  if (entry.flow === "blocks") {
    const want = outcome === "cancel" ? ["destroy"] : [outcome, "destroy"];
    equal(JSON.stringify(names), JSON.stringify(want), "PaymentBlocks events");
    if (outcome !== "cancel") equal(heard.events[0][1].data.transactionId, id, "event's transaction");
  } else if (entry.flow === "pay") {
    const want = outcome === "success" ? ["onComplete", "onSuccess"] : outcome === "fail" ? ["onComplete", "onFail"] : ["onFail"];
    equal(JSON.stringify(names), JSON.stringify(want), "pay callbacks");
    if (outcome !== "cancel") {
      equal(heard.events[0][1].success, outcome === "success", "paymentResult.success");
      equal(heard.events[0][1].transactionId, id, "paymentResult.transactionId");
    } else {
      equal(heard.events[0][1], "User has cancelled", "onFail reason");
    }
  } else if (entry.flow === "charge" || entry.flow === "auth") {
    const want = outcome === "success" ? ["onSuccess"] : ["onFail"];
    equal(JSON.stringify(names), JSON.stringify(want), "legacy callbacks");
    if (outcome === "cancel") equal(heard.events[0][1], "User has cancelled", "onFail reason");
  } else {
    equal(names.length, 0, "start() has no callbacks");
  }
  const result = heard.outcome;
  if (outcome === "success") {
    equal(result.type, "payment", "result type");
    equal(result.status, "success", "result status");
    equal(result.data.transactionId, id, "result transaction");
  } else if (outcome === "fail") {
    equal(result.type, "error", "result type");
    equal(result.status, "fail", "result status");
    equal(result.data.transactionId, id, "result transaction");
  } else {
    equal(result.type, "cancel", "result type");
  }
}

/** The scenarios: drive the form, then close it the way a payer (or the shop) would. */
const SCENARIOS = {
  async approve({ frame }) {
    await payWithCard(frame, CARDS.approve);
    const shown = await resultOf(frame);
    assert(shown.success, "approved on screen");
    return { outcome: "success", status: (stage) => (stage === "one" ? "Completed" : "Authorized") };
  },
  async "3ds-pass"({ frame }) {
    await payWithCard(frame, CARDS.secure);
    await answer3ds(frame, true);
    assert((await resultOf(frame)).success, "approved after 3-D Secure");
    return { outcome: "success", status: (stage) => (stage === "one" ? "Completed" : "Authorized") };
  },
  async "3ds-fail"({ frame }) {
    await payWithCard(frame, CARDS.secureDecline);
    await answer3ds(frame, false);
    assert(!(await resultOf(frame)).success, "declined after 3-D Secure");
    return { outcome: "fail", status: () => "Declined", reason: 5206 };
  },
  async decline({ frame }) {
    await payWithCard(frame, CARDS.decline);
    assert(!(await resultOf(frame)).success, "declined on screen");
    return { outcome: "fail", status: () => "Declined", reason: 5051 };
  },
  async cancel({ frame }) {
    await frame.locator("#cardNumber").waitFor();
    return { outcome: "cancel", status: () => null };
  },
  async "close-while-3ds-waits"({ frame }) {
    await payWithCard(frame, CARDS.secure);
    await frame.frameLocator("#acs").locator("button.pass").waitFor({ timeout: 15000 });
    return { outcome: "cancel", status: () => "Cancelled" };
  },
  // The payer confirms on the bank page but the page that reports back is lost (as when its
  // frame-ancestors refused the shop's origin): the gateway has the payment; the shop must hear it.
  async "close-after-unreported-3ds"({ page, frame }) {
    await page.route("**/widget/3ds**", async (route) => {
      const real = await route.fetch();
      await real.body();
      await route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>lost</title><p>lost</p>" });
    });
    await payWithCard(frame, CARDS.secure);
    await answer3ds(frame, true);
    await frame.frameLocator("#acs").locator("text=lost").waitFor({ timeout: 15000 });
    return { outcome: "success", status: (stage) => (stage === "one" ? "Completed" : "Authorized") };
  },
};

export function widgetTests({ base, publicId, call }) {
  const tests = {};
  for (const [entryName, entry] of Object.entries(ENTRIES)) {
    for (const [scenarioName, scenario] of Object.entries(SCENARIOS)) {
      tests[`widget-second-origin-${entryName}-${scenarioName}`] = async ({ page }) => {
        const shop = await merchant({ "/": shopPage(base) });
        try {
          await page.goto(`${shop.origin}/`);
          const invoice = `w-${entryName}-${scenarioName}-${Date.now()}`;
          await page.evaluate(([name, options]) => { window.flowName = name; window.flowOptions = options; },
            [entry.flow, optionsFor(entry, publicId, invoice)]);
          await page.locator("#open").click();
          const frame = widgetFrame(page);
          await frame.locator("#pay", { hasText: "150,50" }).waitFor({ timeout: 10000 });
          equal(spaced(await frame.locator("#pay").textContent()), "Оплатить 150,50 ₽", "Pay button with the amount");
          const want = await scenario({ page, frame });
          // Close: the payer's × (the modal), or the shop removing PaymentBlocks.
          if (entry.flow === "blocks") await page.evaluate(() => window.blocks.unmount());
          else if (await frame.locator("#close:visible").count()) await frame.locator("#close").click();
          else await frame.locator("#close-x").click();
          await page.waitForFunction(() => window.outcome !== undefined, null, { timeout: 20000 });
          const heard = await page.evaluate(() => ({ events: window.events, outcome: window.outcome }));
          const found = await call("/payments/find", { InvoiceId: invoice });
          const status = want.status(entry.stage);
          if (status === null) {
            equal(found.Success, false, `no payment for a cancelled form: ${JSON.stringify(found)}`);
            expectHeard(entry, "cancel", heard, null);
          } else {
            const model = found.Model;
            assert(model, `payments/find ${invoice}: ${JSON.stringify(found)}`);
            equal(model.Status, status, "status over the API");
            if (want.reason) equal(model.ReasonCode, want.reason, "reason over the API");
            expectHeard(entry, want.outcome, heard, model);
          }
          if (entry.flow !== "blocks") {
            equal(await page.locator("[data-oblako-widget]").count(), 0, "modal removed");
            equal(await page.evaluate(() => document.activeElement && document.activeElement.id), "open", "focus back on the opener");
          }
        } finally { shop.close(); }
      };
    }
  }

  tests["widget-dialog-is-accessible"] = async ({ page }) => {
    const shop = await merchant({ "/": shopPage(base) });
    try {
      await page.goto(`${shop.origin}/`);
      await page.evaluate(([options]) => { window.flowName = "pay"; window.flowOptions = options; },
        [optionsFor(ENTRIES["pay-charge"], publicId, `a11y-${Date.now()}`)]);
      await page.locator("#open").click();
      const dialog = page.locator("[data-oblako-widget]");
      equal(await dialog.getAttribute("role"), "dialog", "role");
      equal(await dialog.getAttribute("aria-modal"), "true", "aria-modal");
      equal(await dialog.getAttribute("aria-label"), "Оплата", "dialog label");
      equal(await page.locator("iframe[src*='/widget/form']").getAttribute("title"), "Форма оплаты", "frame label");
      const frame = widgetFrame(page);
      await frame.locator("#pay", { hasText: "150,50" }).waitFor();
      // Focus is in the form, and Tab never reaches the shop's page behind the dialog.
      await page.waitForFunction(() => document.activeElement && document.activeElement.tagName === "IFRAME");
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press("Tab");
        const outside = await page.evaluate(() => document.activeElement && document.activeElement.id === "open");
        assert(!outside, `Tab ${i + 1} left the dialog`);
      }
      equal(await page.locator("main").evaluate((m) => m.inert), true, "page behind is inert");
      const found = await axeViolations(page);
      assert(found.length === 0, `axe: ${found.join("\n")}`);
      // A decline: focus lands on the result.
      await payWithCard(frame, CARDS.decline);
      await resultOf(frame);
      equal(await frame.locator("#result-title").evaluate((h) => document.activeElement === h), true, "focus on the result");
      const afterResult = await axeViolations(page);
      assert(afterResult.length === 0, `axe on the result: ${afterResult.join("\n")}`);
      await frame.locator("#cardNumber").waitFor({ state: "hidden" });
      await page.keyboard.press("Escape");
      await page.waitForFunction(() => window.outcome !== undefined);
      equal(await page.evaluate(() => document.activeElement.id), "open", "focus returned");
      equal(await page.locator("main").evaluate((m) => m.inert), false, "page usable again");
    } finally { shop.close(); }
  };

  tests["pub-card-is-accessible"] = async ({ page }) => {
    const q = new URLSearchParams({ account: "acc-1", sum: "1234.5", description: "Invoice 1", currency: "RUB" });
    await page.goto(`${base}/pub/card?${q}`);
    await page.locator("#pay", { hasText: "234,50" }).waitFor();
    equal(spaced(await page.locator("#pay").textContent()), "Оплатить 1 234,50 ₽", "Pay button with the amount");
    const found = await axeViolations(page);
    assert(found.length === 0, `axe: ${found.join("\n")}`);
  };

  return tests;
}
