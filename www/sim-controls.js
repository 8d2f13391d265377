// Demo-only simulator controls on the host page: they call the gateway's sim-only routes
// (present only in `onshi-gateway serve --sim`) to insert and remove virtual My Number
// cards on the virtual PC/SC reader, and to make the simulated face-recognition reader
// deliver a result into the terminal's face/ folder. A real EMR page has none of this.
// The sim routes want a credential like every other route: `credential()` resolves to the
// signed-in demo user's token (or null when nobody is signed in), sent as a Bearer token.

export function setupSimControls(gateway, lang, credential = async () => null) {
  const status = document.getElementById("sim-status");
  const cardsBody = document.getElementById("sim-cards");
  const say = (text) => {
    status.textContent = text;
  };

  async function call(method, path) {
    const token = await credential().catch(() => null);
    const headers = method === "GET" ? {} : { "Content-Type": "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(`${gateway}${path}`, {
      method,
      headers,
      body: method === "GET" ? undefined : "{}",
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = (body.error && body.error.message) || "";
      throw new Error(`HTTP ${response.status}${message ? ` ${message}` : ""}`);
    }
    return body;
  }

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  function renderCards(cards) {
    cardsBody.replaceChildren();
    for (const card of cards) {
      const row = document.createElement("tr");
      const label = lang === "en" ? card.label_en || card.label_ja : card.label_ja || card.label_en;
      row.append(cell(label || card.id), cell(card.pin || "—"));
      const td = document.createElement("td");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "emr-button";
      button.dataset.card = card.id;
      button.textContent = "置く / Insert";
      button.addEventListener("click", async () => {
        try {
          await call("POST", `/v1/sim/cards/${encodeURIComponent(card.id)}/insert`);
          say(`カードを置きました / Card inserted: ${label || card.id}`);
        } catch (error) {
          say(`カードを置けませんでした / Could not insert: ${error.message}`);
        }
      });
      td.append(button);
      row.append(td);
      cardsBody.append(row);
    }
  }

  document.getElementById("sim-face").addEventListener("click", async () => {
    try {
      const dropped = await call("POST", "/v1/sim/face-results");
      say(`顔認証の結果を届けました / Delivered: ${dropped.file}`);
    } catch (error) {
      say(`届けられませんでした / Could not deliver: ${error.message}`);
    }
  });

  document.getElementById("sim-remove").addEventListener("click", async () => {
    try {
      await call("POST", "/v1/sim/cards/remove");
      say("カードを外しました / Card removed");
    } catch (error) {
      say(`外せませんでした / Could not remove: ${error.message}`);
    }
  });

  // A reload started for an earlier sign-in must not overwrite a newer one's list.
  let generation = 0;
  function reload() {
    const mine = ++generation;
    cardsBody.replaceChildren();
    const loading = document.createElement("tr");
    const td = cell("読み込み中… / Loading…");
    td.colSpan = 3;
    loading.append(td);
    cardsBody.append(loading);
    return call("GET", "/v1/sim/cards")
      .then((list) => {
        if (mine === generation) renderCards(Array.isArray(list) ? list : list.cards || []);
      })
      .catch((error) => {
        if (mine !== generation) return;
        cardsBody.replaceChildren();
        const row = document.createElement("tr");
        const td = cell(`仮想カードを取得できません（シミュレーターモードのゲートウェイとサインインが必要です）/ No virtual cards (needs the gateway in --sim mode and a signed-in user): ${error.message}`);
        td.colSpan = 3;
        row.append(td);
        cardsBody.append(row);
      });
  }

  return { reload };
}
