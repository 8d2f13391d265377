//! `GET /v1/events` (SSE), `POST /v1/event-tickets` and `GET /v1/reception-queue` (JSON):
//! the reception queue.
//!
//! Who sees what on the stream: reception events only for callers that may read the
//! queue; a card session's progress only for the caller that started it (other desks do
//! not learn its id). A kiosk therefore sees its own card sessions and nothing else. The
//! stream ends when the caller's credential expires, so a page must come back with a
//! fresh one.
//!
//! Where a client starts: `Last-Event-ID` (what EventSource sends when it reconnects),
//! else `?after=<id>` (for clients that cannot set headers; an EventSource keeps its URL
//! on reconnect, so the header must win), else today's events (Japan time), so a page
//! opened mid-morning shows the morning's patients.

use std::collections::BTreeMap;
use std::convert::Infallible;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::stream::{self, Stream, StreamExt};
use onshi_core::api::{ErrorCode, EventTicket, ReceptionEvent, ReceptionQueue};
use onshi_core::card_session::{CardSessionState, CardSessionView};
use onshi_core::credential::Caller;
use onshi_core::roles::Capability;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tracing::warn;

use crate::api_error::ApiFailure;
use crate::audit::access;
use crate::auth::{self, tickets::TICKET_LIFETIME, Who};
use crate::clock;
use crate::limits::stream_slot;
use crate::reception::{closed, feed, Start};
use crate::server::AppState;

/// Events per `GET /v1/reception-queue` answer unless `limit` says otherwise.
const DEFAULT_QUEUE_LIMIT: usize = 200;
const MAX_QUEUE_LIMIT: usize = 1000;
const LAST_EVENT_ID: &str = "last-event-id";

/// Query parameters, as text so that a bad value gets a contract error, not axum's.
#[derive(Debug, Default, Deserialize)]
pub struct QueueParams {
    after: Option<String>,
    limit: Option<String>,
    /// Read by the authentication layer; named here so it is not an unknown parameter.
    #[allow(dead_code)]
    ticket: Option<String>,
}

/// What a caller may see on the stream; `Err` when nothing.
fn stream_scope(caller: &Caller) -> Result<(bool, bool), ApiFailure> {
    let queue = auth::check(caller, Capability::ReceptionQueue);
    let cards = auth::check(caller, Capability::CardSession);
    match (queue, cards) {
        (Err(refusal), Err(_)) => Err(refusal),
        (queue, cards) => Ok((queue.is_ok(), cards.is_ok())),
    }
}

/// `POST /v1/event-tickets`: a one-time ticket for `GET /v1/events?ticket=`.
pub async fn issue_ticket(
    State(state): State<AppState>,
    Who { caller, .. }: Who,
) -> Result<(StatusCode, Json<EventTicket>), ApiFailure> {
    stream_scope(&caller)?;
    let ticket = state
        .auth
        .tickets
        .issue(Caller::clone(&caller))
        .ok_or_else(|| ApiFailure::internal("the gateway has no randomness for a ticket"))?;
    Ok((
        StatusCode::CREATED,
        Json(EventTicket {
            ticket,
            expires_in_secs: TICKET_LIFETIME.as_secs(),
        }),
    ))
}

