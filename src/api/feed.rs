//! The gateway's server-sent events (`GET /v1/events`) behind the small [`EventFeed`]
//! trait: the browser's `EventSource` in production, a scripted feed in tests.
//!
//! `EventSource` cannot send an `Authorization` header, so a stream opens with a one-time
//! ticket (`?ticket=`, from `POST /v1/event-tickets`, see [`super::Gateway::open_feed`]);
//! the credential itself never goes into a URL. The browser reconnects a dropped stream
//! by itself with the same URL, which the gateway refuses (the ticket is spent), and
//! a stream ends when the credential it was opened with expires. Either way the
//! `EventSource` ends up `CLOSED`, and the component opens a new feed with a new ticket,
//! passing the last id it saw as `?after=` ([`crate::feed_link`] decides when).

use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, MessageEvent};

/// SSE event names the component listens to.
pub const FEED_EVENTS: [&str; 3] = ["face_result", "face_error", "card_session"];

/// One named SSE message, still as text (parsed by [`crate::queue::parse_message`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedMessage {
    /// The `event:` name.
    pub event: String,
    /// The `id:` line, empty when the gateway sent none.
    pub id: String,
    /// The `data:` payload (JSON).
    pub data: String,
}

/// What a feed reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedSignal {
    /// The stream is (again) open.
    Open,
    /// The connection dropped; the browser is reconnecting by itself.
    Reconnecting,
    /// The browser gave up; a new feed must be opened.
    Closed,
    Message(FeedMessage),
}

/// Keeps a feed open; dropping it closes the feed and silences its callback.
pub struct Subscription {
    close: Option<Box<dyn FnOnce()>>,
}

impl Subscription {
    pub fn new(close: impl FnOnce() + 'static) -> Self {
        Self {
            close: Some(Box::new(close)),
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(close) = self.close.take() {
            close();
        }
    }
}

/// A source of gateway events.
pub trait EventFeed {
    /// Opens the feed with a `ticket` just issued. `after` resumes after that event id (a
    /// fresh feed with `None` replays today's events). Every signal goes to `sink` until
    /// the subscription drops.
    fn subscribe(
        &self,
        ticket: &str,
        after: Option<i64>,
        sink: Rc<dyn Fn(FeedSignal)>,
    ) -> Subscription;

    /// How long to wait before opening a new feed after a failed attempt (doubling for
    /// each failure in a row, see [`crate::feed_link`]).
    fn reopen_delay_ms(&self) -> u32 {
        5_000
    }
}

/// `EventSource` on `{base}/v1/events`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserEventFeed {
    base: String,
}

impl BrowserEventFeed {
    pub fn new(base: impl Into<String>) -> Self {
        Self {
            base: base.into().trim_end_matches('/').to_string(),
        }
    }

    /// The stream URL for `ticket`, with `&after=` when resuming.
    pub fn url(&self, ticket: &str, after: Option<i64>) -> String {
        let ticket = encode_component(ticket);
        match after {
            Some(id) => format!("{}/v1/events?ticket={ticket}&after={id}", self.base),
            None => format!("{}/v1/events?ticket={ticket}", self.base),
        }
    }
}

type Listener = Closure<dyn FnMut(web_sys::Event)>;

impl EventFeed for BrowserEventFeed {
    fn subscribe(
        &self,
        ticket: &str,
        after: Option<i64>,
        sink: Rc<dyn Fn(FeedSignal)>,
    ) -> Subscription {
        let source = match EventSource::new(&self.url(ticket, after)) {
            Ok(source) => source,
            Err(_) => {
                // A malformed URL: report it as a closed feed (the mount options
                // were checked, so this is not expected).
                sink(FeedSignal::Closed);
                return Subscription::new(|| {});
            }
        };
        let mut listeners: Vec<(&'static str, Listener)> = Vec::new();
        for name in FEED_EVENTS {
            let sink = sink.clone();
            let listener = Listener::new(move |event: web_sys::Event| {
                if let Some(message) = event.dyn_ref::<MessageEvent>() {
                    sink(FeedSignal::Message(FeedMessage {
                        event: name.to_string(),
                        id: message.last_event_id(),
                        data: message.data().as_string().unwrap_or_default(),
                    }));
                }
            });
            listeners.push((name, listener));
        }
        let open = {
            let sink = sink.clone();
            Listener::new(move |_| sink(FeedSignal::Open))
        };
        let error = {
            let sink = sink.clone();
            let source = source.clone();
            Listener::new(move |_| {
                if source.ready_state() == EventSource::CLOSED {
                    sink(FeedSignal::Closed);
                } else {
                    sink(FeedSignal::Reconnecting);
                }
            })
        };
        listeners.push(("open", open));
        listeners.push(("error", error));
        for (name, listener) in &listeners {
            let _ =
                source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        }
        Subscription::new(move || {
            source.close();
            for (name, listener) in &listeners {
                let _ = source
                    .remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
            }
        })
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters (a ticket is
/// base64url in practice; this keeps any other ticket from breaking the query).
fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_url_carries_the_ticket_and_resumes_with_after() {
        let feed = BrowserEventFeed::new("http://127.0.0.1:7611/");
        assert_eq!(
            feed.url("t-1_x", None),
            "http://127.0.0.1:7611/v1/events?ticket=t-1_x"
        );
        assert_eq!(
            feed.url("t1", Some(42)),
            "http://127.0.0.1:7611/v1/events?ticket=t1&after=42"
        );
        assert_eq!(
            feed.url("a b&c=d", None),
            "http://127.0.0.1:7611/v1/events?ticket=a%20b%26c%3Dd"
        );
        assert_eq!(feed.reopen_delay_ms(), 5_000);
    }

    #[test]
    fn dropping_a_subscription_closes_once() {
        let closed = Rc::new(std::cell::Cell::new(0));
        let counter = closed.clone();
        drop(Subscription::new(move || counter.set(counter.get() + 1)));
        assert_eq!(closed.get(), 1);
    }
}
