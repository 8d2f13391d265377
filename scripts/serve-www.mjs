#!/usr/bin/env node
// Serves the built demo pages (dist/) on loopback under the strict CSP the component must
// live with: no inline script or style, wasm compiled only with 'wasm-unsafe-eval', and
// network access only to the page itself and the local gateway.
//
// It also plays the EMR's server for caller identity (scripts/demo-emr.mjs): with
// `--keys DIR` it signs short-lived credentials for the demo users with the issuer key kept
// in DIR (made at the first start) and answers `GET /demo/credential?user=<id>` with
// `{"token", "exp", "user"}`, to same-origin requests only. The gateway trusts DIR's
// trust-keys.json (`--trust-keys`). A real EMR signs on its server for its logged-in user.
//
// usage: node scripts/serve-www.mjs [--port 8080] [--dir dist] [--gateway http://127.0.0.1:7611]
//          [--keys DIR] [--audience onshi-gateway] [--facility-code 1319999999]
//          [--credential-secs 600]

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import {
  DEFAULT_AUDIENCE,
  DEFAULT_FACILITY_CODE,
  DEFAULT_LIFETIME_SECS,
  findUser,
  loadIssuer,
  signCredential,
} from "./demo-emr.mjs";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8080" },
    dir: { type: "string", default: "dist" },
    gateway: { type: "string", default: "http://127.0.0.1:7611" },
    keys: { type: "string" },
    audience: { type: "string", default: DEFAULT_AUDIENCE },
    "facility-code": { type: "string", default: DEFAULT_FACILITY_CODE },
    "credential-secs": { type: "string", default: String(DEFAULT_LIFETIME_SECS) },
  },
});

const root = resolve(values.dir);
const port = Number.parseInt(values.port, 10);
const gatewayOrigin = new URL(values.gateway).origin;
const issuer = values.keys ? loadIssuer(values.keys) : null;
const credentialOptions = {
  audience: values.audience,
  facilityCode: values["facility-code"],
  lifetimeSecs: Number.parseInt(values["credential-secs"], 10),
};
if (!/^\d{10}$/.test(credentialOptions.facilityCode)) throw new Error("--facility-code must be 10 digits");
if (!(credentialOptions.lifetimeSecs > 0 && credentialOptions.lifetimeSecs <= 12 * 3600)) {
  throw new Error("--credential-secs must be 1 to 43200");
}
// Names this server answers to: a page reached under another name (DNS rebinding) is not
// this demo EMR, even though its browser calls it same-origin.
const ownHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);

const csp = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  `connect-src 'self' ${gatewayOrigin}`,
  "style-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join("; ");

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

async function resolveFile(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const candidate = normalize(join(root, decoded));
  if (candidate !== root && !candidate.startsWith(root + sep)) return null;
  try {
    const info = await stat(candidate);
    if (info.isDirectory()) return resolveFile(join(decoded, "index.html"));
    return candidate;
  } catch {
    return null;
  }
}

const common = {
  "Content-Security-Policy": csp,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

function sendJson(res, status, body, extra = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...common,
    ...extra,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

const refuse = (res, status, code, message, extra) => sendJson(res, status, { error: { code, message } }, extra);

/**
 * `GET /demo/credential?user=<id>`: a fresh credential for a demo user, as the EMR's server
 * would hand one to its own page. Same-origin GETs only (Sec-Fetch-Site same-origin or
 * absent, Origin if sent naming this server, Host one of this server's names); never cached.
 */
function credential(req, res, url) {
  if (req.method !== "GET") {
    refuse(res, 405, "method_not_allowed", "GET only", { Allow: "GET" });
    return;
  }
  if (!ownHosts.has(req.headers.host || "")) {
    refuse(res, 403, "host_not_allowed", "not this demo EMR's host name");
    return;
  }
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin") {
    refuse(res, 403, "not_same_origin", "credentials are only given to this EMR's own pages");
    return;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`) {
    refuse(res, 403, "not_same_origin", "credentials are only given to this EMR's own pages");
    return;
  }
  if (!issuer) {
    refuse(res, 503, "no_issuer_key", "this page server was started without --keys; it signs no credentials");
    return;
  }
  const user = findUser(url.searchParams.get("user") || "");
  if (!user) {
    refuse(res, 404, "unknown_user", "no such demo user");
    return;
  }
  sendJson(res, 200, signCredential(issuer, user, credentialOptions));
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, "http://localhost");
  if (url.pathname === "/demo/credential") {
    credential(req, res, url);
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { ...common, Allow: "GET, HEAD" }).end();
    return;
  }
  const path = url.pathname;
  if (path === "/onshi-config.json") {
    // Where this demo's gateway listens, so the page needs no inline configuration.
    const body = JSON.stringify({ gateway: gatewayOrigin });
    res.writeHead(200, { ...common, "Content-Type": "application/json; charset=utf-8" });
    res.end(req.method === "HEAD" ? undefined : body);
    return;
  }
  const file = await resolveFile(path);
  if (!file) {
    res.writeHead(404, { ...common, "Content-Type": "text/plain; charset=utf-8" }).end("not found\n");
    return;
  }
  const body = await readFile(file);
  res.writeHead(200, {
    ...common,
    "Content-Type": types[extname(file)] || "application/octet-stream",
    "Content-Length": body.length,
  });
  res.end(req.method === "HEAD" ? undefined : body);
});

server.listen(port, "127.0.0.1", () => {
  console.log(`onshi demo pages: http://127.0.0.1:${port}/ (gateway ${gatewayOrigin})`);
  if (issuer) console.log(`demo EMR credentials signed with key ${issuer.kid} (trusted via ${issuer.jwksPath})`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
