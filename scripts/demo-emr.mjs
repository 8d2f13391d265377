#!/usr/bin/env node
// The demo EMR's server side of caller identity: a real EMR's server signs a short-lived
// ES256 credential (compact JWS) for its logged-in user, and the clinic's gateway trusts
// the EMR's public key (`onshi-gateway serve --trust-keys FILE`). The demo plays that
// server with a P-256 issuer key it makes once and keeps in the demo's data folder, and a
// handful of synthetic users. A production EMR signs on its server, never in the browser.
//
// usage: node scripts/demo-emr.mjs init DIR   makes (or reuses) DIR/issuer-key.pem and
//                                             writes DIR/trust-keys.json; prints its path
//        node scripts/demo-emr.mjs private-jwk DIR   the same, then prints the private key as a
//                                             JWK with its kid (for tests that sign in a browser)
//        node scripts/demo-emr.mjs users      lists the demo users
// Library: loadIssuer(dir), signCredential(issuer, user, options), DEMO_USERS, findUser(id).

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import {
  chmodSync,
  closeSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The gateway's audience unless `--audience` says otherwise (onshi_core::credential). */
export const DEFAULT_AUDIENCE = "onshi-gateway";
/** The simulator's institution code (医療機関コード). */
export const DEFAULT_FACILITY_CODE = "1319999999";
/** Ten minutes: short, so the component's refresh before expiry is exercised in the demo. */
export const DEFAULT_LIFETIME_SECS = 600;

const KEY_FILE = "issuer-key.pem";
const JWKS_FILE = "trust-keys.json";

/**
 * The demo EMR's users. Synthetic names only. `id` is what the page's switcher sends;
 * the claims are what the gateway's role table reads.
 */
export const DEMO_USERS = [
  {
    id: "reception",
    name: "受付 花子",
    role: "reception",
    label_ja: "受付",
    label_en: "Reception",
  },
  {
    id: "physician",
    name: "医師 一郎",
    role: "clinician",
    licence: "physician",
    label_ja: "医師",
    label_en: "Physician",
  },
  {
    id: "dentist",
    name: "歯科 次郎",
    role: "clinician",
    licence: "dentist",
    label_ja: "歯科医師",
    label_en: "Dentist",
  },
  {
    id: "pharmacist",
    name: "薬剤 三奈",
    role: "clinician",
    licence: "pharmacist",
    label_ja: "薬剤師",
    label_en: "Pharmacist",
  },
  {
    id: "nurse",
    name: "看護 四季",
    role: "clinician",
    licence: "nurse",
    label_ja: "看護師",
    label_en: "Nurse",
  },
  {
    id: "admin",
    name: "管理 五郎",
    role: "admin",
    label_ja: "管理者",
    label_en: "Administrator",
  },
  {
    id: "kiosk",
    name: "受付キオスク 1号機",
    role: "kiosk",
    label_ja: "キオスク端末",
    label_en: "Kiosk",
  },
];

export function findUser(id) {
  return DEMO_USERS.find((user) => user.id === id) || null;
}

/** base64url without padding (RFC 7515 §2). */
export function b64url(bytes) {
  return Buffer.from(bytes).toString("base64url");
}

/** RFC 7638 JWK thumbprint of a P-256 public key: SHA-256 over the required members in order. */
export function thumbprint(jwk) {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return b64url(createHash("sha256").update(canonical).digest());
}

/** Makes `dir` (0700) if needed and tightens it if it is group- or world-accessible. */
function ensurePrivateDir(dir) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const info = lstatSync(dir);
  if (!info.isDirectory()) throw new Error(`${dir} is not a directory`);
  if ((info.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/**
 * Writes `data` to `path` with `mode` without ever replacing an existing file: a temp file
 * linked into place. Returns false when the file already existed (another start won).
 */
function createExclusive(path, data, mode) {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const fd = openSync(tmp, "wx", mode);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (error) {
    if (error.code === "EEXIST") return false;
    throw error;
  } finally {
    unlinkSync(tmp);
  }
}

/** Replaces `path` atomically (temp file, then rename). */
function writeReplacing(path, data, mode) {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const fd = openSync(tmp, "wx", mode);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * The demo issuer in `dir`: its private key (made at the first start, mode 0600, reused
 * later) and the public JWK Set the gateway is given with `--trust-keys` (rewritten from the
 * private key on every start, so the two always match).
 */
export function loadIssuer(dir) {
  const folder = resolve(dir);
  ensurePrivateDir(folder);
  const keyPath = join(folder, KEY_FILE);
  let pem;
  try {
    pem = readFileSync(keyPath, "utf8");
  } catch (error) {
    if (error.code !== "ENOENT") throw error;
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    createExclusive(keyPath, privateKey.export({ type: "pkcs8", format: "pem" }), 0o600);
    pem = readFileSync(keyPath, "utf8");
  }
  if ((lstatSync(keyPath).mode & 0o077) !== 0) chmodSync(keyPath, 0o600);
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== "ec" || privateKey.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new Error(`${keyPath} is not a P-256 private key`);
  }
  const full = createPublicKey(privateKey).export({ format: "jwk" });
  const publicJwk = { kty: "EC", crv: "P-256", x: full.x, y: full.y };
  const kid = thumbprint(publicJwk);
  const jwks = { keys: [{ ...publicJwk, kid, alg: "ES256", use: "sig" }] };
  const jwksPath = join(folder, JWKS_FILE);
  writeReplacing(jwksPath, `${JSON.stringify(jwks, null, 2)}\n`, 0o600);
  return { dir: folder, keyPath, jwksPath, kid, privateKey, jwks };
}

/** The claims the gateway reads (onshi_core::credential), for `user` at Unix time `now`. */
export function claimsFor(user, { now, lifetimeSecs, audience, facilityCode }) {
  const claims = {
    sub: `demo-${user.id}`,
    name: user.name,
    role: user.role,
    facility_type: user.facility_type || "medical_institution",
    facility_code: user.facility_code || facilityCode,
    aud: audience,
    iat: now,
    exp: now + lifetimeSecs,
    jti: randomBytes(12).toString("base64url"),
  };
  if (user.licence) claims.licence = user.licence;
  return claims;
}

/** An ES256 compact JWS over `claims`: header {alg, typ, kid}, signature r‖s (64 bytes). */
export function signJws(issuer, claims) {
  const header = { alg: "ES256", typ: "JWT", kid: issuer.kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign("sha256", Buffer.from(input), { key: issuer.privateKey, dsaEncoding: "ieee-p1363" });
  return `${input}.${b64url(signature)}`;
}

/** What `GET /demo/credential?user=<id>` answers: `{token, exp, user}`. */
export function signCredential(issuer, user, options = {}) {
  const claims = claimsFor(user, {
    now: options.now ?? Math.floor(Date.now() / 1000),
    lifetimeSecs: options.lifetimeSecs ?? DEFAULT_LIFETIME_SECS,
    audience: options.audience ?? DEFAULT_AUDIENCE,
    facilityCode: options.facilityCode ?? DEFAULT_FACILITY_CODE,
  });
  return {
    token: signJws(issuer, claims),
    exp: claims.exp,
    user: {
      id: user.id,
      sub: claims.sub,
      name: claims.name,
      role: claims.role,
      ...(claims.licence ? { licence: claims.licence } : {}),
      facility_type: claims.facility_type,
      facility_code: claims.facility_code,
      label_ja: user.label_ja,
      label_en: user.label_en,
    },
  };
}

function describeUser(user) {
  const what = [user.role, user.licence].filter(Boolean).join("/");
  return `${user.id.padEnd(11)} ${user.label_ja}（${user.name}） ${user.label_en}: ${what}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, dir] = process.argv.slice(2);
  if (command === "init" && dir) {
    const issuer = loadIssuer(dir);
    console.log(issuer.jwksPath);
  } else if (command === "private-jwk" && dir) {
    const issuer = loadIssuer(dir);
    console.log(JSON.stringify({ ...issuer.privateKey.export({ format: "jwk" }), kid: issuer.kid }));
  } else if (command === "users") {
    for (const user of DEMO_USERS) console.log(describeUser(user));
  } else {
    console.error("usage: node scripts/demo-emr.mjs init DIR | private-jwk DIR | users");
    process.exit(2);
  }
}
