// What the compat scenarios share: named checks printing `ok   <step>` / `FAIL <step>: <why>`,
// the closing `N passed, N failed` line, small assertions, and test cryptograms from the
// `oblako cryptogram` CLI. Scaffolding only; every call to the gateway goes through the library.

import { execFileSync } from "node:child_process";

import cloudpayments from "cloudpayments";

const { ClientResponse } = cloudpayments;

const tally = { passed: 0, failed: 0 };

export async function check(name, fn) {
  try {
    await fn();
    tally.passed += 1;
    console.log(`ok   ${name}`);
  } catch (e) {
    tally.failed += 1;
    // One line per check: execFileSync errors carry the command's stderr on further lines.
    const why = String(e.message).trim().replace(/\s*\n\s*/g, " | ");
    console.log(`FAIL ${name}: ${e.name}: ${why}`);
  }
}

/** Prints `<suite>: N passed, N failed` and exits 1 if any check failed. */
export function finish(suite) {
  console.log(`${suite}: ${tally.passed} passed, ${tally.failed} failed`);
  process.exit(tally.failed ? 1 : 0);
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** A step that needs an earlier step's result fails plainly when that result is missing. */
export function needs(value, what) {
  assert(value !== undefined && value !== null, `skipped: ${what} is missing (an earlier step failed)`);
  return value;
}

/** A response (or anything JSON) shortened for a failure message. */
export function brief(value) {
  const body = value instanceof ClientResponse ? value.getResponse() : value;
  const text = JSON.stringify(body);
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

/** A cryptogram of `card` (12/30, CVV 123) made by `oblako cryptogram` against the gateway. */
export function cryptogramOf(oblako, baseUrl, publicId, card) {
  return execFileSync(
    oblako,
    ["cryptogram", "--public-id", publicId, "--card", card, "--exp", "12/30", "--cvv", "123",
      "--base-url", baseUrl],
    { encoding: "utf8", env: process.env, stdio: ["ignore", "pipe", "pipe"] },
  ).trim();
}
