// The README's commands, for tests that run them exactly as written.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../infra/stack/ports.ts";

export const readme = (): string => readFileSync(join(repoRoot, "README.md"), "utf8");

/** The ```sh blocks that follow a `<!-- tested: <testFile> ... -->` marker, each as its lines. */
export function testedBlocks(testFile: string): string[][] {
  const blocks: string[][] = [];
  const pattern = /<!-- tested: ([^ ]+) [^>]*-->\n```sh\n([\s\S]*?)\n```/g;
  for (const match of readme().matchAll(pattern)) {
    if (match[1] === testFile) blocks.push(match[2]!.split("\n").filter((line) => line.trim() !== ""));
  }
  return blocks;
}
