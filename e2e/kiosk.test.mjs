// End to end, the patient kiosk (www/kiosk.html, <onshi-kiosk>) against the demo as the
// README starts it, with a virtual My Number Card on the virtual reader:
// - Japanese, by keyboard alone, through every screen to the recorded consent;
// - English, Simplified Chinese, Korean and Vietnamese at least to the summary;
// - axe-core finds no violations on any screen in any language, under the page's strict
//   CSP (axe is served same-origin through a route, so `script-src 'self'` holds).
//
// Needs the gateway's consent routes (POST/GET/DELETE /v1/consents).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startDemo, launchBrowser, demoCredential, repoRoot } from "./harness.mjs";

const AXE_SOURCE = readFileSync(join(repoRoot, "node_modules", "axe-core", "axe.min.js"), "utf8");
const AXE_PATH = "/__e2e/axe.min.js";
const LANGS = ["ja", "en", "zh-Hans", "ko", "vi"];

let demo;
let browser;

before(async () => {
  demo = await startDemo({ gatewayPort: 17641, wwwPort: 18110 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

/** The gateway's simulator routes, as the kiosk user. */
async function sim(method, path) {
  const { body } = await demoCredential(demo.pageUrl, "kiosk");
  const response = await fetch(`${demo.gatewayUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${body.token}`,
      origin: new URL(demo.pageUrl).origin,
      ...(method === "GET" ? {} : { "content-type": "application/json" }),
    },
    body: method === "GET" ? undefined : "{}",
  });
  const json = await response.json().catch(() => ({}));
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function normalCard() {
  const { cards } = await sim("GET", "/v1/sim/cards");
  const card = cards.find((c) => c.variant === "normal" && c.tries_left >= 3);
  assert.ok(card, "the simulator has a normal card");
  return card;
}

async function openKiosk(lang) {
  // No card left on the reader by an earlier test.
  await sim("POST", "/v1/sim/cards/remove").catch(() => {});
  const page = await browser.newPage();
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  page.on("pageerror", (error) => problems.push(String(error)));
  // axe-core from node_modules, served as if it were the page's own script.
  await page.route(`**${AXE_PATH}`, (route) =>
    route.fulfill({ status: 200, contentType: "text/javascript; charset=utf-8", body: AXE_SOURCE }),
  );
  await page.goto(new URL(`kiosk.html?lang=${encodeURIComponent(lang)}`, demo.pageUrl).href);
  await page.locator(".onshi-kiosk[data-screen=start]").waitFor({ timeout: 20_000 });
  await page.addScriptTag({ url: AXE_PATH });
  return { page, problems };
}

/**
 * Takes the kiosk out of the page before closing it: the component unmounts and cancels
 * the card session it keeps waiting for the next patient (the reader is free for the next
 * test, as when a kiosk page is closed the ordinary way).
 */
async function closeKiosk(page) {
  await page.evaluate(() => document.querySelector("onshi-kiosk")?.remove()).catch(() => {});
  await page.waitForTimeout(1_000);
  await page.close();
}

/** axe-core on the whole page: no violations, whatever their impact. */
async function assertAccessible(page, where) {
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  });
  assert.deepEqual(violations, [], `axe at ${where}`);
}

/** Every text run of the kiosk sits under an element whose lang is `lang` (language buttons: their own). */
async function assertLang(page, lang, where) {
  const wrong = await page.evaluate((lang) => {
    const root = document.querySelector(".onshi-kiosk");
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const bad = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.data.trim()) continue;
      const owner = node.parentElement.closest("[lang]");
      const button = node.parentElement.closest(".onshi-kiosk__lang");
      const expected = button ? button.dataset.lang : lang;
      if (!owner || owner.getAttribute("lang") !== expected) bad.push(node.data.trim());
    }
    return bad;
  }, lang);
  assert.deepEqual(wrong, [], `lang at ${where}`);
}

async function screen(page) {
  return page.locator(".onshi-kiosk").getAttribute("data-screen");
}

async function waitScreen(page, names, timeout = 20_000) {
  try {
    await page.waitForFunction(
      (names) => names.includes(document.querySelector(".onshi-kiosk")?.dataset.screen),
      names,
      { timeout },
    );
  } catch (error) {
    const text = await page.locator(".onshi-kiosk").textContent().catch(() => "?");
    throw new Error(`waited for ${names.join("|")}, at ${await screen(page)}: ${text}`, { cause: error });
  }
  return screen(page);
}

