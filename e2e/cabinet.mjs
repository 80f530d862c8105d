// The merchant cabinet in a real browser: set-up link → password → TOTP enrolment → sign-in with
// a code; create a site; its Pay address pointed at a receiver this test runs, and Test webhook;
// the demo site's Refund address pointed at another receiver; a test payment with the widget,
// found by InvoiceId, refunded by half, and the Refund notification seen on its page; the .xlsx
// export parsed back; a site switched to production; sign-out. Screenshots at 1280 and 375 px; every page's HTML, the
// export and the server's log scanned for card numbers, the API secret and the password.
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { assert, equal, payWithCard, widgetFrame } from "./lib.mjs";

const PASSWORD = "plum tree by the river 42";

function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0, value = 0;
  const out = [];
  for (const c of text.replace(/\s|=/g, "").toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out);
}

/** RFC 6238: six digits of HMAC-SHA-1 over the 30-second step. */
function totp(secret, at = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30000)));
  const mac = createHmac("sha1", secret).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, "0");
}

/** A notification receiver on loopback that answers {"code":0}. */
async function receiver() {
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      seen.push({ url: req.url, body });
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"code":0}');
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}/notify`, seen, close: () => server.close() };
}

export function cabinetTests({ base, secret, outDir }) {
  const link = process.env.OBLAKO_E2E_SETUP_LINK;
  return {
    async "cabinet-walk-from-set-up-link-to-production"({ page, context }) {
      assert(link, "OBLAKO_E2E_SETUP_LINK is not set (run.sh makes one with `oblako user create`)");
      const pages = [];
      const keep = async (name) => {
        pages.push(await page.content());
        for (const width of [1280, 375]) {
          await page.setViewportSize({ width, height: width === 375 ? 800 : 900 });
          await page.screenshot({ path: `${outDir}/cabinet-${name}-${width}.png`, fullPage: true });
        }
      };
      // Set-up link → password → enrolment.
      await page.goto(link);
      await page.fill("input[name=password]", PASSWORD);
      await page.fill("input[name=repeat]", PASSWORD);
      await page.click("#set-password");
      await page.locator("#totp-secret").waitFor();
      await keep("two-factor");
      const key = base32(await page.locator("#totp-secret").textContent());
      await page.fill("input[name=code]", totp(key));
      await page.click("#enrol");
      await page.locator("#recovery-codes").waitFor();
      await page.click("#continue");
      await page.locator("#sign-out").click();
      // Sign in with the password and the next code.
      await page.goto(`${base}/cabinet/sign-in`);
      await keep("sign-in");
      await page.fill("input[name=email]", "owner@e2e.example");
      await page.fill("input[name=password]", PASSWORD);
      await page.click("#sign-in");
      await page.locator("input[name=code]").waitFor();
      await new Promise((r) => setTimeout(r, 30000 - (Date.now() % 30000) + 200));
      await page.fill("input[name=code]", totp(key));
      await page.click("#verify");
      await page.locator("#no-transactions, #transactions").first().waitFor();
      // A new site, its Pay address, Test webhook.
      await page.goto(`${base}/cabinet/sites`);
      await page.fill("input[name=name]", "Cabinet shop");
      await page.click("#create-site");
      await page.locator("#site-name").waitFor();
      await keep("site");
      const hooks = await receiver();
      try {
        await page.click("#notifications");
        const row = page.locator("#test-Pay");
        await row.locator("input[name=url]").fill(hooks.url);
        await row.locator("select[name=method]").selectOption("POST");
        await row.locator("input[name=enabled]").check();
        await row.locator("form").first().locator("button").click();
        await page.locator("#test-Pay").locator("button", { hasText: /Test webhook|Проверить/ }).click();
        await page.locator("#test-result").waitFor();
        equal((await page.locator("#test-status").textContent()).trim(), "200", "test webhook status");
        equal(hooks.seen.length, 1, "the receiver got the sample");
        await keep("notifications");
      } finally {
        hooks.close();
      }
      // The Refund notifications of the site the demo shop charges (E2E shop) go to a receiver.
      const refunds = await receiver();
      await page.goto(`${base}/cabinet/sites`);
      await page.click("#sites a >> text=E2E shop");
      await page.click("#notifications");
      const refundRow = page.locator("#test-Refund");
      await refundRow.locator("input[name=url]").fill(refunds.url);
      await refundRow.locator("select[name=method]").selectOption("POST");
      await refundRow.locator("input[name=enabled]").check();
      await refundRow.locator("form").first().locator("button").click();
      await page.locator("#test-Refund input[name=url]").waitFor();
      equal(await page.locator("#test-Refund input[name=url]").inputValue(), refunds.url, "the Refund address is saved");
      // A payment with the widget on the demo shop (the first site), found by its InvoiceId.
      const shop = await context.newPage();
      await shop.goto(`${base}/demo`);
      await shop.locator("#pay").click();
      const frame = widgetFrame(shop);
      await frame.locator("#amount:not(:empty)").waitFor({ timeout: 10000 });
      await payWithCard(frame, "4111 1111 1111 1111");
      await frame.locator("#close").click();
      const result = shop.locator("#result[data-status]");
      await result.waitFor({ timeout: 10000 });
      const invoice = await result.getAttribute("data-invoice-id");
      const id = await result.getAttribute("data-transaction-id");
      await shop.close();
      await page.goto(`${base}/cabinet/transactions?invoice=${encodeURIComponent(invoice)}`);
      await page.locator(`#transactions a[href="/cabinet/transactions/${id}"]`).waitFor();
      await keep("transactions");
      await page.click(`#transactions a[href="/cabinet/transactions/${id}"]`);
      await page.locator("#transaction-id").waitFor();
      await keep("transaction");
      // Refund part of it from the transaction's page, through the same flow as the API.
      await page.fill("form[action$='/refund'] input[name=amount]", "0.50");
      await page.click("#action-refund");
      await page.locator("#refunds").waitFor({ timeout: 15000 });
      assert((await page.locator("#refunds").textContent()).includes("0.50"), "the refund is listed");
      // The Refund notification reaches the receiver and shows on the payment's page.
      try {
        for (let i = 0; i < 100 && refunds.seen.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
        equal(refunds.seen.length, 1, "the receiver got the Refund notification");
        assert(refunds.seen[0].body.includes(`"TransactionId"`) || refunds.seen[0].body.includes("TransactionId="),
          `a Refund notification body: ${refunds.seen[0].body.slice(0, 200)}`);
      } finally {
        refunds.close();
      }
      await page.reload();
      const refundNotice = page.locator("#notification-Refund");
      await refundNotice.waitFor({ timeout: 10000 });
      assert((await refundNotice.textContent()).includes("200"), "the Refund notification's attempt answered 200");
      await keep("transaction-refunded");
      // The .xlsx export of the filtered list, parsed back.
      const xlsx = await context.request.get(`${base}/cabinet/transactions.xlsx?invoice=${encodeURIComponent(invoice)}`);
      equal(xlsx.status(), 200, "xlsx export");
      const file = `${outDir}/cabinet-export.xlsx`;
      writeFileSync(file, await xlsx.body());
      const cells = execFileSync("python3", ["-c",
        "import sys,zipfile;z=zipfile.ZipFile(sys.argv[1]);print(''.join(z.read(n).decode() for n in z.namelist() if n.startswith('xl/worksheets/') or n=='xl/sharedStrings.xml'))",
        file]).toString();
      assert(cells.includes(invoice) && cells.includes(`<v>${id}</v>`), `the export holds the payment: ${cells.slice(0, 400)}`);
      // Production, confirmed by the site's name.
      await page.goto(`${base}/cabinet/sites`);
      await page.click("#sites a >> text=Cabinet shop");
      await page.fill("#confirm-name", "Cabinet shop");
      await page.click("#go-live");
      await page.locator("#site-mode.ok").waitFor();
      await page.click("#sign-out");
      await page.locator("#sign-in").waitFor();
      // Nothing secret anywhere we kept.
      const log = process.env.OBLAKO_E2E_SERVER_LOG ? readFileSync(process.env.OBLAKO_E2E_SERVER_LOG, "utf8") : "";
      for (const [what, text] of [["pages", pages.join("\n")], ["export", cells], ["server log", log]]) {
        assert(!/4111[ -]?1111[ -]?1111[ -]?1111/.test(text), `the card number in the ${what}`);
        assert(!text.includes(secret), `the API secret in the ${what}`);
        assert(!text.includes(PASSWORD), `the password in the ${what}`);
      }
    },
  };
}
