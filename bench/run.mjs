#!/usr/bin/env node
// `npm run bench`: onshi's benchmarks. Not part of the tests. Every timing is a ratio
// against a baseline measured in the same run; sizes are deterministic. Prints one line
// per measurement and writes the same as JSON to bench/last-run.json.
//
//   node bench/run.mjs [--no-build]   (--no-build: reuse pkg/, bench/.web and the native binary)
//
// See the "Benchmarks" section of README.md for what each line means.
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";

const bench = dirname(fileURLToPath(import.meta.url));
const root = resolve(bench, "..");
const build = !process.argv.includes("--no-build");
// Its own target dir: sharing the root's makes the root build and this one overwrite each
// other's onshi-core artifacts (same crate hash, different source paths).
const targetDir = join(bench, "target");
const env = {
  ...process.env,
  PATH: `${join(root, "node_modules/.bin")}:${process.env.HOME}/.cargo/bin:${process.env.PATH}`,
};
const benchEnv = { ...env, CARGO_TARGET_DIR: targetDir };

const RENDER = { n: 1500, pairs: 21, warmup: 3 };
const CRYPTO = { batch: 20, pairs: 21, warmup: 3 };

function run(cmd, args, cwd = root, runEnv = env) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd, env: runEnv, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    process.stderr.write(r.stdout ?? "");
    process.stderr.write(r.stderr ?? "");
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.error ?? `exit ${r.status}`})`);
  }
  process.stderr.write(`bench: ${cmd} ${args.slice(0, 3).join(" ")} … ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return r.stdout;
}

