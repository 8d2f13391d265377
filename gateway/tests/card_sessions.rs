//! Card sessions through the real PC/SC stack: this gateway's `pcsc` code talks to pcscd,
//! pcscd's vsmartcard driver talks to `onshi-sim`'s virtual cards over vpcd.
//!
//! pcscd must be running with the vpcd readers: the test starts it with
//! `scripts/pcscd.sh` and FAILS (never skips) when it cannot. There is one virtual reader,
//! so every PC/SC step runs inside one test function, in order.

mod common;

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::sse::{SseClient, SseEvent};
use common::{issuer, logs, Reply, TestGateway, EMR_ORIGIN};
use hyper::StatusCode;
use onshi_core::card_session::SESSION_SECRET_HEADER;
use onshi_core::roles::Role;
use onshi_gateway::card_reader::{Presence, Readers};
use onshi_gateway::card_session::CardSessionSettings;
use onshi_sim::card::VirtualCard;
use onshi_sim::vpcd::{self, InsertedCard};
use serde_json::{json, Value};

/// The second virtual reader (vpcd port 35964): the first one is the demo's default and
/// may be in use by a gateway someone else runs on this machine.
const READER: &str = "Virtual PCD 00 01";
const VPCD_PORT: u16 = 35964;
const STEP: Duration = Duration::from_secs(15);
/// A wrong PIN that no fixture uses, so finding it anywhere is a leak.
const WRONG_PIN: &str = "0931";

/// Everything the gateway logs during the test (all levels of our crates).
const LOG_FILTER: &str = "info,onshi_gateway=trace,onshi_sim=trace,onshi_core=trace";

fn ensure_pcscd() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/pcscd.sh");
    let output = Command::new("bash").arg(script).output();
    match output {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "card-session tests need pcscd with the vsmartcard vpcd readers, and \
             scripts/pcscd.sh could not start it (install with scripts/setup.sh): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(err) => panic!("cannot run scripts/pcscd.sh ({err}): card-session tests need pcscd"),
    }
}

async fn sim_gateway() -> TestGateway {
    TestGateway::sim_with(Duration::from_millis(50), |config| {
        config.allowed_origins = vec![EMR_ORIGIN.to_string()];
        config.sim_vpcd_port = VPCD_PORT;
        config.card_sessions = CardSessionSettings {
            idle_timeout: Duration::from_secs(60),
            poll: Duration::from_millis(100),
            keep_finished: Duration::from_secs(60),
            ..CardSessionSettings::default()
        };
    })
    .await
}

/// A virtual card the test holds, so it can read the card's own counters.
struct HeldCard {
    card: Arc<Mutex<VirtualCard>>,
    link: Option<InsertedCard>,
}

impl HeldCard {
    fn insert(id: &str) -> Self {
        let card = Arc::new(Mutex::new(VirtualCard::open(id).unwrap()));
        let link = vpcd::insert(Arc::clone(&card), vpcd::local(VPCD_PORT))
            .expect("the virtual card reaches vpcd");
        Self {
            card,
            link: Some(link),
        }
    }

    fn tries_left(&self) -> u8 {
        self.card.lock().unwrap().tries_left()
    }

    /// Takes the card out and waits until PC/SC sees the reader empty, as a person
    /// would take longer than one of pcscd's vpcd polls to put the next card in.
    fn remove(&mut self) {
        if let Some(link) = self.link.take() {
            link.remove().unwrap();
            let readers = Readers::establish().unwrap();
            let deadline = Instant::now() + Duration::from_secs(5);
            while readers.watch(READER, Duration::from_millis(200)).unwrap() != Presence::Absent {
                assert!(Instant::now() < deadline, "pcscd still sees the card");
            }
        }
    }
}

impl Drop for HeldCard {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Everything the client was sent, to search for leaks at the end.
#[derive(Default)]
struct Seen(String);

impl Seen {
    fn keep(&mut self, reply: &Reply) {
        self.0.push_str(&String::from_utf8_lossy(&reply.body));
        self.0.push('\n');
    }
}

async fn start(gw: &TestGateway, seen: &mut Seen) -> String {
    let reply = gw
        .post_json("/v1/card-sessions", &json!({ "reader": READER }))
        .await;
    seen.keep(&reply);
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.json());
    let view = reply.json();
    assert_eq!(view["state"], "waiting_for_card");
    view["id"].as_str().unwrap().to_string()
}

