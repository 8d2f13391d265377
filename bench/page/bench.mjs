// Runs in headless Chromium (driven by bench/run.mjs). Yew vs vanilla-JS render of the
// same reception-queue rows, and p256 (wasm) vs WebCrypto ECDSA P-256 verify.
import init, * as wasm from "/.web/onshi_bench_wasm.js";

const stage = document.getElementById("stage");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

function freshHost() {
  const host = document.createElement("div");
  stage.append(host);
  return host;
}

// Rows in the DOM. Yew renders in its scheduler's microtask, unless the scheduler is still
// parked on a setTimeout from earlier work (it yields to the browser every ~16 ms): then
// wait on macrotasks too, and count it (a real user would wait as long).
let macrotaskWaits = 0;
async function untilRows(host, n) {
  const done = () => host.firstElementChild?.childElementCount === n;
  for (let i = 0; i < 1000; i++) {
    if (done()) return;
    await null;
  }
  macrotaskWaits++;
  const t0 = performance.now();
  while (performance.now() - t0 < 10000) {
    if (done()) return;
    await pause(0);
  }
  throw new Error(`rows never appeared (${host.firstElementChild?.childElementCount ?? 0}/${n})`);
}

// Forces style + layout of the whole list.
function layout(host) {
  const ul = host.firstElementChild;
  return host.getBoundingClientRect().height + ul.lastElementChild.offsetTop;
}

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

// The same markup as QueueRows (bench/wasm/src/lib.rs) = QueuePanel's entries.
function vanillaRender(host, rows, onOpen) {
  const ul = el("ul", "onshi-queue__list");
  ul.addEventListener("click", (e) => {
    const button = e.target.closest("button[data-event-id]");
    if (button) onOpen(Number(button.dataset.eventId));
  });
  for (const r of rows) {
    const li = el("li", "onshi-queue__item");
    const time = el("span", "onshi-queue__time", r.time);
    if (r.error !== undefined) {
      const div = el("div", "onshi-queue__entry onshi-queue__entry--error");
      div.setAttribute("data-event-id", r.id);
      div.append(time, el("span", "onshi-queue__error-text", r.error));
      li.append(div);
    } else {
      const button = el("button", r.confirmed ? "onshi-queue__entry" : "onshi-queue__entry onshi-queue__entry--new");
      button.type = "button";
      button.setAttribute("data-event-id", r.id);
      const line1 = el("span", "onshi-queue__line");
      line1.append(time, el("span", "onshi-queue__name", r.name));
      if (r.kana !== undefined) {
        const kana = el("span", "onshi-queue__kana", r.kana);
        kana.lang = "ja";
        line1.append(kana);
      }
      const line2 = el("span", "onshi-queue__line");
      line2.append(el("span", `onshi-queue__validity ${r.badgeClass}`, r.badgeText));
      if (r.methodKey !== undefined) {
        const method = el("span", "onshi-queue__method");
        method.setAttribute("data-verification", r.methodKey);
        method.append(el("span", "onshi-visually-hidden", `${r.methodLabel}: `), r.methodText);
        line2.append(method);
      }
      line2.append(el("span", r.confirmed ? "onshi-queue__state onshi-queue__state--done" : "onshi-queue__state", r.stateText));
      const consents = el("span", "onshi-queue__consents");
      for (const c of r.consents) {
        const badge = el("span", c.given ? "onshi-consent onshi-consent--given" : "onshi-consent onshi-consent--none", c.text);
        badge.setAttribute("data-given", String(c.given));
        consents.append(badge);
      }
      button.append(line1, line2, consents);
      li.append(button);
    }
    ul.append(li);
  }
  host.append(ul);
}

