import { setupSimControls } from "./sim-controls.js";

// Demo EMR reception page: mounts the onshi component and imports what it reports,
// the way a host EMR would (only through the public `mount` API and the
// `onshi:qualified` event; never through the component's internals).

const host = document.getElementById("onshi-host");
const params = new URLSearchParams(window.location.search);

// The demo server says where its gateway listens; `?gateway=` overrides it.
async function loadOptions() {
  let gateway = params.get("gateway");
  if (!gateway) {
    try {
      const response = await fetch("onshi-config.json");
      if (response.ok) gateway = (await response.json()).gateway;
    } catch {
      /* served elsewhere: fall back to the default gateway */
    }
  }
  return { gateway: gateway || "http://127.0.0.1:7611", lang: params.get("lang") === "en" ? "en" : "ja" };
}

function formatDate(yyyymmdd) {
  if (!yyyymmdd || yyyymmdd.length !== 8) return yyyymmdd || "";
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}

function formatTimestamp(ts) {
  if (!ts || ts.length < 12) return ts || "";
  return `${formatDate(ts.slice(0, 8))} ${ts.slice(8, 10)}:${ts.slice(10, 12)}`;
}

function copay(ratio) {
  const n = Number.parseInt(ratio, 10);
  return Number.isFinite(n) ? `${n / 10}割` : "";
}

function setField(name, value) {
  const el = document.querySelector(`#import-fields [data-import="${name}"]`);
  el.textContent = value || "—";
}

const SOURCES = {
  insurance_card: "保険証・資格確認書の番号 / insurance card number",
  face: "顔認証付きカードリーダー / face-recognition reader",
  my_number_card: "マイナンバーカード / My Number Card",
};
const VERIFICATIONS = { pin: "暗証番号 / PIN", visual_check: "目視 / visual check", face_recognition: "顔認証 / face" };

function importResult(detail) {
  const answer = detail.answer;
  const source = SOURCES[detail.source] || detail.source || "";
  const verification = VERIFICATIONS[detail.verification];
  setField("source", verification ? `${source}（${verification}）` : source);
  const record = (answer.results && answer.results[0]) || {};
  const person = record.person || {};
  const insurance = record.insurance || {};
  setField("status", answer.status);
  setField("name", person.name);
  setField("kana", person.name_kana);
  setField("birthdate", formatDate(person.birthdate));
  setField("insurer", [insurance.insurer_number && insurance.insurer_number.trim(), insurance.insurer_name].filter(Boolean).join(" "));
  setField("card", [insurance.symbol, insurance.number, insurance.branch].filter((v) => v).join(" ・ "));
  setField("copay", copay(insurance.partial_contribution_ratio));
  setField("checked_at", formatTimestamp(answer.checked_at));
  document.getElementById("import-empty").hidden = true;
  document.getElementById("import-fields").hidden = false;
  document.getElementById("import-raw").textContent = JSON.stringify(detail, null, 2);
}

host.addEventListener("onshi:qualified", (event) => importResult(event.detail));

// "Signed in as": the demo EMR's logged-in user. The page's own server plays the EMR's
// server and signs a short-lived credential for that user (GET /demo/credential); the
// component asks for it through its `credential` option, again before it expires and after
// the gateway answers 401 credential_expired. A real EMR's page gets it from its server
// the same way: never signed in the browser.
const userSelect = document.getElementById("emr-user");
const userWho = document.getElementById("emr-user-who");
const NOT_SIGNED_IN = "none";
const ROLE_NAMES = {
  reception: "受付 / reception",
  clinician: "臨床 / clinician",
  kiosk: "キオスク / kiosk",
  admin: "管理 / admin",
};
const LICENCE_NAMES = {
  physician: "医師 / physician",
  dentist: "歯科医師 / dentist",
  pharmacist: "薬剤師 / pharmacist",
  nurse: "看護師 / nurse",
  clerk: "事務 / clerk",
  other: "その他 / other",
};

let selectedUser = NOT_SIGNED_IN;
// The newest credential fetched for the selected user (the simulator controls reuse it),
// and the fetch in flight, shared by whoever asks meanwhile.
let current = null;
let pending = null;

