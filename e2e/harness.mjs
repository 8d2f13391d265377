// Shared plumbing of the end-to-end tests: start the demo exactly as the README does
// (scripts/demo.sh, on ports of its own), and drive Debian's Chromium with playwright-core.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createPublicKey, verify } from "node:crypto";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Builds what the demo runs (scripts/build.sh), for tests that start their own servers. */
export function buildDemo() {
  execFileSync("bash", ["scripts/build.sh"], { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });
}

/** Starts scripts/demo.sh and resolves once it prints the page URL. */
export async function startDemo({ gatewayPort = 17611, wwwPort = 18080, timeoutMs = 600_000, env = {} } = {}) {
  const demoDir = mkdtempSync(join(tmpdir(), "onshi-e2e-"));
  const child = spawn("bash", ["scripts/demo.sh"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ONSHI_GATEWAY_PORT: String(gatewayPort),
      ONSHI_WWW_PORT: String(wwwPort),
      ONSHI_DEMO_DIR: demoDir,
      ONSHI_SKIP_SETUP: "1",
      ONSHI_SIM_FACE_EVERY_SECS: "0",
      ...env,
    },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  // A demo that failed to start must not outlive the test (it would hold the ports).
  const killGroup = () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  };
  const pageUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup();
      reject(new Error(`demo did not start in time:\n${output}`));
    }, timeoutMs);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = output.match(/open (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited early (${code}):\n${output}`));
    });
  });
  const stop = async () => {
    child.removeAllListeners("exit");
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    rmSync(demoDir, { recursive: true, force: true });
  };
  return { pageUrl, gatewayUrl: `http://127.0.0.1:${gatewayPort}`, demoDir, stop, output: () => output };
}

/** Makes (or reuses) a demo EMR issuer key in `dir`; returns the JWK Set path for --trust-keys. */
export function initIssuer(dir) {
  return execFileSync("node", ["scripts/demo-emr.mjs", "init", dir], { cwd: repoRoot, encoding: "utf8" }).trim();
}

/** The demo EMR's credential for `user`, as its page gets it: `{token, exp, user}`. */
export async function demoCredential(pageUrl, user, headers = {}) {
  const response = await fetch(new URL(`/demo/credential?user=${encodeURIComponent(user)}`, pageUrl), { headers });
  return { response, body: await response.json() };
}

/** The claims of a compact JWS, after checking its ES256 signature against the JWK Set file. */
export function verifiedClaims(token, jwksPath) {
  const [h, p, s] = token.split(".");
  const header = JSON.parse(Buffer.from(h, "base64url"));
  const { keys } = JSON.parse(readFileSync(jwksPath, "utf8"));
  const jwk = keys.find((key) => key.kid === header.kid);
  if (!jwk) throw new Error(`no trusted key ${header.kid}`);
  const key = createPublicKey({ key: jwk, format: "jwk" });
  const ok = verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url"));
  if (!ok) throw new Error("bad signature");
  return { header, claims: JSON.parse(Buffer.from(p, "base64url")) };
}

/** The simulator's curated sample patients, as the demo prints them. */
export function samplePatients() {
  const json = execFileSync(join(repoRoot, "target/release/onshi-sim"), ["patients", "--json"], { encoding: "utf8" });
  return JSON.parse(json);
}

/**
 * Opens the demo's reception page once the component's form is there, recording every CSP
 * violation and page error in `problems` (tests assert it stays empty).
 */
export async function openReception(browser, pageUrl) {
  const { page, problems } = await openDemoPage(browser, pageUrl);
  await page.locator("form.onshi-form").waitFor({ timeout: 20_000 });
  return { page, problems };
}

/**
 * Opens a demo page (`?user=` picks who is signed in) once the component mounted, recording
 * CSP violations and page errors in `problems`.
 */
export async function openDemoPage(browser, pageUrl) {
  const page = await browser.newPage();
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  page.on("pageerror", (error) => problems.push(String(error)));
  await page.goto(pageUrl);
  await page.waitForFunction(() => document.querySelector("#onshi-host")?.dataset.user !== undefined, null, {
    timeout: 20_000,
  });
  return { page, problems };
}

/** Debian's Chromium, headless; playwright-core gives it a fresh profile each launch. */
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return browser;
}