// Attribute order, class token order, text-node splitting and empty text nodes aside.
function canon(node) {
  if (node.nodeType === Node.TEXT_NODE) return node.data;
  const attrs = [...node.attributes]
    .map((a) => [a.name, a.name === "class" ? a.value.split(/\s+/).filter(Boolean).sort().join(" ") : a.value])
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}="${v}"`)
    .join(" ");
  let inner = "";
  for (const child of node.childNodes) inner += canon(child);
  return `<${node.localName}${attrs ? " " + attrs : ""}>${inner}</${node.localName}>`;
}

async function yewOnce(n) {
  const host = freshHost();
  const t0 = performance.now();
  const handle = wasm.yew_render(host);
  await untilRows(host, n);
  const dom = performance.now() - t0;
  layout(host);
  const ms = performance.now() - t0;
  handle.destroy();
  host.remove();
  return [ms, dom];
}

async function vanillaOnce(n, rows) {
  const host = freshHost();
  const t0 = performance.now();
  vanillaRender(host, rows, () => {});
  await untilRows(host, n);
  const dom = performance.now() - t0;
  layout(host);
  const ms = performance.now() - t0;
  host.remove();
  return [ms, dom];
}

async function render({ n, pairs, warmup }) {
  wasm.prepare(n);
  const rows = wasm.vanilla_rows();

  // Same rows? Compare the two DOMs once, untimed.
  const a = freshHost();
  const handle = wasm.yew_render(a);
  await untilRows(a, n);
  const b = freshHost();
  vanillaRender(b, rows, () => {});
  const ca = canon(a.firstElementChild);
  const cb = canon(b.firstElementChild);
  let firstDifference = null;
  if (ca !== cb) {
    let i = 0;
    while (i < ca.length && ca[i] === cb[i]) i++;
    firstDifference = { yew: ca.slice(Math.max(0, i - 80), i + 80), vanilla: cb.slice(Math.max(0, i - 80), i + 80) };
  }
  const elements = a.getElementsByTagName("*").length;
  handle.destroy();
  a.remove();
  b.remove();

  // Per run: [render call → rows laid out, render call → rows in the DOM (before layout)].
  macrotaskWaits = 0;
  const yew = [];
  const vanilla = [];
  const yewDom = [];
  const vanillaDom = [];
  for (let i = 0; i < warmup + pairs; i++) {
    await pause(30);
    let y;
    let v;
    if (i % 2 === 0) {
      y = await yewOnce(n);
      await pause(30);
      v = await vanillaOnce(n, rows);
    } else {
      v = await vanillaOnce(n, rows);
      await pause(30);
      y = await yewOnce(n);
    }
    if (i >= warmup) {
      yew.push(y[0]);
      vanilla.push(v[0]);
      yewDom.push(y[1]);
      vanillaDom.push(v[1]);
    }
  }
  return {
    n, pairs, elements, macrotaskWaits, identicalMarkup: ca === cb, firstDifference, yew, vanilla, yewDom, vanillaDom,
    yewMedian: median(yew), vanillaMedian: median(vanilla), yewDomMedian: median(yewDom), vanillaDomMedian: median(vanillaDom),
  };
}

async function crypto_({ batch, pairs, warmup }) {
  const fx = wasm.p256_fixture();
  const alg = { name: "ECDSA", hash: "SHA-256" };
  const key = await crypto.subtle.importKey("raw", fx.publicKey, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);

  // Both accept the signature and both refuse a tampered one.
  const bad = fx.signature.slice();
  bad[10] ^= 1;
  const badMessage = fx.message.slice();
  badMessage[100] ^= 1;
  const checks = {
    p256Accepts: wasm.p256_verify(1) === 1,
    webcryptoAccepts: await crypto.subtle.verify(alg, key, fx.signature, fx.message),
    p256RefusesTampered: !wasm.p256_verify_bytes(fx.message, bad) && !wasm.p256_verify_bytes(badMessage, fx.signature),
    webcryptoRefusesTampered:
      !(await crypto.subtle.verify(alg, key, bad, fx.message)) && !(await crypto.subtle.verify(alg, key, fx.signature, badMessage)),
  };

  const p256 = [];
  const webcrypto = [];
  const p256Batch = () => {
    const t0 = performance.now();
    const ok = wasm.p256_verify(batch);
    const ms = performance.now() - t0;
    if (ok !== batch) throw new Error("p256 verify failed");
    return ms / batch;
  };
  const webcryptoBatch = async () => {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) {
      if (!(await crypto.subtle.verify(alg, key, fx.signature, fx.message))) throw new Error("WebCrypto verify failed");
    }
    return (performance.now() - t0) / batch;
  };
  for (let i = 0; i < warmup + pairs; i++) {
    let p;
    let w;
    if (i % 2 === 0) {
      p = p256Batch();
      w = await webcryptoBatch();
    } else {
      w = await webcryptoBatch();
      p = p256Batch();
    }
    if (i >= warmup) {
      p256.push(p);
      webcrypto.push(w);
    }
  }
  return { batch, pairs, messageBytes: fx.message.length, checks, p256, webcrypto, p256Median: median(p256), webcryptoMedian: median(webcrypto) };
}

await init();
window.onshiBench = { render, crypto: crypto_ };
window.onshiBenchReady = true;
