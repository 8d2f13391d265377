//! Shared browser-test helpers: a scripted gateway, a mounted component driven through
//! DOM events, and synthetic answers (invented people and numbers only).
#![allow(dead_code)] // each test crate uses a different subset

pub mod webcrypto;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::LocalBoxFuture;
use gloo_timers::future::TimeoutFuture;
use onshi::api::{
    Call, ClientError, EventFeed, FeedMessage, FeedSignal, GatewayClient, Json, Subscription,
    HEALTH_EVERY_MS,
};
use onshi::config::MountOptions;
use onshi::credential::CredentialOption;
use onshi::MountHandle;
use onshi_core::answer_token::{claims_for, TYP};
use onshi_core::api::{
    ApiError, ErrorCode, EventTicket, Health, QualificationAnswer, QualificationQuery,
    QualificationStatus, QueuePlace, ReceptionEvent, ReceptionEventKind,
};
use onshi_core::card_session::{
    CardSessionState, CardSessionView, PinEntry, StartCardSession, VerificationMethod,
};
use onshi_core::codes::{ConsentFlag, Lang, PersonalFamily, Sex};
use onshi_core::consent::{
    ConsentDecisions, ConsentOverview, ConsentRecord, ConsentSource, GiveConsent, ReceiptClaims,
    RECEIPT_TYP,
};
use onshi_core::jose::{encode, KeySet};
use onshi_core::qualification::{
    Insurance, Person, ProcessingResult, QualificationRecord, ViewingConsent, ViewingConsents,
};
use onshi_core::roles::Role;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, EventInit, HtmlElement, HtmlInputElement};

type Reply = Result<QualificationAnswer, ClientError>;

enum Scripted {
    Ready(Reply),
    Pending(oneshot::Receiver<Reply>),
}

/// Answers queries from a script, in order, and records what was asked. Card sessions
/// are played by a small fake gateway: the test sets the session's state, and every call
/// is recorded.
#[derive(Default)]
pub struct ScriptedClient {
    replies: RefCell<VecDeque<Scripted>>,
    queries: RefCell<Vec<QualificationQuery>>,
    /// What `POST /v1/card-sessions` answers, in order; by default a waiting session `s1`.
    pub start_replies: RefCell<VecDeque<Result<CardSessionView, ClientError>>>,
    /// What `POST …/pin` and `…/visual-check` answer, in order; by default `verifying`.
    pub step_replies: RefCell<VecDeque<Result<CardSessionView, ClientError>>>,
    /// The session as `GET …/{id}` reports it.
    pub session: RefCell<Option<CardSessionView>>,
    /// Card calls, e.g. `start`, `get s1`, `pin s1`, `visual s1`, `cancel s1`.
    pub card_calls: RefCell<Vec<String>>,
    /// PINs received (only this fake keeps them, to check what was sent).
    pub pins: RefCell<Vec<String>>,
    /// `confirm_last_try` of each PIN received.
    pub confirmed_last_try: RefCell<Vec<bool>>,
    /// What `GET /v1/health` answers now; `None` is [`fine_health`].
    pub health: RefCell<Option<Result<Health, ClientError>>>,
    /// Health checks asked for so far.
    pub health_calls: Cell<u32>,
    /// The component's health timer; `None` keeps the real 30 s.
    pub health_every: Cell<Option<u32>>,
    /// The `x-onshi-request` name of every qualification request, in order.
    pub request_refs: RefCell<Vec<String>>,
    /// What `GET /v1/qualifications/queue/{ref}` answers now; `None` is a 404.
    pub place: RefCell<Option<Result<QueuePlace, ClientError>>>,
    /// The name asked about by every queue-place poll, in order.
    pub place_polls: RefCell<Vec<String>>,
    /// The credential of every call that needs one, in order, as `<call> <credential>`.
    pub bearers: RefCell<Vec<String>>,
    /// Credentials this gateway answers with 401 `credential_expired`.
    pub expired: RefCell<Vec<String>>,
    /// The session secret each card call carried, as `<call> <secret or ->`.
    pub secrets: RefCell<Vec<String>>,
    /// What `POST /v1/event-tickets` answers, in order; by default `ticket-<n>`.
    pub ticket_replies: RefCell<VecDeque<Result<EventTicket, ClientError>>>,
    pub tickets_issued: Cell<u32>,
    /// `GET /v1/keys` calls so far.
    pub key_fetches: Cell<u32>,
    /// Answers go out as scripted, without the gateway's token added (to test refusals
    /// of unsigned answers).
    pub unsigned: Cell<bool>,
    /// `GET /v1/consents` answers (the latest stays until replaced; none: no consents).
    pub overview: RefCell<Option<Result<ConsentOverview, ClientError>>>,
    /// `POST /v1/consents` answers, in order (none: a record with a good receipt).
    pub consent_replies: RefCell<VecDeque<Result<ConsentRecord, ClientError>>>,
    /// The bodies `POST /v1/consents` got.
    pub given: RefCell<Vec<GiveConsent>>,
    /// `DELETE /v1/consents/{id}?session=…` calls, as `"{id} {session}"`.
    pub withdrawn: RefCell<Vec<String>>,
}

