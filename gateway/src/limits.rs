//! Bounds on what callers can hold of the gateway: a deadline per request, a cap on
//! requests handled at once, a separate cap on open event streams and a cap on open
//! connections. Without them a page that keeps requesting (or a foreign page's
//! `<img src=…/v1/events>`) could pile up handlers, streams and sockets without end.
//!
//! Refusals are immediate and in the contract's shape (503 `busy`, `too_many_streams`,
//! `request_timeout`) rather than waits in a queue nobody bounds. The numbers are in
//! [`crate::config`].

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use onshi_core::api::ErrorCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tracing::warn;

use crate::api_error::ApiFailure;

/// The deadline and the in-flight cap of ordinary requests.
#[derive(Debug)]
pub struct RequestLimits {
    timeout: Duration,
    in_flight: Arc<Semaphore>,
}

impl RequestLimits {
    pub fn new(timeout: Duration, max_in_flight: usize) -> Self {
        Self {
            timeout,
            in_flight: Arc::new(Semaphore::new(max_in_flight.max(1))),
        }
    }
}

/// The middleware; install with `axum::middleware::from_fn_with_state`, inside the
/// security guard (so refusals carry CORS headers the page can read).
///
/// Both bounds cover a request until its response headers: an event stream's body runs
/// on after that, bounded by [`stream_slot`] instead, so the deadline never cuts a
/// stream and a stream does not keep an in-flight slot.
pub async fn limit_requests(
    State(limits): State<Arc<RequestLimits>>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(_slot) = Arc::clone(&limits.in_flight).try_acquire_owned() else {
        warn!(path = %request.uri().path(), "refused a request: too many in flight");
        return ApiFailure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Busy,
            "the gateway is handling as many requests as it takes at once; retry shortly",
        )
        .into_response();
    };
    let path = request.uri().path().to_string();
    // Dropping the handler on timeout is what a client disconnect does too: exchanges
    // take their request file back and give their terminal session back when dropped.
    match tokio::time::timeout(limits.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            warn!(%path, secs = limits.timeout.as_secs_f32(), "a request timed out");
            ApiFailure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::RequestTimeout,
                format!(
                    "the gateway could not answer within {} s; retry",
                    limits.timeout.as_secs()
                ),
            )
            .into_response()
        }
    }
}

/// A slot for one open event stream out of `streams`; the stream holds it and gives it
/// back when it ends (the client went away, or the gateway shuts down).
pub fn stream_slot(streams: &Arc<Semaphore>) -> Result<OwnedSemaphorePermit, ApiFailure> {
    Arc::clone(streams).try_acquire_owned().map_err(|_| {
        warn!("refused an event stream: too many open");
        ApiFailure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::TooManyStreams,
            "the gateway has as many event streams open as it keeps; close another page's \
             reception screen or retry later",
        )
    })
}

/// A TCP listener that takes at most `max` connections at once: beyond that the next one
/// waits in the kernel's backlog until a connection closes (axum's `serve` has no such
/// setting; refusing would look like a dead gateway to the browser).
pub struct CappedListener {
    listener: TcpListener,
    slots: Arc<Semaphore>,
}

impl CappedListener {
    pub fn new(listener: TcpListener, max: usize) -> Self {
        Self {
            listener,
            slots: Arc::new(Semaphore::new(max.max(1))),
        }
    }
}

impl axum::serve::Listener for CappedListener {
    type Io = CappedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        // The semaphore is ours and never closed, so this waits rather than fails.
        let slot = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .expect("the connection semaphore is never closed");
        let (stream, addr) = axum::serve::Listener::accept(&mut self.listener).await;
        (
            CappedStream {
                stream,
                _slot: slot,
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// A connection holding its slot until it is dropped (closed).
pub struct CappedStream {
    stream: TcpStream,
    _slot: OwnedSemaphorePermit,
}

impl AsyncRead for CappedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for CappedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
