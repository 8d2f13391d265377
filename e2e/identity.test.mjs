// End to end, caller identity (issue 7), against the demo as the README starts it: the page
// server plays the EMR's server and signs ES256 credentials for its demo users; the page's
// "サインイン中 / Signed in as" switcher remounts the component as the chosen user; the
// gateway trusts the demo issuer's key (--trust-keys) and applies the role table.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import {
  demoCredential,
  launchBrowser,
  openDemoPage,
  repoRoot,
  samplePatients,
  startDemo,
  verifiedClaims,
} from "./harness.mjs";
import { DEFAULT_LIFETIME_SECS } from "../scripts/demo-emr.mjs";

// Who the switcher offers, and what the EMR's server must sign for each.
const USERS = {
  reception: { role: "reception", name: "受付 花子" },
  physician: { role: "clinician", licence: "physician" },
  dentist: { role: "clinician", licence: "dentist" },
  pharmacist: { role: "clinician", licence: "pharmacist" },
  nurse: { role: "clinician", licence: "nurse" },
  admin: { role: "admin" },
  kiosk: { role: "kiosk" },
};

// The demo's default is DEFAULT_LIFETIME_SECS (ten minutes); this suite shortens it.
const LIFETIME = 90;

let demo;
let browser;
let patients;
let jwksPath;

before(async () => {
  // Short-lived credentials, so the component's refresh before expiry happens in a test.
  demo = await startDemo({ gatewayPort: 17641, wwwPort: 18110, env: { ONSHI_DEMO_CREDENTIAL_SECS: String(LIFETIME) } });
  patients = samplePatients();
  browser = await launchBrowser();
  jwksPath = join(demo.demoDir, "emr-issuer", "trust-keys.json");
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

/** A GET to the page server with exactly these headers (fetch cannot set Host). */
function rawGet(path, headers) {
  const url = new URL(path, demo.pageUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function gatewayCall(method, path, token, body) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${demo.gatewayUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => ({})) };
}

async function tokenFor(user) {
  const { response, body } = await demoCredential(demo.pageUrl, user);
  assert.equal(response.status, 200, `a credential for ${user}`);
  return body.token;
}

function pick(expected) {
  const patient = patients.find((p) => p.expected === expected);
  assert.ok(patient, `the simulator has a sample patient expected to be ${expected}`);
  return patient;
}

async function fillQuery(page, patient) {
  const form = page.locator("form.onshi-form");
  await form.locator('[name="insurer_number"]').fill(patient.insurer_number);
  await form.locator('[name="symbol"]').fill(patient.symbol);
  await form.locator('[name="number"]').fill(patient.number);
  await form.locator('[name="branch"]').fill(patient.branch);
  await form.locator('[name="birthdate"]').fill(patient.birthdate);
}

test("the demo EMR's issuer key is private to the demo and reused; the demo lists its users", () => {
  const dir = join(demo.demoDir, "emr-issuer");
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, "issuer-key.pem")).mode & 0o777, 0o600);
  const before = JSON.parse(execFileSync("cat", [jwksPath], { encoding: "utf8" }));
  const again = execFileSync("node", ["scripts/demo-emr.mjs", "init", dir], { cwd: repoRoot, encoding: "utf8" }).trim();
  assert.equal(again, jwksPath);
  const after = JSON.parse(execFileSync("cat", [jwksPath], { encoding: "utf8" }));
  assert.deepEqual(after, before, "a second start reuses the key");
  assert.equal(after.keys.length, 1);
  assert.equal(after.keys[0].d, undefined, "the trust file holds the public key only");
  for (const id of Object.keys(USERS)) assert.match(demo.output(), new RegExp(`^${id}\\s`, "m"), `demo.sh lists ${id}`);
});