/// A reply the test has not given yet.
pub struct PendingReply(oneshot::Sender<Reply>);

impl PendingReply {
    /// True once the component dropped the request (cancel, unmount).
    pub fn is_canceled(&self) -> bool {
        self.0.is_canceled()
    }

    pub fn send(self, reply: Reply) {
        let _ = self.0.send(reply);
    }
}

impl ScriptedClient {
    /// Sets what `GET /v1/health` answers from now on.
    pub fn set_health(&self, reply: Result<Health, ClientError>) {
        *self.health.borrow_mut() = Some(reply);
    }

    pub fn reply(&self, reply: Reply) {
        self.replies.borrow_mut().push_back(Scripted::Ready(reply));
    }

    pub fn pending(&self) -> PendingReply {
        let (tx, rx) = oneshot::channel();
        self.replies.borrow_mut().push_back(Scripted::Pending(rx));
        PendingReply(tx)
    }

    pub fn queries(&self) -> Vec<QualificationQuery> {
        self.queries.borrow().clone()
    }

    /// Sets what queue-place polls answer from now on (`None`: 404, finished).
    pub fn set_place(&self, place: Option<Result<QueuePlace, ClientError>>) {
        *self.place.borrow_mut() = place;
    }

    pub fn request_refs(&self) -> Vec<String> {
        self.request_refs.borrow().clone()
    }

    pub fn place_polls(&self) -> Vec<String> {
        self.place_polls.borrow().clone()
    }
}

impl ScriptedClient {
    /// Takes the credential of `call`: `Err` when the script says it expired.
    fn gate(&self, call: &str, bearer: &str) -> Result<(), ClientError> {
        self.bearers.borrow_mut().push(format!("{call} {bearer}"));
        if self.expired.borrow().iter().any(|t| t == bearer) {
            return Err(api_error(
                401,
                ErrorCode::CredentialExpired,
                "the credential has expired",
            ));
        }
        Ok(())
    }

    /// The credentials `call` was sent with, in order.
    pub fn bearers_of(&self, call: &str) -> Vec<String> {
        self.bearers
            .borrow()
            .iter()
            .filter_map(|line| line.strip_prefix(&format!("{call} ")).map(str::to_string))
            .collect()
    }

    fn note_secret(&self, call: &str, secret: Option<&str>) {
        self.secrets
            .borrow_mut()
            .push(format!("{call} {}", secret.unwrap_or("-")));
    }

    pub fn card_calls(&self) -> Vec<String> {
        self.card_calls.borrow().clone()
    }

    fn record(&self, call: String) {
        self.card_calls.borrow_mut().push(call);
    }

    fn card_reply(
        &self,
        reply: Option<Result<CardSessionView, ClientError>>,
        id: &str,
        default: CardSessionState,
    ) -> Call<CardSessionView> {
        let reply = reply.unwrap_or_else(|| {
            Ok(CardSessionView {
                id: id.to_string(),
                state: default,
                secret: None,
            })
        });
        if let Ok(view) = &reply {
            *self.session.borrow_mut() = Some(view.clone());
        }
        Box::pin(async move { reply })
    }
}

