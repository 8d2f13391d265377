#!/usr/bin/env node
// Serves the built demo pages (dist/) on loopback under the strict CSP the component must
// live with: no inline script or style, wasm compiled only with 'wasm-unsafe-eval', and
// network access only to the page itself and the local gateway.
//
// usage: node scripts/serve-www.mjs [--port 8080] [--dir dist] [--gateway http://127.0.0.1:7611]

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8080" },
    dir: { type: "string", default: "dist" },
    gateway: { type: "string", default: "http://127.0.0.1:7611" },
  },
});

const root = resolve(values.dir);
const port = Number.parseInt(values.port, 10);
const gatewayOrigin = new URL(values.gateway).origin;

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

const server = createServer(async (req, res) => {
  const common = {
    "Content-Security-Policy": csp,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
  };
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { ...common, Allow: "GET, HEAD" }).end();
    return;
  }
  const path = new URL(req.url, "http://localhost").pathname;
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
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