async fn wait_for(gw: &TestGateway, id: &str, state: &str, seen: &mut Seen) -> Value {
    let deadline = Instant::now() + STEP;
    loop {
        let reply = gw.get(&format!("/v1/card-sessions/{id}")).await;
        seen.keep(&reply);
        assert_eq!(reply.status, StatusCode::OK);
        let view = reply.json();
        if view["state"] == state {
            return view;
        }
        let settled = ["done", "failed", "cancelled"].contains(&view["state"].as_str().unwrap());
        assert!(
            !settled && Instant::now() < deadline,
            "waiting for {state}, got {view}; log tail:\n{}",
            logs::text()
                .lines()
                .filter(|l| !l.contains("access_log"))
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .join("\n")
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

async fn send_pin(gw: &TestGateway, id: &str, pin: &str, seen: &mut Seen) -> Reply {
    let reply = gw
        .post_json(
            &format!("/v1/card-sessions/{id}/pin"),
            &json!({ "pin": pin }),
        )
        .await;
    seen.keep(&reply);
    reply
}

/// The next SSE event named `name` (others skipped).
async fn next_named(sse: &mut SseClient, name: &str, all: &mut Vec<SseEvent>) -> SseEvent {
    let deadline = Instant::now() + STEP;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = sse
            .next_event(left)
            .await
            .unwrap_or_else(|| panic!("no {name} event in time"));
        all.push(event.clone());
        if event.event.as_deref() == Some(name) {
            return event;
        }
    }
}

/// The first SSE card_session event of session `id` that `wanted` accepts.
async fn sse_view(
    sse: &mut SseClient,
    id: &str,
    all: &mut Vec<SseEvent>,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    loop {
        let event = next_named(sse, "card_session", all).await;
        assert_eq!(event.id, None, "card_session events carry no id");
        let view = event.json();
        if view["id"] == id && wanted(&view) {
            return view;
        }
    }
}

async fn sse_state(sse: &mut SseClient, id: &str, state: &str, all: &mut Vec<SseEvent>) -> Value {
    sse_view(sse, id, all, |view| view["state"] == state).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_sessions_through_pcscd_and_vpcd() {
    logs::capture(LOG_FILTER);
    ensure_pcscd();
    let gw = sim_gateway().await;
    let mut seen = Seen::default();
    let mut sse_seen = Vec::new();
    let mut sse = SseClient::open(
        gw.addr,
        "/v1/events",
        &[("host", &gw.host()), ("authorization", &gw.authorization)],
    )
    .await;
    assert_eq!(sse.status, StatusCode::OK);
    let other_stream = |role: Role| {
        let (addr, host, bearer) = (gw.addr, gw.host(), issuer::bearer(role));
        async move {
            let stream = SseClient::open(
                addr,
                "/v1/events",
                &[("host", &host), ("authorization", &bearer)],
            )
            .await;
            assert_eq!(stream.status, StatusCode::OK, "{role:?}");
            stream
        }
    };
    let clinician_sse = other_stream(Role::Clinician).await;
    let kiosk_sse = other_stream(Role::Kiosk).await;

    // 1. Full PIN flow, the card arriving after the session started.
    let id = start(&gw, &mut seen).await;
    let waiting = gw.get(&format!("/v1/card-sessions/{id}")).await.json();
    assert!(waiting["readers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == READER));
    let second = gw.post_json("/v1/card-sessions", &json!({})).await;
    let named = gw
        .post_json("/v1/card-sessions", &json!({ "reader": READER }))
        .await;
    assert_eq!(named.status, StatusCode::CONFLICT);
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert_eq!(second.error_code(), "session_active");
    let inserted_at = Instant::now();
    let mut card = HeldCard::insert("card-01");
    let prompt = sse_state(&mut sse, &id, "pin_required", &mut sse_seen).await;
    assert_eq!(prompt["tries_left"], 3);
    assert_eq!(prompt["token"], "card");
    assert_eq!(prompt["previous_attempt_failed"], false);
    let read_ms = inserted_at.elapsed().as_millis();
    let pin_at = Instant::now();
    let accepted = send_pin(&gw, &id, "1234", &mut seen).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED);
    assert_eq!(accepted.json()["state"], "verifying");
    let done = sse_state(&mut sse, &id, "done", &mut sse_seen).await;
    let confirm_ms = pin_at.elapsed().as_millis();
    assert_eq!(done["method"], "pin");
    let answer = &done["answer"];
    assert_eq!(answer["status"], "valid");
    assert_eq!(answer["reference_classification"], "1");
    let record = &answer["results"][0];
    assert_eq!(record["person"]["name"], "見本\u{3000}太郎");
    assert_eq!(
        record["viewing_consents"]["medications"]["flag"], "1",
        "{record}"
    );
    // The result also joins the reception queue as a stored event, with a numeric id
    // (stored before the session reports done, so it may already have arrived).
    let queued = match sse_seen
        .iter()
        .find(|e| e.event.as_deref() == Some("card_result"))
    {
        Some(event) => event.clone(),
        None => next_named(&mut sse, "card_result", &mut sse_seen).await,
    };
    assert!(queued.id() > 0);
    assert_eq!(queued.json()["kind"], "card_result");
    assert_eq!(
        queued.json()["source_file"],
        format!("card-session/{id}").as_str()
    );
    assert_eq!(queued.json()["answer"], *answer);
    assert_eq!(queued.json()["verification"], "pin");
    let queue = gw.get("/v1/reception-queue").await.json();
    assert_eq!(queue["events"].as_array().unwrap().len(), 1);
    assert_eq!(queue["events"][0]["verification"], "pin");
    let logs_now = logs::text();
    let done_line = logs_now
        .lines()
        .find(|l| l.contains("card session done"))
        .expect("a done log line");
    let apdus: u32 = field(done_line, "apdus=");
    println!(
        "MEASURE one card confirmation over pcscd+vpcd: {apdus} APDUs; card inserted → PIN \
         prompt {read_ms} ms; PIN sent → done {confirm_ms} ms; log line: {done_line}"
    );
    assert!((10..=40).contains(&apdus), "{done_line}");
    card.remove();

    // 2. A wrong PIN costs one try; the prompt comes back saying so; the right one works.
    let id = start(&gw, &mut seen).await;
    let mut card = HeldCard::insert("card-02");
    wait_for(&gw, &id, "pin_required", &mut seen).await;
    let reply = send_pin(&gw, &id, WRONG_PIN, &mut seen).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let again = sse_view(&mut sse, &id, &mut sse_seen, |view| {
        view["state"] == "pin_required" && view["previous_attempt_failed"] == true
    })
    .await;
    assert_eq!(again["previous_attempt_failed"], true);
    assert_eq!(again["tries_left"], 2);
    assert_eq!(card.tries_left(), 2);
    send_pin(&gw, &id, "5678", &mut seen).await;
    let done = wait_for(&gw, &id, "done", &mut seen).await;
    assert_eq!(
        done["answer"]["results"][0]["person"]["name"],
        "見本\u{3000}花子"
    );
    card.remove();

    // 3. A malformed PIN never reaches the card; cancel releases the reader.
    let id = start(&gw, &mut seen).await;
    let card = HeldCard::insert("card-03");
    wait_for(&gw, &id, "pin_required", &mut seen).await;
    for bad in ["12a4", "123", "12345", "１２３４"] {
        let reply = send_pin(&gw, &id, bad, &mut seen).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(reply.error_code(), "invalid_input");
        assert_eq!(reply.json()["error"]["fields"]["pin"], "format");
    }
    let numeric = gw
        .post_json(
            &format!("/v1/card-sessions/{id}/pin"),
            &json!({ "pin": 4321 }),
        )
        .await;
    seen.keep(&numeric);
    assert_eq!(numeric.status, StatusCode::BAD_REQUEST);
    assert_eq!(card.tries_left(), 3);
    let still = wait_for(&gw, &id, "pin_required", &mut seen).await;
    assert_eq!(still["tries_left"], 3);
    assert_eq!(still["previous_attempt_failed"], false);
    let cancelled = gw
        .send("DELETE", &format!("/v1/card-sessions/{id}"), &[], None)
        .await;
    assert_eq!(cancelled.status, StatusCode::OK);
    assert_eq!(cancelled.json()["state"], "cancelled");
    assert_eq!(
        gw.get(&format!("/v1/card-sessions/{id}")).await.json()["state"],
        "cancelled"
    );
    let late_pin = send_pin(&gw, &id, "1234", &mut seen).await;
    assert_eq!(late_pin.status, StatusCode::CONFLICT);
    assert_eq!(late_pin.error_code(), "session_not_waiting");
    // The reader is free again: a new session reads the same card.
    let id = start(&gw, &mut seen).await;
    wait_for(&gw, &id, "pin_required", &mut seen).await;
    gw.send("DELETE", &format!("/v1/card-sessions/{id}"), &[], None)
        .await;
    drop(card);

    // 4. A blocked card fails before any PIN is asked for.
    let id = start(&gw, &mut seen).await;
    let card = HeldCard::insert("blocked");
    let failed = wait_for(&gw, &id, "failed", &mut seen).await;
    assert_eq!(failed["error"]["code"], "pin_blocked");
    assert!(failed["error"]["message"]
        .as_str()
        .unwrap()
        .contains("municipal office"));
    assert_eq!(card.tries_left(), 0);
    drop(card);

    // 5. Expired certificate and counterfeit card: the national side refuses.
    for (card_id, code) in [
        ("expired", "certificate_expired"),
        ("counterfeit", "authentication_rejected"),
    ] {
        let id = start(&gw, &mut seen).await;
        let card = HeldCard::insert(card_id);
        wait_for(&gw, &id, "pin_required", &mut seen).await;
        send_pin(&gw, &id, "1234", &mut seen).await;
        let failed = wait_for(&gw, &id, "failed", &mut seen).await;
        assert_eq!(failed["error"]["code"], code, "{card_id}");
        drop(card);
    }

    // 6. Visual check: certificate only, no VERIFY, no signature.
    let id = start(&gw, &mut seen).await;
    let card = HeldCard::insert("card-05");
    wait_for(&gw, &id, "pin_required", &mut seen).await;
    let path = format!("/v1/card-sessions/{id}/visual-check");
    let refused = gw
        .post_json(&path, &json!({ "staff_confirmed": false }))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.json()["error"]["fields"]["staff_confirmed"],
        "must_be_true"
    );
    let accepted = gw
        .post_json(&path, &json!({ "staff_confirmed": true }))
        .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED);
    let done = wait_for(&gw, &id, "done", &mut seen).await;
    assert_eq!(done["method"], "visual_check");
    assert_eq!(
        done["answer"]["results"][0]["person"]["name"],
        "仮野\u{3000}正一"
    );
    assert_eq!(card.tries_left(), 3);
    // The queued result says how the holder was identified.
    let queue = gw.get("/v1/reception-queue").await.json();
    let queued = queue["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source_file"] == format!("card-session/{id}").as_str())
        .expect("the visual check is queued")
        .clone();
    assert_eq!(queued["verification"], "visual_check");
    drop(card);
    let expired_visual = start(&gw, &mut seen).await;
    let card = HeldCard::insert("expired");
    wait_for(&gw, &expired_visual, "pin_required", &mut seen).await;
    gw.post_json(
        &format!("/v1/card-sessions/{expired_visual}/visual-check"),
        &json!({ "staff_confirmed": true }),
    )
    .await;
    let failed = wait_for(&gw, &expired_visual, "failed", &mut seen).await;
    assert_eq!(failed["error"]["code"], "certificate_expired");
    drop(card);

    // 7. The card taken off the reader at the PIN prompt.
    let id = start(&gw, &mut seen).await;
    let mut card = HeldCard::insert("card-06");
    wait_for(&gw, &id, "pin_required", &mut seen).await;
    card.remove();
    let failed = wait_for(&gw, &id, "failed", &mut seen).await;
    assert_eq!(failed["error"]["code"], "card_removed");

    // 8. The demo's own routes put the gateway's cards into the same reader.
    let list = gw.get("/v1/sim/cards").await.json();
    let cards = list["cards"].as_array().unwrap();
    assert_eq!(cards.len(), onshi_sim::card::CARDS.len());
    let last = cards.iter().find(|c| c["id"] == "card-04").unwrap();
    assert_eq!(last["variant"], "last_attempt");
    assert_eq!(last["pin"], "2468");
    assert!(last["label_ja"].as_str().unwrap().contains("後期高齢者"));
    let foreign = gw
        .send(
            "POST",
            "/v1/sim/cards/card-04/insert",
            &[("origin", "https://evil.example")],
            None,
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    let unknown = gw
        .send("POST", "/v1/sim/cards/nope/insert", &[], None)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let id = start(&gw, &mut seen).await;
    let inserted = gw
        .send("POST", "/v1/sim/cards/card-04/insert", &[], None)
        .await;
    assert_eq!(inserted.status, StatusCode::OK, "{}", inserted.json());
    assert_eq!(inserted.json()["inserted"], "card-04");
    let prompt = wait_for(&gw, &id, "pin_required", &mut seen).await;
    assert_eq!(prompt["tries_left"], 1);

    // 8a. Only the holder of the session's secret drives it, whoever else signs in.
    let pin_path = format!("/v1/card-sessions/{id}/pin");
    let pin_body = json!({ "pin": "2468", "confirm_last_try": true }).to_string();
    let kiosk = issuer::bearer(Role::Kiosk);
    let json_type = ("content-type", "application/json");
    for (who, secret) in [
        (gw.authorization.as_str(), None),
        (gw.authorization.as_str(), Some("not-the-secret")),
        (kiosk.as_str(), None),
    ] {
        let mut headers = vec![("authorization", who), json_type];
        if let Some(secret) = secret {
            headers.push((SESSION_SECRET_HEADER, secret));
        }
        for (method, path, body) in [
            ("POST", pin_path.as_str(), Some(pin_body.as_str())),
            ("GET", &format!("/v1/card-sessions/{id}")[..], None),
            ("DELETE", &format!("/v1/card-sessions/{id}")[..], None),
        ] {
            let refused = gw.send_exact(method, path, &headers, body).await;
            seen.keep(&refused);
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{method} {path}");
            assert_eq!(refused.error_code(), "session_secret_invalid");
        }
    }

    // 8b. The last try is spent only with the user's confirmation, checked by the gateway.
    let unconfirmed = send_pin(&gw, &id, "2468", &mut seen).await;
    assert_eq!(unconfirmed.status, StatusCode::CONFLICT);
    assert_eq!(unconfirmed.error_code(), "last_try_not_confirmed");
    let still = wait_for(&gw, &id, "pin_required", &mut seen).await;
    assert_eq!(still["tries_left"], 1);
    let confirmed = gw
        .send("POST", &pin_path, &[json_type], Some(&pin_body))
        .await;
    seen.keep(&confirmed);
    assert_eq!(
        confirmed.status,
        StatusCode::ACCEPTED,
        "{}",
        confirmed.json()
    );
    assert_eq!(wait_for(&gw, &id, "done", &mut seen).await["method"], "pin");
    let removed = gw.send("POST", "/v1/sim/cards/remove", &[], None).await;
    assert_eq!(removed.json()["inserted"], Value::Null);

    // 9. The PIN appears nowhere: not in answers, events or logs.
    while let Some(event) = sse.next_event(Duration::from_millis(300)).await {
        sse_seen.push(event);
    }
    // Other callers' streams never carried a session's progress or its id; the kiosk's
    // not even the queue.
    let mut others = Vec::new();
    for (mut stream, sees_queue) in [(clinician_sse, true), (kiosk_sse, false)] {
        let mut events = Vec::new();
        while let Some(event) = stream.next_event(Duration::from_millis(300)).await {
            events.push(event);
        }
        assert!(
            events
                .iter()
                .all(|e| e.event.as_deref() != Some("card_session")),
            "{events:?}"
        );
        let queued = events
            .iter()
            .any(|e| e.event.as_deref() == Some("card_result"));
        assert_eq!(queued, sees_queue, "{events:?}");
        others.extend(events);
    }
    assert!(others.iter().all(|e| !e.data.contains("\"cs-")));
    let sse_text: String = sse_seen
        .iter()
        .map(|e| format!("{:?} {:?} {}\n", e.id, e.event, e.data))
        .collect();
    let logs = without_session_ids(&logs::text());
    let answers = without_session_ids(&seen.0);
    let sse_text = without_session_ids(&sse_text);
    for (what, text) in [("answers", &answers), ("SSE", &sse_text), ("logs", &logs)] {
        for secret in [WRONG_PIN, "5678", "4321", "31 32 33 34", "31323334"] {
            assert!(!text.contains(secret), "{secret} found in {what}");
        }
    }
    // Answers may name the field ("fields":{"pin":"format"}); events and logs never
    // ("method":"pin" is the verification method, not a PIN).
    assert!(!sse_text.contains("\"pin\":"), "a pin field in SSE");
    if let Some(line) = logs.lines().find(|l| l.contains("pin=")) {
        panic!("a pin field in the logs: {line}");
    }
    // Info lines carry no patient data.
    for line in logs.lines().filter(|l| l.contains(" INFO ")) {
        for name in ["見本", "花子", "太郎", "仮野"] {
            assert!(!line.contains(name), "patient data in an info line: {line}");
        }
    }
    gw.stop().await;
}

/// `text` with every session id (`cs-` + 32 hex digits) cut out: random hex may contain
/// any four digits, which would make the leak search flaky.
fn without_session_ids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("cs-") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 3..];
        let hex = tail.bytes().take_while(u8::is_ascii_hexdigit).count();
        rest = if hex == 32 { &tail[32..] } else { tail };
        if hex != 32 {
            out.push_str("cs-");
        }
    }
    out.push_str(rest);
    out
}