/** Tab (at most 60 times) until `selector` has the focus, then press Enter: keyboard only. */
async function pressByKeyboard(page, selector) {
  const visited = [];
  for (let i = 0; i < 60; i += 1) {
    const [focused, what] = await page.evaluate((selector) => {
      const active = document.activeElement;
      const name = active ? `${active.tagName.toLowerCase()}${active.dataset?.action ? `[${active.dataset.action}]` : ""}` : "none";
      return [active?.matches(selector) ?? false, name];
    }, selector);
    if (focused) {
      await page.keyboard.press("Enter");
      return;
    }
    visited.push(what);
    await page.keyboard.press("Tab");
  }
  assert.fail(`the keyboard never reached ${selector} on ${await screen(page)} (focus went: ${[...new Set(visited)].join(", ")})`);
}

async function check(page, lang, where) {
  await assertLang(page, lang, `${lang} ${where}`);
  await assertAccessible(page, `${lang} ${where}`);
}

/** From the start screen to the summary, checking every screen; returns the card used. */
async function toSummary(page, lang) {
  await check(page, lang, "start");
  const card = await normalCard();
  await sim("POST", `/v1/sim/cards/${encodeURIComponent(card.id)}/insert`);
  await waitScreen(page, ["pin"]);
  await check(page, lang, "pin");
  // The pad has the focus: type the PIN and send it with Enter.
  await page.keyboard.type(card.pin);
  await page.keyboard.press("Enter");
  let now = await waitScreen(page, ["overview", "question"], 30_000);
  if (now === "overview") {
    // While it asks for consents on record; with none it goes on to the questions itself.
    await page.waitForFunction(() => !document.querySelector(".onshi-kiosk__overview [role=status]"), null, {
      timeout: 10_000,
    });
    now = await screen(page);
  }
  if (now === "overview") {
    await check(page, lang, "overview");
    await pressByKeyboard(page, "[data-action=next]");
    now = await waitScreen(page, ["question"]);
  }
  let answered = 0;
  while ((await screen(page)) === "question") {
    const question = await page.locator("[data-question]").getAttribute("data-question");
    await check(page, lang, `question ${question}`);
    await pressByKeyboard(page, answered % 2 === 0 ? "[data-answer=yes]" : "[data-answer=no]");
    answered += 1;
    await page.waitForFunction(
      (q) => document.querySelector("[data-question]")?.dataset.question !== q,
      question,
      { timeout: 5_000 },
    );
  }
  assert.equal(await screen(page), "summary");
  assert.ok(answered >= 4, `${answered} questions (two categories and two sharing questions)`);
  await check(page, lang, "summary");
  return card;
}

test("the kiosk in Japanese, by keyboard alone, records a verified consent", async (t) => {
  const { page, problems } = await openKiosk("ja");
  t.after(() => (page.isClosed() ? undefined : closeKiosk(page)));
  await toSummary(page, "ja");
  await pressByKeyboard(page, "[data-action=record]");
  // The summary stays while the consent is recorded and its receipt checked: wait for
  // "done", or for the summary to say that it was not recorded.
  await page.waitForFunction(
    () =>
      document.querySelector(".onshi-kiosk")?.dataset.screen === "done" ||
      document.querySelector(".onshi-kiosk__error[role=alert]"),
    null,
    { timeout: 30_000 },
  );
  const outcome = await screen(page);
  if (outcome !== "done") await check(page, "ja", "summary after a failed recording");
  assert.equal(outcome, "done", "recorded (the gateway's /v1/consents answered with a receipt that verifies)");
  assert.match(await page.locator(".onshi-kiosk").textContent(), /まで見られます/);
  await check(page, "ja", "done");
  await pressByKeyboard(page, "[data-action=finish]");
  await waitScreen(page, ["start"]);
  assert.equal(await page.locator("[data-until], [data-question]").count(), 0, "nothing of the patient left");
  await sim("POST", "/v1/sim/cards/remove");
  assert.deepEqual(problems, []);
  await closeKiosk(page);
});

for (const lang of LANGS.slice(1)) {
  test(`the kiosk in ${lang} reaches the summary, accessible on every screen`, async (t) => {
    const { page, problems } = await openKiosk(lang);
    t.after(() => (page.isClosed() ? undefined : closeKiosk(page)));
    await toSummary(page, lang);
    await pressByKeyboard(page, "[data-action=finish]");
    await waitScreen(page, ["start"], 15_000);
    await sim("POST", "/v1/sim/cards/remove");
    await check(page, lang, "start again");
    assert.deepEqual(problems, []);
    await closeKiosk(page);
  });
}
