// End to end, a clinic with two reception desks: two gateways (as two PCs run them) on one
// terminal share and one PostgreSQL store, each with its own reception page. A result the
// face-recognition reader drops into the shared face/ folder shows on both pages, once.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDemo, initIssuer, launchBrowser, openReception, repoRoot } from "./harness.mjs";

const DESKS = [
  { name: "desk-a", gatewayPort: 17631, wwwPort: 18101 },
  { name: "desk-b", gatewayPort: 17632, wwwPort: 18102 },
];

let root;
let share;
let browser;
const children = [];

/** Starts a child in its own process group and resolves once its output matches `ready`. */
function startChild(cmd, args, ready, what) {
  const child = spawn(cmd, args, { cwd: repoRoot, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in time:\n${output}`)), 60_000);
    const onData = (chunk) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited early (${code}):\n${output}`));
    });
  });
}

before(async () => {
  buildDemo();
  root = mkdtempSync(join(tmpdir(), "onshi-e2e-desks-"));
  share = join(root, "terminal");
  for (const sub of ["req", "res", "face"]) mkdirSync(join(share, sub), { recursive: true });
  // One throwaway PostgreSQL cluster, stopped with this test process.
  const store = execFileSync(
    "bash",
    ["scripts/postgres.sh", "start", "--stop-with", String(process.pid)],
    { cwd: repoRoot, encoding: "utf8" },
  ).trim();
  // One EMR for the clinic: its issuer key signs the desks' credentials (受付 on both
  // pages), and both gateways trust it.
  const issuerDir = join(root, "emr-issuer");
  const trustKeys = initIssuer(issuerDir);
  for (const desk of DESKS) {
    const gateway = `http://127.0.0.1:${desk.gatewayPort}`;
    await startChild(
      join(repoRoot, "target/release/onshi-gateway"),
      [
        "serve",
        "--terminal-dir", share,
        "--institution-code", "1319999999",
        "--data-dir", join(root, desk.name),
        "--store", store,
        "--listen", `127.0.0.1:${desk.gatewayPort}`,
        "--allow-origin", `http://127.0.0.1:${desk.wwwPort}`,
        "--trust-keys", trustKeys,
      ],
      /onshi-gateway listening on/,
      `the ${desk.name} gateway`,
    );
    await startChild(
      "node",
      ["scripts/serve-www.mjs", "--port", String(desk.wwwPort), "--dir", "dist", "--gateway", gateway, "--keys", issuerDir],
      /http:\/\/127\.0\.0\.1:\d+/,
      `the ${desk.name} page server`,
    );
    desk.pageUrl = `http://127.0.0.1:${desk.wwwPort}/`;
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const child of children) {
    child.removeAllListeners("exit");
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (root) rmSync(root, { recursive: true, force: true });
});

test("a face result dropped into the shared face/ shows on both desks' pages, once", async () => {
  const pages = [];
  for (const desk of DESKS) {
    const { page, problems } = await openReception(browser, desk.pageUrl);
    await page.locator(".onshi-conn--open").waitFor({ timeout: 20_000 });
    pages.push({ page, problems });
  }
  const counts = await Promise.all(pages.map(({ page }) => page.locator(".onshi-queue__item").count()));

  execFileSync(join(repoRoot, "target/release/onshi-sim"), ["face", "--dir", share, "--count", "1"]);

  // Generous: two gateways, a database and a browser share a loaded 2-core machine.
  for (const [i, { page }] of pages.entries()) {
    await page.waitForFunction((n) => document.querySelectorAll(".onshi-queue__item").length > n, counts[i], {
      timeout: 20_000,
    });
  }
  // Once on each page, and the same patient on both.
  const texts = await Promise.all(pages.map(({ page }) => page.locator(".onshi-queue__item").first().textContent()));
  assert.equal(texts[0], texts[1]);
  for (const [i, { page, problems }] of pages.entries()) {
    assert.equal(await page.locator(".onshi-queue__item").count(), counts[i] + 1);
    // Both desks share one store: no "several desks without a shared store" notice.
    assert.equal(await page.locator('[data-notice="desks_not_shared"]').count(), 0);
    assert.deepEqual(problems, []);
  }
  // Exactly one desk took the file out of face/ (into its own archive), after storing it.
  const deadline = Date.now() + 20_000;
  while (execFileSync("ls", ["-A", join(share, "face")], { encoding: "utf8" }).trim() !== "") {
    assert.ok(Date.now() < deadline, "the face file was taken out of face/");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});