function showWho(user) {
  userWho.replaceChildren();
  if (!user) {
    userWho.dataset.signedIn = "false";
    userWho.textContent = "サインインしていない / not signed in";
    return;
  }
  userWho.dataset.signedIn = "true";
  const name = document.createElement("span");
  name.className = "emr-user-name";
  name.textContent = user.name;
  const role = document.createElement("span");
  role.className = "emr-user-role";
  role.dataset.role = user.role;
  role.textContent = [ROLE_NAMES[user.role] || user.role, LICENCE_NAMES[user.licence]].filter(Boolean).join(" · ");
  userWho.append(name, role);
}

function showWhoError(message) {
  userWho.replaceChildren();
  userWho.dataset.signedIn = "false";
  userWho.textContent = `サインインできません / cannot sign in: ${message}`;
}

/** Asks the demo EMR's server for a fresh credential for `id`; resolves to its token. */
async function fetchCredential(id) {
  const response = await fetch(`/demo/credential?user=${encodeURIComponent(id)}`, { cache: "no-store" });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.token !== "string") {
    const message = (body.error && body.error.message) || `HTTP ${response.status}`;
    if (id === selectedUser) showWhoError(message);
    throw new Error(`the demo EMR gave no credential for ${id}: ${message}`);
  }
  if (id === selectedUser) {
    current = { id, token: body.token, exp: body.exp };
    showWho(body.user);
  }
  return body.token;
}

/** A fresh credential for `id`, sharing a fetch already in flight for the same user. */
function credentialFor(id) {
  if (pending && pending.id === id) return pending.promise;
  const promise = fetchCredential(id).finally(() => {
    if (pending && pending.promise === promise) pending = null;
  });
  pending = { id, promise };
  return promise;
}

/** The selected user's credential for the simulator controls: null when signed out. */
async function simCredential() {
  if (selectedUser === NOT_SIGNED_IN) return null;
  const now = Date.now() / 1000;
  if (current && current.id === selectedUser && current.exp - 30 > now) return current.token;
  return credentialFor(selectedUser);
}

// The component is the page bundle's custom element, <onshi-reception id="onshi-host">:
// its options are attributes, the credential function a property; a new credential
// function remounts it for the new user.
function configureComponent(options, id) {
  host.setAttribute("gateway", options.gateway);
  host.setAttribute("lang", options.lang);
  host.dataset.credential = id === NOT_SIGNED_IN ? "none" : "given";
  host.credential = id === NOT_SIGNED_IN ? undefined : () => credentialFor(id);
}

function initialUser() {
  const wanted = params.get("user");
  const known = Array.from(userSelect.options, (option) => option.value);
  return wanted && known.includes(wanted) ? wanted : userSelect.value;
}

loadOptions()
  .then(async (options) => {
    // Configured before the bundle defines the element, so it mounts once, as this user.
    configureComponent(options, initialUser());
    await import("../pkg/reception/onshi-reception.js");
    // Mounting may have replaced it already.
    document.getElementById("onshi-loading")?.remove();
    const sim = setupSimControls(options.gateway, options.lang, simCredential);
    const signIn = (id) => {
      selectedUser = id;
      current = null;
      userSelect.value = id;
      if (id === NOT_SIGNED_IN) {
        showWho(null);
      } else {
        userWho.replaceChildren();
        credentialFor(id).catch((error) => console.warn(error.message));
      }
      configureComponent(options, id);
      host.dataset.user = id;
      sim.reload();
    };
    userSelect.addEventListener("change", () => {
      const url = new URL(window.location.href);
      url.searchParams.set("user", userSelect.value);
      window.history.replaceState(null, "", url);
      signIn(userSelect.value);
    });
    signIn(initialUser());
  })
  .catch((error) => {
    const loading = document.getElementById("onshi-loading");
    if (loading) {
      loading.textContent = `コンポーネントを読み込めませんでした / Could not load the component: ${error}`;
      loading.setAttribute("role", "alert");
    }
    console.error(error);
  });