impl GatewayClient for ScriptedClient {
    fn consents(
        &self,
        bearer: &str,
        session: &str,
        secret: Option<&str>,
    ) -> Call<Json<ConsentOverview>> {
        if let Err(e) = self.gate("consents", bearer) {
            return Box::pin(async move { Err(e) });
        }
        self.note_secret(&format!("consents {session}"), secret);
        let reply = self.overview.borrow().clone().unwrap_or_else(|| {
            Ok(ConsentOverview {
                consents: Vec::new(),
                states: Default::default(),
            })
        });
        Box::pin(async move { reply.map(|overview| Json::of(&overview)) })
    }

    fn give_consent(
        &self,
        bearer: &str,
        give: &Json<GiveConsent>,
        secret: Option<&str>,
    ) -> Call<Json<ConsentRecord>> {
        let give = give.read().expect("a GiveConsent body");
        if let Err(e) = self.gate("give_consent", bearer) {
            return Box::pin(async move { Err(e) });
        }
        self.note_secret(&format!("give_consent {}", give.session), secret);
        let reply = self
            .consent_replies
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| {
                Ok(consent_record(
                    "c1",
                    give.decisions,
                    now_secs(),
                    &gateway_key(),
                ))
            });
        self.given.borrow_mut().push(give);
        Box::pin(async move { reply.map(|record| Json::of(&record)) })
    }

    fn withdraw_consent(
        &self,
        bearer: &str,
        id: &str,
        session: &str,
        secret: Option<&str>,
    ) -> Call<Json<ConsentRecord>> {
        if let Err(e) = self.gate("withdraw_consent", bearer) {
            return Box::pin(async move { Err(e) });
        }
        self.note_secret(&format!("withdraw_consent {session}"), secret);
        self.withdrawn.borrow_mut().push(format!("{id} {session}"));
        let mut record = consent_record(
            id,
            ConsentDecisions::default(),
            now_secs() - 600,
            &gateway_key(),
        );
        record.withdrawn_at = Some(now_secs());
        Box::pin(async move { Ok(Json::of(&record)) })
    }

    fn start_card_session(&self, bearer: &str, _: StartCardSession) -> Call<CardSessionView> {
        if let Err(e) = self.gate("start", bearer) {
            return Box::pin(async move { Err(e) });
        }
        self.record("start".into());
        let reply = self.start_replies.borrow_mut().pop_front();
        let call = self.card_reply(
            reply,
            "s1",
            CardSessionState::WaitingForCard {
                readers: vec!["Virtual PCD 00 00".into()],
            },
        );
        // As the gateway does: the 201 carries the session's secret.
        Box::pin(async move {
            call.await.map(|mut view| {
                view.secret
                    .get_or_insert_with(|| format!("secret-{}", view.id));
                view
            })
        })
    }

    fn card_session(&self, bearer: &str, id: &str, secret: Option<&str>) -> Call<CardSessionView> {
        if let Err(e) = self.gate("get", bearer) {
            return Box::pin(async move { Err(e) });
        }
        self.record(format!("get {id}"));
        self.note_secret(&format!("get {id}"), secret);
        let reply = self
            .session
            .borrow()
            .clone()
            .filter(|v| v.id == id)
            .ok_or_else(|| ClientError::Decode("no such session".into()));
        Box::pin(async move { reply })
    }

    fn send_pin(
        &self,
        bearer: &str,
        id: &str,
        secret: Option<&str>,
        pin: PinEntry,
    ) -> Call<CardSessionView> {
        if let Err(e) = self.gate("pin", bearer) {
            return Box::pin(async move { Err(e) });
        }
        self.record(format!("pin {id}"));
        self.note_secret(&format!("pin {id}"), secret);
        self.pins.borrow_mut().push(pin.pin);
        self.confirmed_last_try
            .borrow_mut()
            .push(pin.confirm_last_try);
        let reply = self.step_replies.borrow_mut().pop_front();
        self.card_reply(reply, id, CardSessionState::Verifying)
    }

    fn visual_check(&self, bearer: &str, id: &str, secret: Option<&str>) -> Call<CardSessionView> {
        if let Err(e) = self.gate("visual", bearer) {
            return Box::pin(async move { Err(e) });
        }
        self.record(format!("visual {id}"));
        self.note_secret(&format!("visual {id}"), secret);
        let reply = self.step_replies.borrow_mut().pop_front();
        self.card_reply(reply, id, CardSessionState::Verifying)
    }

    fn cancel_card_session(
        &self,
        bearer: &str,
        id: &str,
        secret: Option<&str>,
    ) -> Call<CardSessionView> {
        if let Err(e) = self.gate("cancel", bearer) {
            return Box::pin(async move { Err(e) });
        }
        self.record(format!("cancel {id}"));
        self.note_secret(&format!("cancel {id}"), secret);
        self.card_reply(None, id, CardSessionState::Cancelled)
    }

    fn keys(&self, bearer: &str) -> Call<KeySet> {
        if let Err(e) = self.gate("keys", bearer) {
            return Box::pin(async move { Err(e) });
        }
        self.key_fetches.set(self.key_fetches.get() + 1);
        let keys = gateway_keys();
        Box::pin(async move { Ok(keys) })
    }

    fn event_ticket(&self, bearer: &str) -> Call<EventTicket> {
        if let Err(e) = self.gate("ticket", bearer) {
            return Box::pin(async move { Err(e) });
        }
        let n = self.tickets_issued.get() + 1;
        self.tickets_issued.set(n);
        let reply = self
            .ticket_replies
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| {
                Ok(EventTicket {
                    ticket: format!("ticket-{n}"),
                    expires_in_secs: 30,
                })
            });
        Box::pin(async move { reply })
    }

    fn health(&self) -> Call<Health> {
        self.health_calls.set(self.health_calls.get() + 1);
        let reply = self
            .health
            .borrow()
            .clone()
            .unwrap_or_else(|| Ok(fine_health()));
        Box::pin(async move { reply })
    }

    fn health_every_ms(&self) -> u32 {
        self.health_every.get().unwrap_or(HEALTH_EVERY_MS)
    }

    fn queue_place(&self, bearer: &str, request_ref: &str) -> Call<QueuePlace> {
        if let Err(e) = self.gate("place", bearer) {
            return Box::pin(async move { Err(e) });
        }
        self.place_polls.borrow_mut().push(request_ref.to_string());
        let reply = self.place.borrow().clone().unwrap_or_else(|| {
            Err(api_error(
                404,
                ErrorCode::NotFound,
                "no request of that reference is waiting or running",
            ))
        });
        Box::pin(async move { reply })
    }

    fn qualify(
        &self,
        bearer: &str,
        query: QualificationQuery,
        request_ref: &str,
    ) -> LocalBoxFuture<'static, Reply> {
        if let Err(e) = self.gate("qualify", bearer) {
            return Box::pin(async move { Err(e) });
        }
        self.queries.borrow_mut().push(query);
        self.request_refs.borrow_mut().push(request_ref.to_string());
        let next = self.replies.borrow_mut().pop_front();
        let sign = !self.unsigned.get();
        let signed = move |reply: Reply| match reply {
            Ok(answer) if sign && answer.token.is_none() => Ok(sign_answer(answer)),
            other => other,
        };
        Box::pin(async move {
            match next {
                Some(Scripted::Ready(reply)) => signed(reply),
                Some(Scripted::Pending(rx)) => signed(
                    rx.await
                        .unwrap_or(Err(ClientError::Decode("test dropped the reply".into()))),
                ),
                None => Err(ClientError::Decode("no scripted reply left".into())),
            }
        })
    }
}

