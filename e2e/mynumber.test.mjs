// End to end, My Number Card paths, against the demo as the README starts it:
// - a result the face-recognition reader drops into the terminal's face/ folder shows up in an
//   open reception page within one second, and opening it imports it into the host page;
// - a virtual My Number Card put on the virtual PC/SC reader (pcscd + vpcd) is read by the
//   gateway, the PIN is entered on the component's on-screen keypad, and the result reaches the
//   page.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startDemo, samplePatients, launchBrowser, openReception as openReceptionPage, repoRoot } from "./harness.mjs";

let demo;
let browser;
let patients;

before(async () => {
  demo = await startDemo({ gatewayPort: 17621, wwwPort: 18090 });
  patients = samplePatients();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function openReception() {
  const { page, problems } = await openReceptionPage(browser, demo.pageUrl);
  // The live queue is subscribed once the connection reads as open.
  await page.locator(".onshi-conn--open").waitFor({ timeout: 10_000 });
  return { page, problems };
}

function importedText(page, field) {
  return page.locator(`#import-fields [data-import="${field}"]`).textContent();
}

test("a face-reader result dropped into face/ appears in an open page within one second", async () => {
  const { page, problems } = await openReception();
  const entries = page.locator(".onshi-queue__item");
  const before = await entries.count();

  const terminalDir = join(demo.demoDir, "gateway", "sim-terminal");
  execFileSync(join(repoRoot, "target/release/onshi-sim"), ["face", "--dir", terminalDir, "--count", "1"]);
  const dropped = Date.now();
  await page.waitForFunction((n) => document.querySelectorAll(".onshi-queue__item").length > n, before, {
    timeout: 5_000,
    polling: 20,
  });
  const elapsed = Date.now() - dropped;
  assert.ok(elapsed < 1_000, `the face result reached the page in ${elapsed} ms (limit 1000 ms)`);

  // Opening the newest entry shows the result card and hands it to the host EMR.
  await page.locator(".onshi-queue__item button").first().click();
  await page.locator(".onshi-result").waitFor({ timeout: 5_000 });
  await page.waitForFunction(() => document.querySelector("#import-raw").textContent.includes('"face"'));
  const raw = JSON.parse(await page.locator("#import-raw").textContent());
  assert.equal(raw.source, "face");
  assert.equal(raw.verification, "face_recognition");
  assert.ok((await importedText(page, "name")).trim().length > 0, "the host imported the patient's name");
  assert.deepEqual(problems, []);
  await page.close();
});

test("a virtual My Number Card on the reader is read with its PIN and the result is imported", async () => {
  const { page, problems } = await openReception();

  // The simulator panel of the demo page lists the virtual cards with their test PINs.
  const cardRow = page.locator("#sim-cards tr", { has: page.locator("button[data-card]") }).first();
  await cardRow.waitFor({ timeout: 10_000 });
  const cardId = await cardRow.locator("button[data-card]").getAttribute("data-card");
  const pin = (await cardRow.locator("td").nth(1).textContent()).trim();
  assert.match(pin, /^\d{4}$/, `virtual card ${cardId} shows a 4-digit test PIN`);

  await page.locator('button[data-action="read-card"]').click();
  await cardRow.locator("button[data-card]").click();
  await page.getByText(/カードを置きました/).waitFor({ timeout: 10_000 });

  // The PIN pad appears only after the card reported its tries left; type by keyboard.
  const pad = page.locator(".onshi-pin");
  await pad.waitFor({ timeout: 20_000 });
  assert.match(await page.locator(".onshi-cardflow").innerText(), /残り\s*\d+\s*回/);
  // Touch path: the on-screen keypad (the keyboard path is covered by the browser tests).
  for (const digit of pin) await pad.locator(`button[data-key="${digit}"]`).click();
  await page.locator('button[data-action="pin-send"]').click();

  await page.locator(".onshi-result").waitFor({ timeout: 20_000 });
  assert.match(await page.locator(".onshi-result").innerText(), /有効|無効/);
  await page.waitForFunction(() => document.querySelector("#import-raw").textContent.includes("my_number_card"));
  const raw = JSON.parse(await page.locator("#import-raw").textContent());
  assert.equal(raw.source, "my_number_card");
  assert.equal(raw.verification, "pin");
  assert.ok(!JSON.stringify(raw).includes(`"${pin}"`), "the PIN never reaches the host page");
  const person = patients.find((p) => p.name === raw.answer.results[0].person.name);
  assert.ok(person, "the card belongs to one of the simulator's sample patients");
  assert.deepEqual(problems, []);

  await page.locator("#sim-remove").click();
  await page.close();
});
