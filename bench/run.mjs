#!/usr/bin/env node
// `npm run bench`: onshi's benchmarks. Not part of the tests. Every timing is a ratio
// against a baseline measured in the same run; sizes are deterministic. Prints one line
// per measurement and writes the same as JSON to bench/last-run.json.
//
//   node bench/run.mjs [--no-build]   (--no-build: reuse pkg/, bench/.web and the native binaries)
//
// Environment: ONSHI_BENCH_POSTGRES_URL (a PostgreSQL for the gateway's --store),
// ONSHI_BENCH_GATEWAY (an onshi-gateway binary to measure instead of building one).
//
// See the "Benchmarks" section of README.md for what each line means.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import {
  existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync,
} from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { findUser, loadIssuer, signCredential } from "../scripts/demo-emr.mjs";
import { pages } from "../scripts/build-pages.mjs";

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
// 2,000 measured qualifications at 200/s is 10 s of load per store; each baseline 1,000 (5 s).
const GATEWAY = { rate: 200, count: 2000, warmup: 200, baselineCount: 1000, desks: 2, institution: "1319999999" };
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
const loadBin = join(targetDir, "release", "onshi-bench-gateway");
// The gateway is a root-workspace crate: its own target dir again (see targetDir), inside
// bench/target so one `rm -rf bench/target` clears every bench build.
const gatewayTargetDir = join(targetDir, "gateway");
// ONSHI_BENCH_GATEWAY: another build's onshi-gateway to measure instead (e.g. a branch's),
// used as given and never built here.
const gatewayBin = process.env.ONSHI_BENCH_GATEWAY
  ? resolve(process.env.ONSHI_BENCH_GATEWAY)
  : join(gatewayTargetDir, "release", "onshi-gateway");
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
  // 3. The native timer and the gateway load generator with its terminal stand-in.
  run("cargo", ["build", "--quiet", "--release", "-p", "onshi-bench-native", "-p", "onshi-bench-gateway"], bench, benchEnv);
  // 4. The gateway as it ships (root release profile).
  if (!process.env.ONSHI_BENCH_GATEWAY) {
    run("cargo", ["build", "--quiet", "--release", "-p", "onshi-gateway"], root, { ...env, CARGO_TARGET_DIR: gatewayTargetDir });
  }
}

const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, loadavg1mBefore: loadavg()[0] },
};

// ---------------------------------------------------------------------------------------
// 1. Deterministic sizes

{
  // One bundle per page (pages/<page>), each against its budget (pages/size-budgets.json).
  const budgets = JSON.parse(readFileSync(join(root, "pages", "size-budgets.json"), "utf8"));
  report.sizes = { pages: {} };
  for (const page of pages()) {
    const path = `pkg/${page}/onshi-${page}_bg.wasm`;
    const wasm = readFileSync(join(root, path));
    const entry = { raw: wasm.length, gzip9: gzip9(wasm), budgetGzip9: budgets[page] ?? null, path };
    report.sizes.pages[page] = entry;
    const budget = entry.budgetGzip9 ? `, budget ${fmtBytes(entry.budgetGzip9)} (${((100 * entry.gzip9) / entry.budgetGzip9).toFixed(0)}%)` : ", no budget";
    say(`size   page ${page.padEnd(10)} .wasm (${path})  ${fmtBytes(wasm.length)} raw, ${fmtBytes(entry.gzip9)} gzip -9${budget}`);
  }
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
// 5 (also before the browser, on a quiet machine). Gateway overhead over a terminal
// stand-in that answers at once, with each store the gateway has.

// Children this script started; killed however it ends (a thrown error, Ctrl-C).
const children = new Set();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

function spawnChild(cmd, args, options) {
  const child = spawn(cmd, args, options);
  children.add(child);
  child.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  child.exited.then(() => children.delete(child));
  return child;
}

async function stopChild(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await child.exited;
  clearTimeout(timer);
}

const tail = (file, n = 15) =>
  existsSync(file) ? readFileSync(file, "utf8").trimEnd().split("\n").slice(-n).join("\n") : "(no log)";

/** Starts one desk's gateway; resolves with its port once it says it listens. */
async function startGateway(share, deskDir, extraArgs) {
  const log = join(deskDir, "gateway.log");
  const fd = openSync(log, "w");
  const child = spawnChild(
    gatewayBin,
    [
      "serve", "--terminal-dir", share, "--institution-code", GATEWAY.institution,
      "--data-dir", deskDir, "--listen", "127.0.0.1:0", ...extraArgs,
    ],
    // info, as deployed: each exchange logs a line, which is part of the gateway's cost.
    { stdio: ["ignore", "pipe", fd], env: { ...env, RUST_LOG: "info" } },
  );
  closeSync(fd);
  let out = "";
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start within 20 s:\n${tail(log)}`)), 20000);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/onshi-gateway listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code ?? signal}) before listening:\n${tail(log)}`));
    });
  });
  return { child, port, log };
}