/// A typed gateway error.
pub fn api_error(status: u16, code: ErrorCode, message: &str) -> ClientError {
    ClientError::Api {
        status,
        error: ApiError {
            code,
            message: message.into(),
            fields: Default::default(),
        },
    }
}

/// The scripted gateway's signing key (a fixed test key, never a real one).
pub fn gateway_key() -> SigningKey {
    SigningKey::from_slice(&[0x5au8; 32]).expect("a P-256 scalar")
}

pub const GATEWAY_KID: &str = "scripted-gateway";

/// What the scripted gateway publishes at `GET /v1/keys`.
pub fn gateway_keys() -> KeySet {
    KeySet::single(GATEWAY_KID, *gateway_key().verifying_key())
}

/// A compact JWS of `header` and `payload` made by `key`.
pub fn sign_jws(
    header: &serde_json::Value,
    payload: &serde_json::Value,
    key: &SigningKey,
) -> String {
    let input = format!(
        "{}.{}",
        encode(header.to_string().as_bytes()),
        encode(payload.to_string().as_bytes())
    );
    let signature: Signature = key.sign(input.as_bytes());
    format!("{input}.{}", encode(&signature.to_bytes()))
}

/// Unix seconds now, from the browser's clock.
pub fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// A kiosk consent `id` given at `given_at` (valid 24 h), with a receipt signed by `key`
/// (the scripted gateway's key, or another to forge one).
pub fn consent_record(
    id: &str,
    decisions: ConsentDecisions,
    given_at: i64,
    key: &SigningKey,
) -> ConsentRecord {
    let mut record = ConsentRecord {
        id: id.to_string(),
        patient: "patient-ref-1".into(),
        source: ConsentSource::Kiosk,
        method: VerificationMethod::Pin,
        decisions,
        given_at,
        valid_until: given_at + onshi_core::consent::VALIDITY_SECS,
        withdrawn_at: None,
        receipt: None,
    };
    let claims =
        serde_json::to_value(ReceiptClaims::for_record(&record, "1312345678")).expect("claims");
    let header = serde_json::json!({"alg": "ES256", "kid": GATEWAY_KID, "typ": RECEIPT_TYP});
    record.receipt = Some(sign_jws(&header, &claims, key));
    record
}

