// Browser tests of the gateway's own pages (docs/orders.md, docs/browser.md): a paid order stays
// calm through refresh and Back to the bank page, the bank page asks for an empty code, error
// pages and the demo speak the payer's language, a fiscal receipt's public page prints its
// fiscal data and QR code, and axe-core finds no serious or critical violation on the order,
// result, bank, error and receipt pages.
import { assert, axeViolations, equal, payWithCard, resultOf, widgetFrame } from "./lib.mjs";

const NBSP = "\u00a0";

/** The gateway's pages' tests; `call` is the site's API client, `shot` a step's screenshot. */
export function pageTests({ base, call, shot }) {
  async function createOrder(fields) {
    const reply = await call("/orders/create", { Amount: 1234.5, Currency: "RUB", Description: "Заказ e2e", ...fields });
    assert(reply.Success && reply.Model && reply.Model.Url, `orders/create: ${JSON.stringify(reply)}`);
    return reply.Model;
  }
  async function found(invoice) {
    const reply = await call("/payments/find", { InvoiceId: invoice });
    assert(reply.Model, `payments/find ${invoice}: ${JSON.stringify(reply)}`);
    return reply.Model;
  }
  async function noAxeViolations(page, what) {
    const violations = await axeViolations(page);
    assert(violations.length === 0, `${what}: axe found\n  ${violations.join("\n  ")}`);
  }
  /** The calm page of a paid order: heading, amount, order number and transaction, no API text. */
  async function calmlyPaid(page, order, transactionId, what) {
    await page.locator("#result.paid").waitFor({ timeout: 15000 });
    equal(await page.locator("#result").textContent(), "Заказ оплачен", `${what}: heading`);
    equal(await page.locator("#message").textContent(), "Заказ уже оплачен.", `${what}: message`);
    equal(await page.locator("#order-amount").textContent(), `1${NBSP}234,50${NBSP}₽`, `${what}: amount`);
    equal(await page.locator("#order-number").textContent(), String(order.Number), `${what}: order`);
    equal(await page.locator("#transaction-id").textContent(), String(transactionId), `${what}: transaction`);
    const text = await page.textContent("body");
    assert(!/awaiting|Transaction is|"Success"/i.test(text), `${what}: no API text: ${text}`);
  }

  return {
    async "pages-paid-order-stays-calm-on-refresh-and-back"({ page }) {
      const invoice = `pages-calm-${Date.now()}`;
      const order = await createOrder({ InvoiceId: invoice });
      await page.goto(order.Url);
      await payWithCard(page, "4242 4242 4242 4242");
      await page.locator("button.pass").click({ timeout: 15000 });
      await page.locator("#result.paid").waitFor({ timeout: 15000 });
      const paid = await found(invoice);
      equal(paid.Status, "Completed", "payment status");
      equal(await page.locator("#result").textContent(), "Оплата прошла успешно. Спасибо!", "result heading");
      equal(await page.locator("#order-amount").textContent(), `1${NBSP}234,50${NBSP}₽`, "amount in Russian");
      equal(await page.locator("#transaction-id").textContent(), String(paid.TransactionId), "transaction");
      await noAxeViolations(page, "result page");

      // Refresh: the browser posts the bank's answer again.
      await page.reload();
      await calmlyPaid(page, order, paid.TransactionId, "refreshed result");
      await shot(page, "pages-paid-order-stays-calm-on-refresh-and-back.1-refreshed");

      // Back to the bank page, and confirm again.
      // Chromium may skip the bank's self-posting return page on Back, or land on it and let it
      // post the answer again: either way the payer ends on a calm page.
      await page.goBack();
      if (page.url().endsWith("/acs")) {
        await page.locator("button.pass").click({ timeout: 15000 });
        await page.waitForURL(`${order.Url}/3ds`);
      } else {
        await page.waitForURL(`${order.Url}/3ds`);
      }
      await calmlyPaid(page, order, paid.TransactionId, "confirmed again");

      await page.goto(order.Url);
      equal(await page.locator("#status").getAttribute("data-status"), "Paid", "order status");
      equal(await page.locator("#transaction-id").textContent(), String(paid.TransactionId), "order page transaction");
      const last = await found(invoice);
      equal(last.TransactionId, paid.TransactionId, "no second payment");
      equal(last.Status, "Completed", "still completed");
    },

    async "pages-bank-page-asks-for-an-empty-code"({ page }) {
      const invoice = `pages-acs-${Date.now()}`;
      const order = await createOrder({ InvoiceId: invoice, CultureName: "en-US" });
      await page.goto(order.Url);
      await payWithCard(page, "5555 5555 5555 4444");
      const code = page.getByLabel("Code from SMS");
      await code.waitFor({ timeout: 15000 });
      await noAxeViolations(page, "bank page");
      equal(await page.locator("#acs-amount").textContent(), `RUB${NBSP}1,234.50`, "amount in English");
      await code.fill("");
      await code.press("Enter");
      equal(await page.locator("#code-error").textContent(), "Enter the code from the SMS", "prompt");
      equal(await page.evaluate(() => document.activeElement && document.activeElement.id), "code", "focus stays");
      equal(await code.getAttribute("aria-invalid"), "true", "marked invalid");
      assert(page.url().endsWith("/acs"), `still on the bank page: ${page.url()}`);
      equal((await found(invoice)).Status, "AwaitingAuthentication", "nothing declined");
      await noAxeViolations(page, "bank page with the prompt");
      await shot(page, "pages-bank-page-asks-for-an-empty-code.1-prompt");
      await code.fill("1234");
      equal(await page.locator("#code-error").textContent(), "", "prompt cleared");
      await code.press("Enter");
      await page.locator("#result.paid").waitFor({ timeout: 15000 });
      equal(await page.locator("#result").textContent(), "Payment successful. Thank you!", "paid");
      equal((await found(invoice)).Status, "Completed", "payment status");
    },

    async "pages-order-in-kazakh-passes-axe"({ page }) {
      const invoice = `pages-kk-${Date.now()}`;
      const order = await createOrder({ InvoiceId: invoice, CultureName: "kk-KZ" });
      await page.goto(order.Url);
      equal(await page.getAttribute("html", "lang"), "kk", "lang");
      equal(await page.locator("h1").textContent(), "Тапсырысты төлеу", "title");
      equal(await page.locator("#amount").textContent(), `1${NBSP}234,50${NBSP}₽`, "amount");
      equal(await page.locator("#status").textContent(), "Төлемді күтуде", "status");
      equal(await page.locator("#pay").textContent(), `Төлеу 1${NBSP}234,50${NBSP}₽`, "button");
      await noAxeViolations(page, "order page");
      await payWithCard(page, "4000 0566 5566 5556");
      await page.locator("#result.failed").waitFor({ timeout: 15000 });
      equal(await page.locator("#result").textContent(), "Төлем қабылданбады", "declined");
      equal(await page.locator("#transaction-id").textContent(), String((await found(invoice)).TransactionId), "transaction");
      await noAxeViolations(page, "declined result page");
      await page.locator("a#again").click();
      await page.waitForURL(order.Url);
      await noAxeViolations(page, "order page again");
    },

    async "pages-errors-in-the-payers-language"({ page }) {
      await page.setExtraHTTPHeaders({ "Accept-Language": "kk-KZ,kk;q=0.9,ru;q=0.5" });
      let response = await page.goto(`${base}/acs`);
      equal(response.status(), 400, "GET /acs without a challenge");
      equal(await page.getAttribute("html", "lang"), "kk", "lang");
      equal(await page.locator("h1").textContent(), "Банк беті дұрыс ашылмады", "Kazakh title");
      await noAxeViolations(page, "error page");
      await shot(page, "pages-errors-in-the-payers-language.1-acs");
      response = await page.goto(`${base}/d/`);
      equal(response.status(), 404, "/d/ without an id");
      equal(await page.locator("h1").textContent(), "Тапсырыс табылмады", "no order");
      await page.setExtraHTTPHeaders({ "Accept-Language": "en-GB,en;q=0.8" });
      response = await page.goto(`${base}/d/NoSuchOrder00000`);
      equal(response.status(), 404, "unknown order");
      equal(await page.locator("h1").textContent(), "Order not found", "English");
      await page.setExtraHTTPHeaders({ "Accept-Language": "de-DE,de;q=0.9" });
      response = await page.goto(`${base}/d/NoSuchOrder00000`);
      equal(await page.locator("h1").textContent(), "Заказ не найден", "Russian for other languages");
    },

    // The checks above pass only if axe can fail: a page with known faults must show them.
    async "pages-axe-finds-known-faults"({ page }) {
      const faulty = '<html><body><input id="x"><p style="color:#ccc">faint</p></body></html>';
      await page.route(`${base}/axe-probe`, (r) => r.fulfill({ contentType: "text/html", body: faulty }));
      await page.goto(`${base}/axe-probe`);
      const rules = (await axeViolations(page)).map((line) => line.split(": ")[1].split(" ")[0]).sort();
      equal(rules.join(","), "color-contrast,document-title,html-has-lang,label", "violations found");
    },

    async "pages-demo-in-kazakh"({ page }) {
      await page.goto(`${base}/demo?lang=kk-KZ`);
      equal(await page.getAttribute("html", "lang"), "kk", "lang");
      equal(await page.locator("h1").textContent(), "Oblako демо-дүкені", "shop");
      equal(await page.locator("#pay").textContent(), "Төлеу", "button");
      const text = await page.textContent("body");
      for (const foreign of ["Оплатить", "Чашка", "Тестовый", "Cup of tea", "Pay", "test product", "Демо-магазин"]) {
        assert(!text.includes(foreign), `no "${foreign}" on the Kazakh demo: ${text}`);
      }
      await page.locator("#pay").click();
      const frame = widgetFrame(page);
      await frame.locator("#amount:not(:empty)").waitFor({ timeout: 10000 });
      await payWithCard(frame, "4111 1111 1111 1111");
      assert((await resultOf(frame)).success, "paid");
      await frame.locator("#close").click();
      const result = page.locator("#result[data-status]");
      await result.waitFor({ timeout: 10000 });
      const id = await result.getAttribute("data-transaction-id");
      equal(await result.textContent(), `Төленді, транзакция ${id}`, "result in Kazakh");
    },

    async "pages-receipt-prints-its-fiscal-data-and-qr-code"({ page }) {
      const items = [{ label: "Пластырь", price: 500, quantity: 2, amount: 1000, vat: 20 }];
      const made = await call("/kkt/receipt", { Inn: "7707083893", Type: "Income", CustomerReceipt: { Items: items } });
      assert(made.Success && made.Model && made.Model.Id, `kkt/receipt: ${JSON.stringify(made)}`);
      const id = made.Model.Id;
      let status;
      for (let i = 0; i < 100; i += 1) {
        status = (await call("/kkt/receipt/status/get", { Id: id })).Model;
        if (status !== "Queued") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      equal(status, "Processed", "fiscalised by the server's worker");
      const data = (await call("/kkt/receipt/get", { Id: id })).Model.AdditionalData;
      await page.goto(`${base}/r/${id}`);
      equal(await page.locator("h1").textContent(), "Кассовый чек. Приход", "heading");
      equal(await page.locator("#total").textContent(), "1000.00", "total");
      const text = await page.textContent("main");
      for (const part of ["Пластырь", "ФП", data.FiscalSign, data.RegNumber, data.FiscalNumber]) {
        assert(text.includes(String(part)), `the page shows ${part}: ${text}`);
      }
      const qr = page.locator("#qr");
      await qr.waitFor({ timeout: 5000 });
      assert(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), "the QR image loads");
      await noAxeViolations(page, "receipt page");
      await page.emulateMedia({ media: "print" });
      assert(!(await page.locator(".links").isVisible()), "links are not printed");
      await shot(page, "pages-receipt-prints-its-fiscal-data-and-qr-code");
    },
  };
}