/** The load generator; resolves with its JSON line and exit code (1 = some requests failed). */
function runLoad(credential, args) {
  const child = spawnChild(loadBin, args, {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ONSHI_BENCH_CREDENTIAL: credential },
  });
  let out = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk) => (out += chunk));
  return child.exited.then(({ code, signal }) => {
    const line = out.trim().split("\n").pop();
    if ((code !== 0 && code !== 1) || !line) throw new Error(`onshi-bench-gateway failed (${code ?? signal})`);
    return { code, result: JSON.parse(line) };
  });
}

/** Where a PostgreSQL store can come from, or why there is none. */
function postgresSource() {
  const help = spawnSync(gatewayBin, ["serve", "--help"], { encoding: "utf8" }).stdout ?? "";
  if (!/--store\b/.test(help)) return { skip: "this onshi-gateway has no --store option" };
  if (process.env.ONSHI_BENCH_POSTGRES_URL) return { url: process.env.ONSHI_BENCH_POSTGRES_URL, from: "ONSHI_BENCH_POSTGRES_URL" };
  const script = join(root, "scripts", "postgres.sh");
  if (!existsSync(script)) return { skip: "no PostgreSQL: set ONSHI_BENCH_POSTGRES_URL (scripts/postgres.sh is not in this tree)" };
  // Directly under the temp dir: as root the script hands the folder to the postgres user,
  // who could not reach it inside a 0700 folder of ours.
  const dir = mkdtempSync(join(tmpdir(), "onshi-bench-pg-"));
  // --stop-with: the cluster goes away with this process, even if it dies before `finally`.
  const r = spawnSync("bash", [script, "start", "--dir", dir, "--stop-with", String(process.pid)], { encoding: "utf8", env });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    const why = (r.stderr ?? "").trim().split("\n").pop()?.replace(/\x1b\[[0-9;]*m/g, "") || `exit ${r.status}`;
    return { skip: `scripts/postgres.sh start failed: ${why}` };
  }
  return {
    url: r.stdout.trim(),
    from: "scripts/postgres.sh (throwaway cluster)",
    stop: () => {
      spawnSync("bash", [script, "stop", dir], { encoding: "utf8", env });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One store: fresh share and desk folders, `desks` gateways, stand-in, baselines, load. */
async function gatewayOverhead(name, extraArgs) {
  const work = mkdtempSync(join(tmpdir(), "onshi-bench-gw-"));
  const share = join(work, "share");
  for (const d of ["req", "res", "face"]) mkdirSync(join(share, d), { recursive: true });
  // The gateways verify every request's credential, as in a clinic: the demo's stand-in
  // EMR issues one for a reception user (given to the load generator in its environment,
  // never on a command line).
  const issuer = loadIssuer(join(work, "emr"));
  const credential = signCredential(issuer, findUser("reception"), { lifetimeSecs: 3600 }).token;
  const gateways = [];
  try {
    for (let i = 0; i < GATEWAY.desks; i++) {
      const desk = join(work, `desk-${i + 1}`);
      mkdirSync(desk);
      gateways.push(await startGateway(share, desk, ["--trust-keys", issuer.jwksPath, ...extraArgs]));
    }
    const { code, result } = await runLoad(credential, [
      "--share", share,
      ...gateways.flatMap((g) => ["--gateway", `127.0.0.1:${g.port}`]),
      "--rate", String(GATEWAY.rate), "--count", String(GATEWAY.count), "--warmup", String(GATEWAY.warmup),
      "--baseline-count", String(GATEWAY.baselineCount), "--poll-ms", String(GATEWAY_POLL_MS),
    ]);
    const g = result.gateway;
    const base = result.baseline_poll;
    const fine = result.baseline_fine;
    const errors = g.errors + result.warmup.errors;
    const entry = {
      ...result,
      ratioP50: g.p50_ms / base.p50_ms,
      ratioP99: g.p99_ms / base.p99_ms,
      overheadP50Ms: g.p50_ms - base.p50_ms,
      overheadP99Ms: g.p99_ms - base.p99_ms,
    };
    // A client that starts requests late (CPU taken by other builds) inflates the tail for
    // reasons that are not the gateway's: said on the line when it happened.
    const lag = g.p99_lag_ms;
    say(
      `gateway-overhead ${name}: p50 ${fmtMs(g.p50_ms)} (${entry.ratioP50.toFixed(2)}× stand-in), p99 ${fmtMs(g.p99_ms)} (${entry.ratioP99.toFixed(2)}×), ${g.count.toLocaleString("en")} req at ${result.rate}/s over ${result.gateways} desks, ${errors} errors${lag > 5 ? ` (p99 of the client's own start delay ${fmtMs(lag)})` : ""}`,
    );
    say(
      `gateway-overhead   ${name} stand-in watched like the gateway (poll ${result.poll_ms} ms, two equal stats): p50 ${fmtMs(base.p50_ms)}, p99 ${fmtMs(base.p99_ms)}; bare round trip (${result.standin_poll_ms} ms polling): p50 ${fmtMs(fine.p50_ms)}, p99 ${fmtMs(fine.p99_ms)}`,
    );
    if (code !== 0) {
      console.error(`bench: gateway-overhead ${name} failures`, result.gateway.error_kinds, result.warmup.error_kinds);
      for (const gw of gateways) console.error(`bench: ${gw.log}:\n${tail(gw.log)}`);
      throw new Error(`gateway-overhead ${name}: ${errors} failed requests (see above); the run is void`);
    }
    return entry;
  } finally {
    await Promise.all(gateways.map((g) => stopChild(g.child)));
    rmSync(work, { recursive: true, force: true });
  }
}

// The gateway's res/ poll interval, read from its source (LinkTimings::default() in
// gateway/src/terminal_link/mod.rs; not a command-line option), so the baseline follows
// it if it changes. The ratio is taken against the stand-in watched with this same
// interval and rule: a read needs two polls, so any client bound to it answers in ≈2 polls
// even from an instant terminal, and that floor is the polling design, not the gateway's
// work. The bare round trip is printed beside it to show what the polling itself costs.
const GATEWAY_POLL_MS = (() => {
  const src = readFileSync(join(root, "gateway", "src", "terminal_link", "mod.rs"), "utf8");
  const m = src.match(/poll_interval:\s*Duration::from_millis\((\d+)\)/);
  if (!m) throw new Error("cannot find the gateway's default poll_interval in gateway/src/terminal_link/mod.rs");
  return Number(m[1]);
})();

{
  report.gatewayOverhead = {
    config: { ...GATEWAY, pollMs: GATEWAY_POLL_MS, gateway: process.env.ONSHI_BENCH_GATEWAY ? "ONSHI_BENCH_GATEWAY" : "built here" },
  };
  report.gatewayOverhead.sqlite = await gatewayOverhead("sqlite", []);
  const pg = postgresSource();
  if (pg.skip) {
    report.gatewayOverhead.postgres = { skipped: pg.skip };
    say(`gateway-overhead postgres: skipped (${pg.skip})`);
  } else {
    try {
      report.gatewayOverhead.postgres = { from: pg.from, ...(await gatewayOverhead("postgres", ["--store", pg.url])) };
    } finally {
      pg.stop?.();
    }
  }
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