/// The value of `name` (e.g. `apdus=`) in a tracing line.
fn field(line: &str, name: &str) -> u32 {
    let start = line.find(name).expect("field present") + name.len();
    line[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn terminal_mode_has_no_card_sessions_and_no_sim_routes() {
    let gw = TestGateway::terminal(Duration::from_secs(2)).await;
    let reply = gw.post_json("/v1/card-sessions", &json!({})).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.error_code(), "terminal_unavailable");
    assert!(reply.error_message().contains("no documented way"));
    let get = gw.get("/v1/card-sessions/cs-00").await;
    assert_eq!(get.status, StatusCode::SERVICE_UNAVAILABLE);
    for (method, path) in [
        ("GET", "/v1/sim/cards"),
        ("POST", "/v1/sim/cards/card-01/insert"),
        ("POST", "/v1/sim/cards/remove"),
    ] {
        let reply = gw.send(method, path, &[], None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(reply.error_code(), "not_found");
    }
    gw.stop().await;
}

#[tokio::test]
async fn unknown_sessions_are_404_and_bodies_are_checked_before_pcsc() {
    let gw = sim_gateway().await;
    let reply = gw.get("/v1/card-sessions/cs-unknown").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let pin = gw
        .post_json(
            "/v1/card-sessions/cs-unknown/pin",
            &json!({ "pin": "1234" }),
        )
        .await;
    assert_eq!(pin.status, StatusCode::NOT_FOUND);
    let bad = gw
        .send(
            "POST",
            "/v1/card-sessions",
            &[("content-type", "application/json")],
            Some("{\"reader\": 5}"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.error_code(), "bad_request");
    let cancel = gw
        .send("DELETE", "/v1/card-sessions/cs-unknown", &[], None)
        .await;
    assert_eq!(cancel.status, StatusCode::NOT_FOUND);
    gw.stop().await;
}
