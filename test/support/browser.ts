// Headless Chromium for tests (Debian's chromium through playwright-core; tools/browser), and
// where screenshots go: test-results/ in the repository (gitignored), kept as artifacts.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { repoRoot } from "../../infra/stack/ports.ts";
import { ensureChromium } from "../../tools/browser/chromium.ts";

export const artifactsDir = join(repoRoot, "test-results");

/** A headless browser, or why there is none (the test then skips with that reason). */
export async function launchBrowser(): Promise<{ browser: Browser } | { missing: string }> {
  const found = ensureChromium((line) => console.log(`browser: ${line}`));
  if ("missing" in found) return found;
  // As root (this machine, CI) Chromium refuses to start without --no-sandbox.
  const browser = await chromium.launch({ executablePath: found.path, headless: true, args: ["--no-sandbox"] });
  return { browser };
}

/** Saves a full-page screenshot as test-results/<name>.png; returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Page errors and console errors (a CSP violation or a missing file is one), collected while the page is open. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    // /readyz answers 503 while not ready: the page reads that, the browser logs it.
    if (message.type() === "error" && !message.location().url.endsWith("/readyz")) errors.push(`console: ${message.text()}`);
  });
  return errors;
}
