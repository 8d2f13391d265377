#!/usr/bin/env node
// Fails when a page's release .wasm (gzip -9) is over its budget in pages/size-budgets.json,
// or when a page has no budget. Sizes are deterministic for a given toolchain and lock
// file, so this is a check, not a timing. Run after scripts/build-pages.mjs.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { pages } from "./build-pages.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const budgets = JSON.parse(readFileSync(join(root, "pages", "size-budgets.json"), "utf8"));
const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;

let failed = false;
for (const page of pages()) {
  const file = join(root, "pkg", page, `onshi-${page}_bg.wasm`);
  const budget = budgets[page];
  if (!existsSync(file)) {
    console.error(`size-budget: ${page}: ${file} is missing (build it with scripts/build-pages.mjs)`);
    failed = true;
    continue;
  }
  if (typeof budget !== "number") {
    console.error(`size-budget: ${page}: no budget in pages/size-budgets.json`);
    failed = true;
    continue;
  }
  const wasm = readFileSync(file);
  const gzip = gzipSync(wasm, { level: 9 }).length;
  const verdict = gzip <= budget ? "ok" : "OVER BUDGET";
  console.log(`size-budget: ${page.padEnd(10)} ${kb(wasm.length).padStart(9)} raw, ${kb(gzip).padStart(8)} gzip -9, budget ${kb(budget)}: ${verdict}`);
  if (gzip > budget) failed = true;
}
process.exit(failed ? 1 : 0);
