#!/usr/bin/env node
// The `meshbridge` command. Plain JavaScript, so that any Node can read it and say which Node the
// TypeScript sources need (they run by Node's type stripping; package.json "engines").
import { readFileSync } from "node:fs";

const { engines } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const needed = Number(/\d+/.exec(engines.node)?.[0]);
const found = process.versions.node;
if (Number(found.split(".")[0]) < needed) {
  console.error(
    `meshbridge needs Node >= ${needed} (found ${found} at ${process.execPath}). ` +
      "In a clone, the project's own Node comes with 'npm install': run 'npm run meshbridge -- <command>' or 'npx meshbridge <command>'.",
  );
  process.exit(1);
}
await import("../src/cli/main.ts");
