// Headless Chromium for the status-page test: Debian's `chromium` package, driven by npm
// playwright-core through `executablePath` (`playwright install` downloads its own browser
// build, which this machine kind cannot fetch). Installed with apt-get when missing and
// permitted (root); otherwise the reason, so the test can say what to do.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export const chromiumPath = process.env.MB_CHROMIUM ?? "/usr/bin/chromium";

const hasCommand = (command: string): boolean => {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

/** The browser's path, installing Debian's chromium first if needed; or why it is not there. */
export function ensureChromium(log: (line: string) => void = () => {}): { path: string } | { missing: string } {
  if (existsSync(chromiumPath)) return { path: chromiumPath };
  if (process.env.MB_CHROMIUM !== undefined) return { missing: `MB_CHROMIUM=${chromiumPath} does not exist` };
  if (!hasCommand("apt-get")) return { missing: `${chromiumPath} is missing and there is no apt-get: install Chromium` };
  if (process.getuid?.() !== 0) return { missing: `${chromiumPath} is missing: run \`apt-get install chromium\` as root` };
  log("installing Debian's chromium with apt-get (a minute or two)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env });
  } catch (error) {
    return { missing: `apt-get install chromium failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  return existsSync(chromiumPath)
    ? { path: chromiumPath }
    : { missing: `apt-get installed chromium, but ${chromiumPath} is missing` };
}
