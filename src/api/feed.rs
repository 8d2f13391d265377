//! The gateway's server-sent events (`GET /v1/events`) behind the small [`EventFeed`]
//! trait: the browser's `EventSource` in production, a scripted feed in tests.
//!
//! `EventSource` reconnects by itself after a dropped connection and then sends
//! `Last-Event-ID`, so the gateway resumes where the page left off. Only when the browser
//! gives up (the stream is `CLOSED`, e.g. the gateway answered an error) does the
//! component open a new feed, passing the last id it saw as `?after=`.

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
    /// Opens the feed. `after` resumes after that event id (a fresh feed with `None`
    /// replays today's events). Every signal goes to `sink` until the subscription drops.
    fn subscribe(&self, after: Option<i64>, sink: Rc<dyn Fn(FeedSignal)>) -> Subscription;

    /// How long to wait before opening a new feed once the browser gave up.
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

    /// The stream URL, with `?after=` when resuming.
    pub fn url(&self, after: Option<i64>) -> String {
        match after {
            Some(id) => format!("{}/v1/events?after={id}", self.base),
            None => format!("{}/v1/events", self.base),
        }
    }
}

type Listener = Closure<dyn FnMut(web_sys::Event)>;

impl EventFeed for BrowserEventFeed {
    fn subscribe(&self, after: Option<i64>, sink: Rc<dyn Fn(FeedSignal)>) -> Subscription {
        let source = match EventSource::new(&self.url(after)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_url_resumes_with_after() {
        let feed = BrowserEventFeed::new("http://127.0.0.1:7611/");
        assert_eq!(feed.url(None), "http://127.0.0.1:7611/v1/events");
        assert_eq!(
            feed.url(Some(42)),
            "http://127.0.0.1:7611/v1/events?after=42"
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
