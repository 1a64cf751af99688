// npm run browser:install: Debian's chromium for the status-page test (chromium.ts).
import { ensureChromium } from "./chromium.ts";

const browser = ensureChromium((line) => console.log(`browser: ${line}`));
if ("path" in browser) console.log(`browser: chromium at ${browser.path}`);
else console.log(`browser: not available (${browser.missing}); the status-page test will be skipped`);
