// npm run docs: rewrites every generated section of the docs from its source.
// npm run docs -- --check: changes nothing, exits 1 naming the sections that are out of date.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../infra/stack/ports.ts";
import { currentContent, replaceContent } from "./generated-section.ts";
import { generatedSections } from "./sections.ts";

const check = process.argv.includes("--check");
let stale = 0;
for (const section of generatedSections) {
  const path = join(repoRoot, section.file);
  const text = readFileSync(path, "utf8");
  const content = section.render();
  if (currentContent(text, section.file, section.name) === content) continue;
  if (check) {
    stale++;
    console.error(`${section.file}: section "${section.name}" is out of date (npm run docs)`);
  } else {
    writeFileSync(path, replaceContent(text, section.file, section.name, content));
    console.log(`${section.file}: section "${section.name}" rewritten`);
  }
}
if (stale > 0) process.exitCode = 1;
