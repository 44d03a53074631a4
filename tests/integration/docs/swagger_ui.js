// Drives Swagger UI at /docs in headless Chromium (Debian's, through playwright-core):
// waits for the page to render, finds POST /unicorn, uses "Try it out" and "Execute", and
// requires the server's 201 in the response panel. Saves a screenshot.
// Usage: node swagger_ui.js BASE_URL SCREENSHOT.png
"use strict";
const { chromium } = require("playwright-core");
const fs = require("fs");
const os = require("os");
const path = require("path");

const [base, screenshot] = process.argv.slice(2);
const TIMEOUT = 20000;

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "lakegate-chromium-"));
  // A fresh profile (user data dir) every run; no network beyond 127.0.0.1.
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 1600 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run",
           "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
  });
  try {
    const page = await browser.newPage();
    const failed = [];
    page.on("requestfailed", (r) => failed.push(r.url()));
    await page.goto(`${base}/docs`, { timeout: TIMEOUT });
    const op = page.locator(".opblock-post", { hasText: "/unicorn" }).first();
    await op.waitFor({ timeout: TIMEOUT });
    await op.locator(".opblock-summary").click();
    await op.locator("button.try-out__btn").click();
    const body = op.locator("textarea.body-param__text");
    await body.waitFor({ timeout: TIMEOUT });
    const example = JSON.parse(await body.inputValue());
    if (example.name === undefined) throw new Error(`unexpected example body: ${JSON.stringify(example)}`);
    await op.locator("button.execute").click();
    const code = op.locator(".live-responses-table tbody .response-col_status").first();
    await code.waitFor({ timeout: TIMEOUT });
    const status = (await code.innerText()).trim();
    await page.screenshot({ path: screenshot, fullPage: true });
    if (failed.length) throw new Error(`requests failed: ${failed.join(", ")}`);
    if (status !== "201") {
      const text = await op.locator(".live-responses-table").innerText();
      throw new Error(`Try it out answered ${status}, expected 201:\n${text}`);
    }
    console.log(`Swagger UI: POST /unicorn -> ${status}; screenshot ${screenshot}`);
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exit(1);
});