test("GET /demo/credential signs each demo user's claims with the trusted key, never cached", async () => {
  assert.equal(DEFAULT_LIFETIME_SECS, 600, "ten minutes by default, so the demo exercises the component's refresh");
  const { keys } = JSON.parse(execFileSync("cat", [jwksPath], { encoding: "utf8" }));
  for (const [id, want] of Object.entries(USERS)) {
    const { response, body } = await demoCredential(demo.pageUrl, id);
    assert.equal(response.status, 200, id);
    assert.equal(response.headers.get("cache-control"), "no-store");
    const { header, claims } = verifiedClaims(body.token, jwksPath);
    assert.deepEqual(header, { alg: "ES256", typ: "JWT", kid: keys[0].kid });
    assert.equal(claims.role, want.role, id);
    assert.equal(claims.licence, want.licence, id);
    if (want.name) assert.equal(claims.name, want.name);
    assert.equal(claims.sub, body.user.sub);
    assert.equal(claims.aud, "onshi-gateway");
    assert.equal(claims.facility_type, "medical_institution");
    assert.equal(claims.facility_code, "1319999999");
    assert.equal(claims.exp, body.exp);
    assert.equal(claims.exp - claims.iat, LIFETIME, "as demo.sh was told (ONSHI_DEMO_CREDENTIAL_SECS)");
    assert.ok(Math.abs(claims.iat - Date.now() / 1000) < 60);
    assert.ok(typeof claims.jti === "string" && claims.jti.length > 0);
    assert.equal(body.user.role, want.role);
    assert.equal(body.user.name, claims.name);
  }
});

test("GET /demo/credential answers only this EMR's own pages", async () => {
  const path = "/demo/credential?user=reception";
  const own = `127.0.0.1:${new URL(demo.pageUrl).port}`;
  assert.equal((await rawGet(path, { Host: own, "Sec-Fetch-Site": "same-origin" })).status, 200);
  for (const site of ["cross-site", "same-site", "none"]) {
    const refused = await rawGet(path, { Host: own, "Sec-Fetch-Site": site });
    assert.equal(refused.status, 403, `Sec-Fetch-Site: ${site}`);
    assert.ok(!refused.body.includes("token"));
  }
  assert.equal((await rawGet(path, { Host: own, Origin: "http://evil.example" })).status, 403);
  assert.equal((await rawGet(path, { Host: `rebound.example:${new URL(demo.pageUrl).port}` })).status, 403);
  assert.equal((await rawGet("/demo/credential?user=root", { Host: own })).status, 404);
  const post = await fetch(new URL(path, demo.pageUrl), { method: "POST" });
  assert.equal(post.status, 405);
});

test("the switcher: 受付 by default, labelled, by keyboard and by touch; it remounts the component as that user", async () => {
  const { page, problems } = await openDemoPage(browser, demo.pageUrl);
  const select = page.getByRole("combobox", { name: "サインイン中 / Signed in as" });
  assert.equal(await select.inputValue(), "reception");
  const options = await select.locator("option").evaluateAll((els) => els.map((el) => el.value));
  assert.deepEqual(options, [...Object.keys(USERS), "none"]);
  const who = page.locator("#emr-user-who");
  await who.getByText("受付 花子").waitFor({ timeout: 10_000 });
  assert.match(await who.innerText(), /受付 \/ reception/);

  // Keyboard: a focused closed <select> steps to the next user with the arrow key.
  const credentialRequests = [];
  page.on("request", (request) => {
    if (request.url().includes("/demo/credential")) credentialRequests.push(new URL(request.url()).searchParams.get("user"));
  });
  await select.focus();
  await page.keyboard.press("ArrowDown");
  await page.waitForFunction(() => document.querySelector("#onshi-host").dataset.user === "physician");
  await who.getByText("医師 一郎").waitFor({ timeout: 10_000 });
  assert.match(await who.innerText(), /医師 \/ physician/);
  assert.ok(credentialRequests.includes("physician"), "the page asked the EMR's server for the physician's credential");
  assert.match(page.url(), /[?&]user=physician/);

  // Touch / pointer: choosing from the list.
  await select.selectOption("kiosk");
  await page.waitForFunction(() => document.querySelector("#onshi-host").dataset.user === "kiosk");
  await who.getByText("キオスク / kiosk").waitFor({ timeout: 10_000 });
  await select.selectOption("none");
  await page.waitForFunction(() => document.querySelector("#onshi-host").dataset.user === "none");
  assert.match(await who.innerText(), /サインインしていない \/ not signed in/);
  assert.equal(await page.locator("#onshi-host").getAttribute("data-credential"), "none");
  // Back to reception: the reception form is there again.
  await select.selectOption("reception");
  await page.locator("form.onshi-form").waitFor({ timeout: 20_000 });
  assert.deepEqual(problems, [], "no CSP violations or page errors");
  await page.close();
});