/// `answer` with the token the gateway adds (`typ: onshi-answer+jwt`).
pub fn sign_answer(answer: QualificationAnswer) -> QualificationAnswer {
    let claims = serde_json::to_value(claims_for(&answer, "scripted-request", 1_800_000_000))
        .expect("claims");
    let header = serde_json::json!({"alg": "ES256", "kid": GATEWAY_KID, "typ": TYP});
    QualificationAnswer {
        token: Some(sign_jws(&header, &claims, &gateway_key())),
        ..answer
    }
}

/// A credential as the EMR's server would issue it for `role` (signed by a test key the
/// scripted gateway does not check; the component never verifies credentials).
pub fn credential(role: Role, sub: &str) -> String {
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let payload = serde_json::json!({
        "sub": sub, "name": "試験 受付", "role": role.as_str(),
        "licence": (role == Role::Clinician).then_some("physician"),
        "facility_type": "medical_institution", "facility_code": "1319999999",
        "aud": "onshi-gateway", "iat": now - 10, "exp": now + 3600,
    });
    let header = serde_json::json!({"alg": "ES256", "kid": "test-emr", "typ": "JWT"});
    sign_jws(
        &header,
        &payload,
        &SigningKey::from_slice(&[0x3cu8; 32]).unwrap(),
    )
}

type Sinks = Rc<RefCell<Vec<(u32, Rc<dyn Fn(FeedSignal)>)>>>;

/// A scripted `GET /v1/events`: the test pushes signals to every open subscription.
#[derive(Default)]
pub struct FakeFeed {
    sinks: Sinks,
    next: Cell<u32>,
    /// The `after` of every subscription, in order.
    pub opened: RefCell<Vec<Option<i64>>>,
    /// The ticket of every subscription, in order.
    pub tickets: RefCell<Vec<String>>,
}

impl EventFeed for FakeFeed {
    fn subscribe(
        &self,
        ticket: &str,
        after: Option<i64>,
        sink: Rc<dyn Fn(FeedSignal)>,
    ) -> Subscription {
        let id = self.next.get() + 1;
        self.next.set(id);
        self.opened.borrow_mut().push(after);
        self.tickets.borrow_mut().push(ticket.to_string());
        self.sinks.borrow_mut().push((id, sink));
        let sinks = self.sinks.clone();
        Subscription::new(move || sinks.borrow_mut().retain(|(i, _)| *i != id))
    }

    fn reopen_delay_ms(&self) -> u32 {
        30
    }
}

impl FakeFeed {
    pub fn open_subscriptions(&self) -> usize {
        self.sinks.borrow().len()
    }

    pub fn emit(&self, signal: FeedSignal) {
        let sinks: Vec<_> = self.sinks.borrow().iter().map(|(_, s)| s.clone()).collect();
        for sink in sinks {
            sink(signal.clone());
        }
    }