const gzip9 = (buf) => gzipSync(buf, { level: 9 }).length;
const fmtBytes = (b) => `${b.toLocaleString("en")} B`;
const fmtMs = (ms) => (ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(0)} µs`);
const fmtNs = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
const lines = [];
const say = (line) => {
  lines.push(line);
  console.log(line);
};

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

// ---------------------------------------------------------------------------------------
// Builds

const benchWasmDir = join(bench, ".web");
const nativeBin = join(targetDir, "release", "onshi-bench-native");
if (build) {
  // 1. The component exactly as `npm run build:wasm` builds it.
  run("npm", ["run", "--silent", "build:wasm"]);
  // 2. The bench wasm (own workspace: bench/Cargo.toml), same pipeline: cargo, wasm-bindgen, wasm-opt -Oz.
  run("cargo", ["build", "--quiet", "--release", "--target", "wasm32-unknown-unknown", "-p", "onshi-bench-wasm"], bench, benchEnv);
  run("wasm-bindgen", [
    "--target", "web", "--no-typescript", "--out-dir", benchWasmDir,
    join(targetDir, "wasm32-unknown-unknown/release/onshi_bench_wasm.wasm"),
  ]);
  run("wasm-opt", ["-Oz", join(benchWasmDir, "onshi_bench_wasm_bg.wasm"), "-o", join(benchWasmDir, "onshi_bench_wasm_bg.wasm")]);
  // 3. The native timer.
  run("cargo", ["build", "--quiet", "--release", "-p", "onshi-bench-native"], bench, benchEnv);
}

const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, loadavg1mBefore: loadavg()[0] },
};

// ---------------------------------------------------------------------------------------
// 1. Deterministic sizes

{
  const wasmPath = join(root, "pkg", "onshi_bg.wasm");
  const wasm = readFileSync(wasmPath);
  report.sizes = { componentWasm: { raw: wasm.length, gzip9: gzip9(wasm), path: "pkg/onshi_bg.wasm" } };
  say(`size   component .wasm (pkg/onshi_bg.wasm)  ${fmtBytes(wasm.length)} raw, ${fmtBytes(report.sizes.componentWasm.gzip9)} gzip -9`);
  const dist = join(root, "dist");
  if (existsSync(dist)) {
    const files = walk(dist);
    const raw = files.reduce((s, f) => s + statSync(f).size, 0);
    const gz = files.reduce((s, f) => s + gzip9(readFileSync(f)), 0);
    const newest = Math.max(...files.map((f) => statSync(f).mtimeMs));
    report.sizes.dist = { files: files.length, raw, gzip9: gz, newestFile: new Date(newest).toISOString() };
    say(`size   webpack dist/ total (${files.length} files)     ${fmtBytes(raw)} raw, ${fmtBytes(gz)} gzip -9 per file (built ${report.sizes.dist.newestFile.slice(0, 16)}; not rebuilt here)`);
  } else {
    report.sizes.dist = null;
    say("size   webpack dist/                        absent (npm run build:web)");
  }
  const benchWasm = readFileSync(join(benchWasmDir, "onshi_bench_wasm_bg.wasm"));
  report.sizes.benchWasm = { raw: benchWasm.length, gzip9: gzip9(benchWasm) };
}

// ---------------------------------------------------------------------------------------
// 4 (first, while nothing else of ours runs). Native

{
  const out = JSON.parse(run(nativeBin, []).trim());
  report.native = { ...out, ratio: out.parse_response_ns / out.quick_xml_events_ns };
  say(
    `native parse_response (${out.response_bytes} B sample) ${fmtNs(out.parse_response_ns)}/op vs quick-xml events only ${fmtNs(out.quick_xml_events_ns)}/op: ${report.native.ratio.toFixed(2)}×`,
  );
  say(`native query::validate (full-width input)     ${fmtNs(out.validate_ns)}/op`);
}

// ---------------------------------------------------------------------------------------
// 2 + 3. Browser

const types = { ".html": "text/html", ".mjs": "text/javascript", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };
const routes = (url) => {
  const path = new URL(url, "http://x").pathname;
  if (path === "/") return join(bench, "page", "index.html");
  if (path === "/bench.mjs") return join(bench, "page", "bench.mjs");
  if (path === "/onshi.css") return join(root, "www", "onshi.css");
  if (path.startsWith("/.web/") && !path.includes("..")) return join(benchWasmDir, path.slice(6));
  return null;
};
const server = createServer((req, res) => {
  const file = routes(req.url);
  if (!file || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  report.browser = `Chromium ${browser.version()}`;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.onshiBenchReady === true, null, { timeout: 30000 }).catch((e) => {
    throw new Error(`bench page did not load: ${errors.join("; ") || e}`);
  });

  const r = await page.evaluate((o) => window.onshiBench.render(o), RENDER);
  report.render = { ...r, ratio: r.yewMedian / r.vanillaMedian };
  say(
    `render ${r.n} queue rows (${r.elements.toLocaleString("en")} elements) to laid-out DOM: Yew ${fmtMs(r.yewMedian)} vs vanilla createElement ${fmtMs(r.vanillaMedian)}: ${report.render.ratio.toFixed(2)}× (median of ${r.pairs} alternating pairs; markup ${r.identicalMarkup ? "identical" : "DIFFERS"}${r.macrotaskWaits ? `; ${r.macrotaskWaits} runs waited past a macrotask` : ""})`,
  );
  report.render.domOnlyRatio = r.yewDomMedian / r.vanillaDomMedian;
  say(
    `render   of which DOM building only (before the forced layout): Yew ${fmtMs(r.yewDomMedian)} vs vanilla ${fmtMs(r.vanillaDomMedian)}: ${report.render.domOnlyRatio.toFixed(2)}×`,
  );
  if (!r.identicalMarkup) console.error("bench: first markup difference", r.firstDifference);

  const c = await page.evaluate((o) => window.onshiBench.crypto(o), CRYPTO);
  report.crypto = { ...c, ratio: c.p256Median / c.webcryptoMedian };
  const checksOk = Object.values(c.checks).every(Boolean);
  say(
    `crypto ES256 verify (${c.messageBytes} B message): p256 0.14 wasm ${fmtMs(c.p256Median)} vs crypto.subtle.verify ${fmtMs(c.webcryptoMedian)} per op: ${report.crypto.ratio.toFixed(2)}× (median of ${c.pairs} pairs of ${c.batch}; accept/refuse checks ${checksOk ? "ok" : "FAILED"})`,
  );
  if (!checksOk) console.error("bench: crypto checks", c.checks);
  if (errors.length) console.error("bench: page errors", errors);
} finally {
  await browser.close();
  server.close();
}

report.machine.loadavg1mAfter = loadavg()[0];
report.lines = lines;
say(`(${report.browser}; ${report.machine.cpus} CPUs, load ${report.machine.loadavg1mBefore.toFixed(1)} → ${report.machine.loadavg1mAfter.toFixed(1)}; JSON: bench/last-run.json)`);
writeFileSync(join(bench, "last-run.json"), JSON.stringify(report, null, 2) + "\n");