test("as 受付, a number check carries the reception credential and is confirmed", async () => {
  const patient = pick("valid");
  const { page, problems } = await openDemoPage(browser, `${demo.pageUrl}?user=reception`);
  const sent = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && request.url().endsWith("/v1/qualifications")) sent.push(request.headers().authorization);
  });
  await page.locator("form.onshi-form").waitFor({ timeout: 20_000 });
  await fillQuery(page, patient);
  await page.locator("form.onshi-form").locator('button[type="submit"]').click();
  const card = page.locator(".onshi-result");
  await card.waitFor({ timeout: 20_000 });
  assert.match(await card.innerText(), /有効/);
  assert.equal(sent.length, 1);
  assert.match(sent[0] || "", /^Bearer /);
  const { claims } = verifiedClaims(sent[0].slice("Bearer ".length), jwksPath);
  assert.equal(claims.role, "reception");
  assert.deepEqual(problems, []);
  await page.close();
});

test("the component asks the EMR's server again before the credential expires, and uses the new one", async () => {
  const { page, problems } = await openDemoPage(browser, `${demo.pageUrl}?user=physician`);
  const fetched = [];
  page.on("response", async (response) => {
    if (response.url().includes("/demo/credential")) fetched.push((await response.json()).token);
  });
  const sent = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && request.url().endsWith("/v1/qualifications")) sent.push(request.headers().authorization);
  });
  await page.locator("form.onshi-form").waitFor({ timeout: 20_000 });
  const mountedAt = Date.now();
  // With LIFETIME s credentials the component refreshes once fewer than 60 s remain.
  const deadline = mountedAt + (LIFETIME - 60 + 20) * 1000;
  // The first credential was fetched as the page mounted; a later one is the refresh.
  const refreshed = () => fetched.filter((token) => verifiedClaims(token, jwksPath).claims.iat > mountedAt / 1000 + 5);
  while (Date.now() < deadline && refreshed().length === 0) await page.waitForTimeout(500);
  assert.ok(refreshed().length > 0, `a fresh credential was fetched before expiry (${fetched.length} fetches)`);
  const refreshedAt = verifiedClaims(refreshed()[0], jwksPath).claims.iat;
  assert.ok(refreshedAt - mountedAt / 1000 < LIFETIME - 10, "well before the first one expired");
  const newest = fetched[fetched.length - 1];
  await fillQuery(page, pick("valid"));
  await page.locator("form.onshi-form").locator('button[type="submit"]').click();
  await page.locator(".onshi-result").waitFor({ timeout: 20_000 });
  assert.equal(sent.at(-1), `Bearer ${newest}`, "the check went out with the newest credential");
  assert.deepEqual(problems, []);
  await page.close();
});

test("the simulator controls call the gateway as the signed-in user, and get nowhere signed out", async () => {
  const { page, problems } = await openDemoPage(browser, `${demo.pageUrl}?user=nurse`);
  const sent = [];
  page.on("request", (request) => {
    if (request.url().startsWith(`${demo.gatewayUrl}/v1/sim/`) && request.method() !== "OPTIONS") {
      sent.push(request.headers().authorization);
    }
  });
  await page.locator("#sim-cards button[data-card]").first().waitFor({ timeout: 10_000 });
  await page.locator("#sim-face").click();
  await page.getByText(/顔認証の結果を届けました/).waitFor({ timeout: 10_000 });
  assert.ok(sent.length >= 1);
  for (const authorization of sent) {
    assert.match(authorization || "", /^Bearer /);
    const { claims } = verifiedClaims(authorization.slice("Bearer ".length), jwksPath);
    assert.equal(claims.licence, "nurse");
  }
  await page.getByRole("combobox", { name: "サインイン中 / Signed in as" }).selectOption("none");
  await page.getByText(/仮想カードを取得できません.*HTTP 401/).waitFor({ timeout: 10_000 });
  await page.locator("#sim-face").click();
  await page.getByText(/届けられませんでした.*HTTP 401/).waitFor({ timeout: 10_000 });
  assert.deepEqual(problems, []);
  await page.close();
});