    pub fn message(&self, event: &str, id: &str, data: String) {
        self.emit(FeedSignal::Message(FeedMessage {
            event: event.into(),
            id: id.into(),
            data,
        }));
    }

    pub fn reception(&self, event: &ReceptionEvent) {
        self.message(
            event.kind.as_str(),
            &event.id.to_string(),
            serde_json::to_string(event).unwrap(),
        );
    }

    pub fn card(&self, view: &CardSessionView) {
        self.message("card_session", "", serde_json::to_string(view).unwrap());
    }
}

/// A gateway with nothing to report.
pub fn fine_health() -> Health {
    health_with("")
}

/// A gateway's health: the fine answer (terminal mode, SQLite, no other desks) with the
/// JSON members in `extra` (without braces) replacing its own.
pub fn health_with(extra: &str) -> Health {
    let mut health: serde_json::Value = serde_json::from_str(
        r#"{"status":"ok","mode":"terminal","terminal":"online","version":"0.1.0",
            "store":{"backend":"sqlite","reachable":true},
            "desks":{"others":0,"shared_store":false}}"#,
    )
    .unwrap();
    let extra: serde_json::Value = serde_json::from_str(&format!("{{{extra}}}")).unwrap();
    for (key, value) in extra.as_object().unwrap() {
        health[key] = value.clone();
    }
    serde_json::from_value(health).expect("a health body")
}

/// A face-reader result: an invented patient, 薬剤 and 特定健診 consented.
pub fn face_event(id: i64, name: &str, minute: u32) -> ReceptionEvent {
    let mut person = record();
    person.person.name = Some(name.into());
    person.viewing_consents = ViewingConsents {
        medications: Some(ViewingConsent {
            flag: Some(ConsentFlag::Given),
            ..ViewingConsent::default()
        }),
        checkups: Some(ViewingConsent {
            flag: Some(ConsentFlag::Given),
            ..ViewingConsent::default()
        }),
        diagnoses: Some(ViewingConsent {
            flag: Some(ConsentFlag::NotGiven),
            ..ViewingConsent::default()
        }),
        operations: None,
    };
    ReceptionEvent {
        id,
        received_at: format!("2026-11-25T09:{minute:02}:30.000+09:00"),
        kind: ReceptionEventKind::FaceResult,
        source_file: format!("OQSmuquc01res_{id:04}.xml"),
        answer: Some(answer(QualificationStatus::Valid, vec![person])),
        prescription_issue_select: None,
        error: None,
        verification: Some(VerificationMethod::FaceRecognition),
    }
}

pub fn face_error_event(id: i64) -> ReceptionEvent {
    ReceptionEvent {
        id,
        received_at: "2026-11-25T10:02:00.000+09:00".into(),
        kind: ReceptionEventKind::FaceError,
        source_file: format!("broken_{id}.xml"),
        answer: None,
        prescription_issue_select: None,
        error: Some("the file is not well-formed XML".into()),
        verification: None,
    }
}

pub fn session(id: &str, state: CardSessionState) -> CardSessionView {
    CardSessionView {
        id: id.into(),
        state,
        secret: None,
    }
}

/// A fresh element in the document, inside a wrapper (to see events bubble).
pub fn host_element() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let wrapper = document.create_element("div").unwrap();
    let host = document.create_element("div").unwrap();
    wrapper.append_child(&host).unwrap();
    document.body().unwrap().append_child(&wrapper).unwrap();
    host
}

/// A mounted component plus the handles a test needs.
pub struct Ui {
    pub root: Element,
    pub client: Rc<ScriptedClient>,
    pub feed: Rc<FakeFeed>,
    pub handle: RefCell<Option<MountHandle>>,
    events: Rc<RefCell<Vec<JsValue>>>,
    _listener: Closure<dyn FnMut(web_sys::CustomEvent)>,
}

impl Ui {
    pub async fn mount(lang: Lang) -> Ui {
        Self::mount_with(lang, Rc::new(ScriptedClient::default())).await
    }

    /// Mounts with a client the test prepared (e.g. its health answer or timer), signed
    /// in as reception.
    pub async fn mount_with(lang: Lang, client: Rc<ScriptedClient>) -> Ui {
        let options = MountOptions {
            lang,
            credential: CredentialOption::Fixed(credential(Role::Reception, "reception-1")),
            ..MountOptions::default()
        };
        Self::mount_options(options, client).await
    }