pub async fn events(
    State(state): State<AppState>,
    Who { caller, request_id }: Who,
    headers: HeaderMap,
    params: Result<Query<QueueParams>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiFailure> {
    let (sees_queue, sees_cards) = stream_scope(&caller)?;
    let params = query_params(params)?;
    let header = match headers.get(LAST_EVENT_ID) {
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| bad_cursor(LAST_EVENT_ID))?
                .to_string(),
        ),
        None => None,
    };
    let start = match header.filter(|h| !h.trim().is_empty()) {
        Some(id) => Start::After(parse_id(&id, LAST_EVENT_ID)?),
        None => start_from(params.after.as_deref())?,
    };
    let slot = stream_slot(&state.event_streams)?;
    state
        .audit
        .record_or_refuse(access::entry(Some(&caller), request_id, "events.subscribe"))
        .await?;
    // Each patient's entry is recorded before it is sent; when the log cannot take it the
    // stream ends (the page reconnects and resumes from its last id).
    let (audit, who) = (Arc::clone(&state.audit), Arc::clone(&caller));
    let stored = if sees_queue {
        feed(state.reception.clone(), start)
            .then(move |event| {
                let (audit, who) = (Arc::clone(&audit), Arc::clone(&who));
                async move {
                    let mut entry = access::entry(Some(&who), request_id, "events.deliver");
                    entry.patient_ref = event
                        .answer
                        .as_ref()
                        .and_then(access::answer_patient_key)
                        .map(|key| audit.patient_ref(&key));
                    let recorded = audit.record_or_refuse(entry).await.is_ok();
                    recorded.then_some(event)
                }
            })
            .take_while(|event| std::future::ready(event.is_some()))
            .filter_map(std::future::ready)
            .map(|event| Ok(sse_event(&event)))
            .boxed()
    } else {
        stream::empty().boxed()
    };
    let owner: Arc<str> = caller.sub.as_str().into();
    let (audit, who) = (Arc::clone(&state.audit), Arc::clone(&caller));
    let cards = card_session_events(&state)
        .filter(move |event| std::future::ready(sees_cards && event.owner == owner))
        .then(move |event| {
            let (audit, who) = (Arc::clone(&audit), Arc::clone(&who));
            async move {
                // Only a confirmed result names a patient; progress carries no data.
                if let CardSessionState::Done { answer, .. } = &event.view.state {
                    let mut entry = access::entry(Some(&who), request_id, "card_session.result");
                    entry.patient_ref =
                        access::answer_patient_key(answer).map(|key| audit.patient_ref(&key));
                    if audit.record_or_refuse(entry).await.is_err() {
                        return None;
                    }
                }
                Some(event)
            }
        })
        .take_while(|event| std::future::ready(event.is_some()))
        .filter_map(std::future::ready)
        .map(|event| Ok(card_session_event(&event.view)));
    // The credential's end is the stream's end: the page reconnects with a fresh one.
    let left = u64::try_from(caller.exp.saturating_sub(auth::unix_now())).unwrap_or(0);
    let expiry = tokio::time::sleep(Duration::from_secs(left));
    // The stream owns the slot, so it is free again once the client goes away.
    let stream = stream::select(stored, cards)
        .take_until(expiry)
        .map(move |item| {
            let _held = &slot;
            item
        });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(state.sse_keep_alive)))
}

pub async fn reception_queue(
    State(state): State<AppState>,
    Who { caller, request_id }: Who,
    params: Result<Query<QueueParams>, QueryRejection>,
) -> Result<Json<ReceptionQueue>, ApiFailure> {
    let params = query_params(params)?;
    let limit = match params.limit.as_deref() {
        None => DEFAULT_QUEUE_LIMIT,
        Some(text) => text
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_QUEUE_LIMIT).contains(n))
            .ok_or_else(|| bad_cursor("limit"))?,
    };
    let page = match start_from(params.after.as_deref())? {
        Start::After(after) => state.reception.after(after, limit).await,
        Start::Since(from) => state.reception.since(from, limit).await,
    }
    .map_err(|err| {
        warn!("cannot read the reception queue: {err}");
        ApiFailure::internal("the reception queue cannot be read; see the gateway log")
    })?;
    // One entry per patient shown (one for an empty page: the look itself).
    let mut entries: Vec<_> = page
        .events
        .iter()
        .map(|event| {
            let mut entry = access::entry(Some(&caller), request_id, "reception_queue.read");
            entry.patient_ref = event
                .answer
                .as_ref()
                .and_then(access::answer_patient_key)
                .map(|key| state.audit.patient_ref(&key));
            entry
        })
        .collect();
    if entries.is_empty() {
        entries.push(access::entry(
            Some(&caller),
            request_id,
            "reception_queue.read",
        ));
    }
    state.audit.record_all_or_refuse(entries).await?;
    Ok(Json(ReceptionQueue {
        events: page.events,
        more: page.more,
    }))
}

