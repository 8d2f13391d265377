//! A raw SSE reader over a real HTTP/1.1 connection: the bytes as a browser's EventSource
//! would get them, split into events by hand so the test sees the exact wire format.

use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::{Bytes, Incoming};
use hyper::header::HeaderMap;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

/// One event as framed on the wire.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

impl SseEvent {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("data is not JSON ({e}): {}", self.data))
    }

    pub fn id(&self) -> i64 {
        self.id
            .as_deref()
            .expect("event has an id")
            .parse()
            .unwrap()
    }
}

pub struct SseClient {
    pub status: StatusCode,
    pub headers: HeaderMap,
    body: Incoming,
    buffer: String,
    /// Comment lines (keep-alives) seen so far.
    pub comments: usize,
}

impl SseClient {
    /// `GET path` with exactly `headers`.
    pub async fn open(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Self {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(connection);
        let mut builder = Request::builder().method("GET").uri(path);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let response = sender
            .send_request(builder.body(Empty::<Bytes>::new()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        Self {
            status,
            headers,
            body: response.into_body(),
            buffer: String::new(),
            comments: 0,
        }
    }

    /// The next event (comments skipped), or `None` if none comes within `within` or the
    /// stream ends.
    pub async fn next_event(&mut self, within: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(event) = self.take_buffered() {
                return Some(event);
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame())
                .await
                .ok()??;
            let frame = frame.ok()?;
            if let Ok(data) = frame.into_data() {
                self.buffer.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }

    /// Waits up to `within` for a comment line (keep-alive); true if one came.
    pub async fn comment_within(&mut self, within: Duration) -> bool {
        let before = self.comments;
        let deadline = tokio::time::Instant::now() + within;
        while self.comments == before {
            if let Some(event) = self.take_buffered() {
                panic!("expected a comment, got {event:?}");
            }
            let Ok(Some(Ok(frame))) = tokio::time::timeout_at(deadline, self.body.frame()).await
            else {
                return false;
            };
            if let Ok(data) = frame.into_data() {
                self.buffer.push_str(&String::from_utf8_lossy(&data));
            }
            self.take_buffered_comments();
        }
        true
    }

    fn take_buffered_comments(&mut self) {
        while let Some(end) = self.buffer.find("\n\n") {
            let block = &self.buffer[..end];
            if !block.lines().all(|l| l.starts_with(':')) {
                return;
            }
            self.comments += block.lines().count();
            self.buffer.drain(..end + 2);
        }
    }

    fn take_buffered(&mut self) -> Option<SseEvent> {
        while let Some(end) = self.buffer.find("\n\n") {
            let block: String = self.buffer.drain(..end + 2).collect();
            let mut event = SseEvent::default();
            let mut data = Vec::new();
            let mut fields = 0;
            for line in block.lines() {
                if line.starts_with(':') {
                    self.comments += 1;
                    continue;
                }
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                fields += 1;
                match name {
                    "id" => event.id = Some(value.to_string()),
                    "event" => event.event = Some(value.to_string()),
                    "data" => data.push(value.to_string()),
                    _ => {}
                }
            }
            if fields > 0 {
                event.data = data.join("\n");
                return Some(event);
            }
        }
        None
    }
}