    /// Mounts with `options` as given (e.g. another credential, or none).
    pub async fn mount_options(options: MountOptions, client: Rc<ScriptedClient>) -> Ui {
        let feed = Rc::new(FakeFeed::default());
        let (c, f) = (client.clone(), feed.clone());
        Self::attach(client, feed, |root| {
            Ok(onshi::mount_with_client(root.clone(), options, c, f))
        })
        .await
    }

    /// Mounts through the public JS entry point, with the real HTTP gateway client.
    pub async fn mount_public(options: JsValue) -> Ui {
        Self::attach(
            Rc::new(ScriptedClient::default()),
            Rc::new(FakeFeed::default()),
            |root| onshi::mount(root.clone(), options),
        )
        .await
    }

    /// Drives a component something else mounted into `root` (a custom element): the
    /// same helpers, events heard on `root`'s parent; nothing to unmount on drop.
    pub fn adopt(root: Element, client: Rc<ScriptedClient>) -> Ui {
        Self::listen(root, client, Rc::new(FakeFeed::default()))
    }

    async fn attach(
        script: Rc<ScriptedClient>,
        feed: Rc<FakeFeed>,
        mount: impl FnOnce(&Element) -> Result<MountHandle, JsValue>,
    ) -> Ui {
        let ui = Self::listen(host_element(), script, feed);
        let handle = mount(&ui.root).expect("mount");
        *ui.handle.borrow_mut() = Some(handle);
        yew::scheduler::flush().await;
        ui
    }

    /// A `Ui` over `root` that records every `onshi:qualified` heard on its parent: the
    /// event must bubble out of the host element.
    fn listen(root: Element, client: Rc<ScriptedClient>, feed: Rc<FakeFeed>) -> Ui {
        let events = Rc::new(RefCell::new(Vec::new()));
        let sink = events.clone();
        let listener =
            Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
                sink.borrow_mut().push(e.detail());
            });
        root.parent_element()
            .unwrap()
            .add_event_listener_with_callback(
                onshi::QUALIFIED_EVENT,
                listener.as_ref().unchecked_ref(),
            )
            .unwrap();
        Ui {
            root,
            client,
            feed,
            handle: RefCell::new(None),
            events,
            _listener: listener,
        }
    }

    /// Lets spawned futures and timers run, then renders.
    pub async fn settle(&self) {
        for _ in 0..3 {
            TimeoutFuture::new(0).await;
            yew::scheduler::flush().await;
        }
    }

    pub fn input(&self, key: &str) -> HtmlInputElement {
        self.root
            .query_selector(&format!("input[name='{key}']"))
            .unwrap()
            .unwrap_or_else(|| panic!("no input {key}"))
            .dyn_into()
            .unwrap()
    }

    pub async fn type_into(&self, key: &str, value: &str) {
        let input = self.input(key);
        input.set_value(value);
        let init = EventInit::new();
        init.set_bubbles(true);
        input
            .dispatch_event(&Event::new_with_event_init_dict("input", &init).unwrap())
            .unwrap();
        yew::scheduler::flush().await;
    }

    pub async fn blur(&self, key: &str) {
        let input = self.input(key);
        input.dispatch_event(&Event::new("blur").unwrap()).unwrap();
        yew::scheduler::flush().await;
    }

    pub async fn fill_patient(&self, insurer: &str) {
        self.type_into("insurer_number", insurer).await;
        self.type_into("symbol", "123").await;
        self.type_into("number", "4567").await;
        self.type_into("branch", "01").await;
        self.type_into("birthdate", "1985-04-12").await;
    }

    pub async fn click(&self, selector: &str) {
        let element: HtmlElement = self
            .root
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("nothing to click at {selector}"))
            .dyn_into()
            .unwrap();
        element.click();
        yew::scheduler::flush().await;
    }

    /// Sends a keydown to the element at `selector` (bubbling, like a real key press).
    pub async fn key(&self, selector: &str, key: &str) {
        let init = web_sys::KeyboardEventInit::new();
        init.set_key(key);
        init.set_bubbles(true);
        init.set_cancelable(true);
        let event =
            web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
        self.root
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no element at {selector}"))
            .dispatch_event(&event)
            .unwrap();
        yew::scheduler::flush().await;
    }

    /// Types `keys` on the element at `selector`, one key at a time.
    pub async fn keys(&self, selector: &str, keys: &[&str]) {
        for key in keys {
            self.key(selector, key).await;
        }
    }

    /// Waits (up to `ms`) until `selector` matches.
    pub async fn wait_for(&self, selector: &str, ms: u32) -> bool {
        let mut waited = 0;
        while !self.exists(selector) {
            if waited >= ms {
                return false;
            }
            TimeoutFuture::new(20).await;
            yew::scheduler::flush().await;
            waited += 20;
        }
        true
    }

    pub fn attr(&self, selector: &str, name: &str) -> Option<String> {
        self.root
            .query_selector(selector)
            .unwrap()
            .and_then(|e| e.get_attribute(name))
    }

    pub fn is_disabled(&self, selector: &str) -> bool {
        self.root
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("nothing at {selector}"))
            .matches(":disabled")
            .unwrap()
    }

    pub fn active_data(&self, name: &str) -> Option<String> {
        web_sys::window()
            .unwrap()
            .document()
            .unwrap()
            .active_element()
            .and_then(|e| e.get_attribute(name))
    }

    pub fn exists(&self, selector: &str) -> bool {
        self.root.query_selector(selector).unwrap().is_some()
    }

    pub fn count(&self, selector: &str) -> u32 {
        self.root.query_selector_all(selector).unwrap().length()
    }

    pub fn text(&self, selector: &str) -> String {
        self.root
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("nothing at {selector}"))
            .text_content()
            .unwrap_or_default()
    }

    pub fn problem(&self, key: &str) -> Option<String> {
        self.root
            .query_selector(&format!(
                ".onshi-field[data-field='{key}'] .onshi-field__problem"
            ))
            .unwrap()
            .map(|e| e.text_content().unwrap_or_default())
    }

    pub fn label_of(&self, key: &str) -> String {
        self.text(&format!("label[for='{}']", self.input(key).id()))
    }

    /// `detail` of every `onshi:qualified` seen so far.
    pub fn events(&self) -> Vec<JsValue> {
        self.events.borrow().clone()
    }
}