/// Unreadable query strings (bad percent-encoding) get the contract's error shape.
fn query_params(
    params: Result<Query<QueueParams>, QueryRejection>,
) -> Result<QueueParams, ApiFailure> {
    params.map(|Query(p)| p).map_err(|rejection| {
        ApiFailure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!("the query string cannot be read: {}", rejection.body_text()),
        )
    })
}

fn start_from(after: Option<&str>) -> Result<Start, ApiFailure> {
    match after.filter(|a| !a.trim().is_empty()) {
        Some(after) => Ok(Start::After(parse_id(after, "after")?)),
        None => Ok(Start::Since(clock::start_of_day(clock::now_jst()))),
    }
}

fn parse_id(text: &str, field: &str) -> Result<i64, ApiFailure> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id >= 0)
        .ok_or_else(|| bad_cursor(field))
}

fn bad_cursor(field: &str) -> ApiFailure {
    let mut fields = BTreeMap::new();
    fields.insert(field.to_string(), "invalid".to_string());
    ApiFailure::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::BadRequest,
        format!("{field} must be an event id (a whole number, 0 or more)"),
    )
    .with_fields(fields)
}

/// Live card-session progress until the gateway shuts down; none without card sessions.
/// Not replayed on reconnect (a page asks `GET /v1/card-sessions/{id}`); a client that
/// falls far behind skips to the newest change.
fn card_session_events(state: &AppState) -> impl Stream<Item = crate::card_session::SessionEvent> {
    let live = state.card_sessions.as_ref().map(|s| s.subscribe());
    let closing = state.reception.closing();
    stream::unfold((live, closing), |(live, mut closing)| async move {
        let mut live = live?;
        loop {
            tokio::select! {
                () = closed(&mut closing) => return None,
                received = live.recv() => match received {
                    Ok(view) => return Some((view, (Some(live), closing))),
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    })
}

/// `event: card_session`, `data:` the view, and deliberately **no `id:` line**: the
/// browser's last event id stays the last stored event's, so `Last-Event-ID` on reconnect
/// still resumes the reception queue exactly (an `id:` here would replace it with a value
/// the store does not know).
fn card_session_event(view: &CardSessionView) -> Event {
    match serde_json::to_string(view) {
        Ok(json) => Event::default().event("card_session").data(json),
        Err(err) => {
            warn!("cannot encode a card session event: {err}");
            Event::default().comment("an event could not be encoded")
        }
    }
}

/// `id:` the store id, `event:` the kind, `data:` the event as JSON.
fn sse_event(event: &ReceptionEvent) -> Event {
    match serde_json::to_string(event) {
        Ok(json) => Event::default()
            .id(event.id.to_string())
            .event(event.kind.as_str())
            .data(json),
        Err(err) => {
            // Cannot happen with these types; a comment keeps the stream alive if it does.
            warn!(id = event.id, "cannot encode a reception event: {err}");
            Event::default().comment("an event could not be encoded")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_whole_non_negative_numbers() {
        assert_eq!(parse_id(" 42 ", "after").unwrap(), 42);
        for bad in ["-1", "abc", "1.5", ""] {
            let failure = parse_id(bad, "after").unwrap_err();
            assert_eq!(failure.status, StatusCode::BAD_REQUEST);
            assert_eq!(failure.fields["after"], "invalid");
        }
    }

    #[test]
    fn no_cursor_means_today_in_japan() {
        match start_from(None).unwrap() {
            Start::Since(from) => {
                assert!(from.ends_with("T00:00:00.000+09:00"), "{from}");
            }
            other => panic!("expected today, got {other:?}"),
        }
        assert_eq!(start_from(Some("7")).unwrap(), Start::After(7));
    }
}
