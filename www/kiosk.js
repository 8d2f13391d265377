import { setupSimControls } from "./sim-controls.js";

// Demo kiosk page: the clinic's patient kiosk signs in as the demo user `kiosk` (the demo
// EMR's server signs its credential, GET /demo/credential?user=kiosk) and shows
// <onshi-kiosk> full screen. `?lang=` (ja, en, zh-Hans, ko, vi) and `?categories=`
// (e.g. medications,checkups,diagnoses) are passed on as the element's attributes.

const host = document.getElementById("onshi-kiosk");
const params = new URLSearchParams(window.location.search);
const USER = "kiosk";

async function loadGateway() {
  let gateway = params.get("gateway");
  if (!gateway) {
    try {
      const response = await fetch("onshi-config.json");
      if (response.ok) gateway = (await response.json()).gateway;
    } catch {
      /* served elsewhere: fall back to the default gateway */
    }
  }
  return gateway || "http://127.0.0.1:7611";
}

let current = null;
let pending = null;

async function fetchCredential() {
  const response = await fetch(`/demo/credential?user=${USER}`, { cache: "no-store" });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.token !== "string") {
    const message = (body.error && body.error.message) || `HTTP ${response.status}`;
    throw new Error(`the demo EMR gave no credential for ${USER}: ${message}`);
  }
  current = { token: body.token, exp: body.exp };
  return body.token;
}

/** A fresh credential, sharing a fetch already in flight. */
function credential() {
  if (pending) return pending;
  pending = fetchCredential().finally(() => {
    pending = null;
  });
  return pending;
}

/** The credential for the simulator controls, reused while it is fresh. */
async function simCredential() {
  if (current && current.exp - 30 > Date.now() / 1000) return current.token;
  return credential();
}

loadGateway().then(async (gateway) => {
  host.setAttribute("gateway", gateway);
  for (const key of ["lang", "categories"]) {
    const value = params.get(key);
    if (value) host.setAttribute(key, value);
  }
  host.credential = credential;
  await import("../pkg/kiosk/onshi-kiosk.js");
  document.getElementById("kiosk-loading")?.remove();
  setupSimControls(gateway, "ja", simCredential);
});