impl Drop for Ui {
    /// A test that ends unmounts its component, closing its event stream: a browser
    /// keeps at most six connections per origin, and the live suite's streams would
    /// otherwise use them all up.
    fn drop(&mut self) {
        if let Some(mut handle) = self.handle.borrow_mut().take() {
            handle.unmount();
        }
    }
}

pub fn get(value: &JsValue, path: &[&str]) -> JsValue {
    path.iter().fold(value.clone(), |v, key| {
        js_sys::Reflect::get(&v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    })
}

pub fn get_str(value: &JsValue, path: &[&str]) -> Option<String> {
    get(value, path).as_string()
}

/// An invented insured person of an invented 健保組合.
pub fn record() -> QualificationRecord {
    QualificationRecord {
        person: Person {
            name: Some("試験 花子".into()),
            name_kana: Some("ｼｹﾝ ﾊﾅｺ".into()),
            sex1: Some(Sex::Female),
            birthdate: Some("19850412".into()),
            ..Person::default()
        },
        insurance: Insurance {
            insurer_number: Some("01130012".into()),
            insurer_name: Some("試験健康保険組合".into()),
            symbol: Some("123".into()),
            number: Some("4567".into()),
            branch: Some("01".into()),
            personal_family: Some(PersonalFamily::Insured),
            partial_contribution_ratio: Some("030".into()),
            qualification_date: Some("20200401".into()),
            ..Insurance::default()
        },
        ..QualificationRecord::default()
    }
}

pub fn answer(
    status: QualificationStatus,
    results: Vec<QualificationRecord>,
) -> QualificationAnswer {
    QualificationAnswer {
        status,
        validity_code: None,
        reference_classification: None,
        checked_at: Some("20261125091500".into()),
        advisory: Some(ProcessingResult {
            message: Some("電子証明書の有効期限が近づいています".into()),
            ..ProcessingResult::default()
        }),
        results,
        token: None,
    }
}
