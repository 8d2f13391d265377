// End to end: the demo as the README starts it (gateway in --sim mode + the demo EMR page
// under its strict CSP), a receptionist confirming sample patients in real Chromium.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo, samplePatients, launchBrowser, openReception as openReceptionPage } from "./harness.mjs";

let demo;
let browser;
let patients;

before(async () => {
  demo = await startDemo();
  patients = samplePatients();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

const openReception = () => openReceptionPage(browser, demo.pageUrl);

async function fillQuery(page, patient) {
  const form = page.locator("form.onshi-form");
  await form.locator('[name="insurer_number"]').fill(patient.insurer_number);
  await form.locator('[name="symbol"]').fill(patient.symbol);
  await form.locator('[name="number"]').fill(patient.number);
  await form.locator('[name="branch"]').fill(patient.branch);
  await form.locator('[name="birthdate"]').fill(patient.birthdate);
}

function pick(expected) {
  const patient = patients.find((p) => p.expected === expected);
  assert.ok(patient, `the simulator has a sample patient expected to be ${expected}`);
  return patient;
}

test("a valid patient is confirmed, shown, and imported by the host page", async () => {
  const patient = pick("valid");
  const { page, problems } = await openReception();
  await fillQuery(page, patient);
  await page.locator("form.onshi-form").locator('button[type="submit"]').click();

  const card = page.locator(".onshi-result");
  await card.waitFor({ timeout: 20_000 });
  await assert.doesNotReject(card.getByText(patient.name, { exact: false }).first().waitFor());
  assert.match(await card.innerText(), /有効/);

  // The host page imported the event's structured data into its own panel.
  const imported = page.locator('#import-fields [data-import="name"]');
  await page.waitForFunction(() => document.querySelector('#import-fields [data-import="name"]').textContent.trim() !== "");
  assert.equal((await imported.textContent()).trim(), patient.name);
  assert.equal((await page.locator('#import-fields [data-import="status"]').textContent()).trim(), "valid");
  assert.equal((await page.locator('#import-fields [data-import="birthdate"]').textContent()).trim(), patient.birthdate);
  const raw = JSON.parse(await page.locator("#import-raw").textContent());
  assert.equal(raw.answer.status, "valid");
  assert.equal(raw.query.number, patient.number);

  assert.deepEqual(problems, [], "no CSP violations or page errors");
  await page.close();
});

test("a patient unknown to the system is reported as not found, and the form keeps the input", async () => {
  const patient = pick("not_found");
  const { page, problems } = await openReception();
  await fillQuery(page, patient);
  await page.locator("form.onshi-form").locator('button[type="submit"]').click();
  await page.getByText("該当資格なし").first().waitFor({ timeout: 20_000 });
  assert.equal(await page.locator('form.onshi-form [name="number"]').inputValue(), patient.number);
  assert.deepEqual(problems, []);
  await page.close();
});
