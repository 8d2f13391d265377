//! Shared browser-test helpers: a scripted gateway, a mounted component driven through
//! DOM events, and synthetic answers (invented people and numbers only).
#![allow(dead_code)] // each test crate uses a different subset

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::LocalBoxFuture;
use gloo_timers::future::TimeoutFuture;
use onshi::api::{ClientError, GatewayClient};
use onshi::config::MountOptions;
use onshi::MountHandle;
use onshi_core::api::{QualificationAnswer, QualificationQuery, QualificationStatus};
use onshi_core::codes::{Lang, PersonalFamily, Sex};
use onshi_core::qualification::{Insurance, Person, ProcessingResult, QualificationRecord};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, EventInit, HtmlElement, HtmlInputElement};

type Reply = Result<QualificationAnswer, ClientError>;

enum Scripted {
    Ready(Reply),
    Pending(oneshot::Receiver<Reply>),
}

/// Answers queries from a script, in order, and records what was asked.
#[derive(Default)]
pub struct ScriptedClient {
    replies: RefCell<VecDeque<Scripted>>,
    queries: RefCell<Vec<QualificationQuery>>,
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
}

impl GatewayClient for ScriptedClient {
    fn qualify(&self, query: QualificationQuery) -> LocalBoxFuture<'static, Reply> {
        self.queries.borrow_mut().push(query);
        let next = self.replies.borrow_mut().pop_front();
        Box::pin(async move {
            match next {
                Some(Scripted::Ready(reply)) => reply,
                Some(Scripted::Pending(rx)) => rx
                    .await
                    .unwrap_or(Err(ClientError::Decode("test dropped the reply".into()))),
                None => Err(ClientError::Decode("no scripted reply left".into())),
            }
        })
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
    pub handle: RefCell<Option<MountHandle>>,
    events: Rc<RefCell<Vec<JsValue>>>,
    _listener: Closure<dyn FnMut(web_sys::CustomEvent)>,
}

impl Ui {
    pub async fn mount(lang: Lang) -> Ui {
        let client = Rc::new(ScriptedClient::default());
        let options = MountOptions {
            lang,
            ..MountOptions::default()
        };
        Self::mount_with(client.clone(), client, options).await
    }

    /// Mounts with any client; `script` is the handle tests use to script it.
    pub async fn mount_with(
        client: Rc<dyn GatewayClient>,
        script: Rc<ScriptedClient>,
        options: MountOptions,
    ) -> Ui {
        Self::attach(script, |root| {
            Ok(onshi::mount_with_client(root.clone(), options, client))
        })
        .await
    }

    /// Mounts through the public JS entry point, with the real HTTP gateway client.
    pub async fn mount_public(options: JsValue) -> Ui {
        Self::attach(Rc::new(ScriptedClient::default()), |root| {
            onshi::mount(root.clone(), options)
        })
        .await
    }

    async fn attach(
        script: Rc<ScriptedClient>,
        mount: impl FnOnce(&Element) -> Result<MountHandle, JsValue>,
    ) -> Ui {
        let root = host_element();
        let events = Rc::new(RefCell::new(Vec::new()));
        let sink = events.clone();
        let listener =
            Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
                sink.borrow_mut().push(e.detail());
            });
        // Listen on the wrapper: the event must bubble out of the host element.
        root.parent_element()
            .unwrap()
            .add_event_listener_with_callback(
                onshi::QUALIFIED_EVENT,
                listener.as_ref().unchecked_ref(),
            )
            .unwrap();
        let handle = mount(&root).expect("mount");
        yew::scheduler::flush().await;
        Ui {
            root,
            client: script,
            handle: RefCell::new(Some(handle)),
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
    }
}
