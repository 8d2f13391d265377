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

Promise.all([import("../pkg/onshi.js"), loadOptions()])
  .then(([onshi, options]) => {
    document.getElementById("onshi-loading").remove();
    window.onshiHandle = onshi.mount(host, options);
    setupSimControls(options.gateway, options.lang);
  })
  .catch((error) => {
    const loading = document.getElementById("onshi-loading");
    loading.textContent = `コンポーネントを読み込めませんでした / Could not load the component: ${error}`;
    loading.setAttribute("role", "alert");
    console.error(error);
  });
