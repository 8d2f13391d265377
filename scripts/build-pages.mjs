#!/usr/bin/env node
// Builds every page bundle (pages/<page>/, one cdylib each) for the browser, release, with
// wasm-pack: pkg/<page>/onshi-<page>.js (the JS entry) and onshi-<page>_bg.wasm.
//   node scripts/build-pages.mjs [page...]   (default: every folder in pages/)
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pagesDir = join(root, "pages");
export const pages = () =>
  readdirSync(pagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(pagesDir, entry.name, "Cargo.toml")))
    .map((entry) => entry.name)
    .sort();

if (import.meta.url === `file://${process.argv[1]}`) {
  const wanted = process.argv.slice(2);
  const all = pages();
  for (const page of wanted) {
    if (!all.includes(page)) {
      console.error(`build-pages: no page "${page}" (pages: ${all.join(", ")})`);
      process.exit(2);
    }
  }
  // wasm-opt must come from node_modules (binaryen), never a download.
  const env = { ...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}` };
  for (const page of wanted.length ? wanted : all) {
    const args = ["build", "--release", "--target", "bundler", "--no-pack",
      "--out-dir", join(root, "pkg", page), "--out-name", `onshi-${page}`, join("pages", page)];
    const result = spawnSync("wasm-pack", args, { cwd: root, env, stdio: "inherit" });
    if (result.status !== 0) {
      console.error(`build-pages: wasm-pack failed for ${page}`);
      process.exit(result.status ?? 1);
    }
  }
}