test("the gateway applies the role table to the demo users' credentials", async () => {
  const patient = pick("valid");
  const query = {
    method: "insurance_card",
    insurer_number: patient.insurer_number,
    symbol: patient.symbol,
    number: patient.number,
    branch: patient.branch,
    birthdate: patient.birthdate,
  };
  assert.equal((await gatewayCall("GET", "/v1/reception-queue")).status, 401, "no credential");
  assert.equal((await gatewayCall("GET", "/v1/reception-queue", await tokenFor("reception"))).status, 200);
  const kioskQueue = await gatewayCall("GET", "/v1/reception-queue", await tokenFor("kiosk"));
  assert.equal(kioskQueue.status, 403, "a kiosk never reads the reception queue");
  const adminCheck = await gatewayCall("POST", "/v1/qualifications", await tokenFor("admin"), query);
  assert.equal(adminCheck.status, 403, "an administrator runs no qualification");
  const physicianCheck = await gatewayCall("POST", "/v1/qualifications", await tokenFor("physician"), query);
  assert.equal(physicianCheck.status, 200, "a clinician may");
  // The sim routes take any valid credential, and none without one.
  assert.equal((await gatewayCall("GET", "/v1/sim/cards", await tokenFor("admin"))).status, 200);
  assert.equal((await gatewayCall("GET", "/v1/sim/cards")).status, 401);
});

/** Records the gateway's answers to the page on the given API paths: `[{path, status}]`. */
function recordGateway(page, paths) {
  const seen = [];
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (url.origin !== demo.gatewayUrl || response.request().method() === "OPTIONS") return;
    if (paths.some((path) => url.pathname.startsWith(path))) seen.push({ path: url.pathname, status: response.status() });
  });
  return seen;
}

test("not signed in: the component says so, and shows no form or queue", async () => {
  const { page, problems } = await openDemoPage(browser, `${demo.pageUrl}?user=none`);
  const signedOut = page.locator('#onshi-host [data-access="not_signed_in"][role="status"]');
  await signedOut.waitFor({ timeout: 20_000 });
  assert.match(await signedOut.innerText(), /サインインしていません/);
  assert.equal(await page.locator("#onshi-host form.onshi-form").count(), 0);
  assert.equal(await page.locator("#onshi-host .onshi-queue__item").count(), 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test("as the kiosk, the reception queue is refused, in words", async () => {
  // The gateway's answer to a kiosk asking for the queue.
  const refused = await gatewayCall("GET", "/v1/reception-queue", await tokenFor("kiosk"));
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, "role_not_allowed");

  const { page, problems } = await openDemoPage(browser, `${demo.pageUrl}?user=kiosk`);
  const seen = recordGateway(page, ["/v1/reception-queue", "/v1/event-tickets", "/v1/events"]);
  const panel = page.locator('#onshi-host [data-access="role_refused"]');
  await panel.waitFor({ timeout: 20_000 });
  const words = await panel.innerText();
  assert.match(words, /受付スタッフ用/);
  assert.match(words, /受付キュー/, "it says the reception queue is not for this role");
  assert.equal(await page.locator("#onshi-host .onshi-queue").count(), 0, "no queue is shown");
  await page.waitForTimeout(1_000);
  assert.ok(seen.every(({ status }) => status !== 200), `the page read no queue: ${JSON.stringify(seen)}`);
  // In English too.
  await page.goto(`${demo.pageUrl}?user=kiosk&lang=en`);
  await page.locator('#onshi-host [data-access="role_refused"]').getByText(/reception staff/).waitFor({ timeout: 20_000 });
  assert.deepEqual(problems, []);
  await page.close();
});

test("as the administrator, no qualification can be run", async () => {
  const patient = pick("valid");
  const query = {
    method: "insurance_card",
    insurer_number: patient.insurer_number,
    symbol: patient.symbol,
    number: patient.number,
    branch: patient.branch,
    birthdate: patient.birthdate,
  };
  const refused = await gatewayCall("POST", "/v1/qualifications", await tokenFor("admin"), query);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, "role_not_allowed");

  const { page, problems } = await openDemoPage(browser, `${demo.pageUrl}?user=admin`);
  const seen = recordGateway(page, ["/v1/qualifications"]);
  const panel = page.locator('#onshi-host [data-access="role_refused"]');
  await panel.waitFor({ timeout: 20_000 });
  assert.match(await panel.innerText(), /資格確認/);
  assert.equal(await page.locator("#onshi-host form.onshi-form").count(), 0, "no form is offered");
  assert.equal(await page.locator('#onshi-host button[data-action="read-card"]').count(), 0, "nor a card check");
  assert.equal(await page.locator("#onshi-host .onshi-result").count(), 0);
  assert.deepEqual(seen, [], "no qualification was sent");
  assert.deepEqual(problems, []);
  await page.close();
});
