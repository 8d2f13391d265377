//! The live reception queue: face-reader and My Number Card results pushed by the
//! gateway, newest first, deduplicated by event id (a reconnect replays what was already
//! seen), with the connection state and which entries the desk has opened (or saw
//! already: the result of a card read at this desk). Pure data, tested natively.

use std::rc::Rc;

use onshi_core::api::{ReceptionEvent, ReceptionEventKind};
use onshi_core::card_session::CardSessionView;
use yew::Reducible;

use crate::api::{FeedMessage, FeedSignal};

/// Entries kept at most (a long day at a busy desk is far below this).
pub const MAX_ENTRIES: usize = 500;

/// How the gateway names the `source_file` of a card session's `card_result`.
pub const CARD_SESSION_SOURCE_PREFIX: &str = "card-session/";

/// The state of the event stream, as the desk sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Connection {
    /// Opening the first time.
    #[default]
    Connecting,
    /// 接続中: events arrive.
    Open,
    /// 再接続中: the connection dropped; the browser is reconnecting.
    Reconnecting,
    /// 切断: the browser gave up; the component opens a new stream after a pause.
    Closed,
}

/// One queue entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub event: ReceptionEvent,
    /// 確認済: the desk opened this result, or it is a card read at this desk.
    pub confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Queue {
    /// Newest (largest id) first.
    entries: Vec<QueueEntry>,
    pub connection: Connection,
    /// Card sessions that reached `done` at this desk (oldest first, at most
    /// [`MAX_ENTRIES`]): their `card_result` is confirmed whichever arrives first.
    own_card_sessions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum QueueAction {
    Signal(FeedSignal),
    Received(Box<ReceptionEvent>),
    /// The desk opened this entry.
    Confirm(i64),
    /// A card session reached `done` at this desk, so the receptionist saw its result.
    CardSessionDone(String),
}

/// The card session a `card_result` event names (`card-session/<id>`); `None` for other
/// events.
pub fn card_session_of(event: &ReceptionEvent) -> Option<&str> {
    if event.kind != ReceptionEventKind::CardResult {
        return None;
    }
    event
        .source_file
        .strip_prefix(CARD_SESSION_SOURCE_PREFIX)
        .filter(|id| !id.is_empty())
}

/// A parsed feed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedItem {
    Reception(ReceptionEvent),
    CardSession(CardSessionView),
}

/// Reads a named SSE message; `None` for names this build does not handle and for
/// payloads that do not parse (they are skipped, never fatal).
pub fn parse_message(message: &FeedMessage) -> Option<FeedItem> {
    if message.event == "card_session" {
        return crate::json::from_str(&message.data)
            .ok()
            .map(FeedItem::CardSession);
    }
    ReceptionEventKind::from_name(&message.event)?;
    crate::json::from_str::<ReceptionEvent>(&message.data)
        .ok()
        .map(FeedItem::Reception)
}

impl Queue {
    pub fn entries(&self) -> &[QueueEntry] {
        &self.entries
    }

    pub fn entry(&self, id: i64) -> Option<&QueueEntry> {
        self.entries.iter().find(|e| e.event.id == id)
    }

    /// The largest id seen: where a new stream resumes.
    pub fn last_id(&self) -> Option<i64> {
        self.entries.first().map(|e| e.event.id)
    }

    /// Whether `event` is the result of a card session that reached `done` at this desk.
    pub fn is_own_card_result(&self, event: &ReceptionEvent) -> bool {
        card_session_of(event).is_some_and(|id| self.own_card_sessions.iter().any(|s| s == id))
    }

    /// Results (face reader or card) not opened yet.
    pub fn unconfirmed(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| {
                !e.confirmed
                    && matches!(
                        e.event.kind,
                        ReceptionEventKind::FaceResult | ReceptionEventKind::CardResult
                    )
            })
            .count()
    }

    /// The next state, or `None` when nothing changes.
    pub fn apply(&self, action: QueueAction) -> Option<Queue> {
        let mut next = self.clone();
        match action {
            QueueAction::Signal(FeedSignal::Message(_)) => return None,
            QueueAction::Signal(signal) => {
                let connection = match signal {
                    FeedSignal::Open => Connection::Open,
                    FeedSignal::Reconnecting => Connection::Reconnecting,
                    FeedSignal::Closed => Connection::Closed,
                    FeedSignal::Message(_) => unreachable!("handled above"),
                };
                if connection == self.connection {
                    return None;
                }
                next.connection = connection;
            }
            QueueAction::Received(event) => {
                if self.entry(event.id).is_some() {
                    return None;
                }
                // A delivered event proves the stream is open.
                next.connection = Connection::Open;
                let at = next
                    .entries
                    .iter()
                    .position(|e| e.event.id < event.id)
                    .unwrap_or(next.entries.len());
                let confirmed = self.is_own_card_result(&event);
                next.entries.insert(
                    at,
                    QueueEntry {
                        event: *event,
                        confirmed,
                    },
                );
                next.entries.truncate(MAX_ENTRIES);
            }
            QueueAction::Confirm(id) => {
                let entry = next.entries.iter_mut().find(|e| e.event.id == id)?;
                if entry.confirmed {
                    return None;
                }
                entry.confirmed = true;
            }
            QueueAction::CardSessionDone(id) => {
                if id.is_empty() || self.own_card_sessions.contains(&id) {
                    return None;
                }
                // The gateway queues the result before it reports `done`, so the entry
                // is often here already.
                next.entries
                    .iter_mut()
                    .filter(|e| card_session_of(&e.event) == Some(id.as_str()))
                    .for_each(|e| e.confirmed = true);
                if next.own_card_sessions.len() >= MAX_ENTRIES {
                    next.own_card_sessions.remove(0);
                }
                next.own_card_sessions.push(id);
            }
        }
        Some(next)
    }
}

impl Reducible for Queue {
    type Action = QueueAction;

    fn reduce(self: Rc<Self>, action: QueueAction) -> Rc<Self> {
        match self.apply(action) {
            Some(next) => Rc::new(next),
            None => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(id: i64) -> ReceptionEvent {
        ReceptionEvent {
            id,
            received_at: format!("2026-11-25T09:{:02}:00.000+09:00", id % 60),
            kind: ReceptionEventKind::FaceResult,
            source_file: format!("face_{id}.xml"),
            answer: None,
            prescription_issue_select: None,
            error: None,
            verification: None,
        }
    }

    fn run(queue: Queue, actions: impl IntoIterator<Item = QueueAction>) -> Queue {
        actions
            .into_iter()
            .fold(queue, |q, a| q.apply(a).unwrap_or(q))
    }

    fn ids(queue: &Queue) -> Vec<i64> {
        queue.entries().iter().map(|e| e.event.id).collect()
    }

    #[test]
    fn newest_first_whatever_the_arrival_order() {
        let queue = run(
            Queue::default(),
            [3, 1, 7, 5].map(|id| QueueAction::Received(Box::new(face(id)))),
        );
        assert_eq!(ids(&queue), vec![7, 5, 3, 1]);
        assert_eq!(queue.last_id(), Some(7));
        assert_eq!(queue.unconfirmed(), 4);
    }

    #[test]
    fn a_replayed_event_is_not_added_twice_and_keeps_its_state() {
        let queue = run(
            Queue::default(),
            [
                QueueAction::Received(Box::new(face(1))),
                QueueAction::Received(Box::new(face(2))),
                QueueAction::Confirm(1),
                QueueAction::Signal(FeedSignal::Reconnecting),
            ],
        );
        assert_eq!(queue.connection, Connection::Reconnecting);
        // The gateway replays today's events after a fresh connect.
        assert!(queue
            .apply(QueueAction::Received(Box::new(face(1))))
            .is_none());
        let queue = run(
            queue,
            [
                QueueAction::Signal(FeedSignal::Open),
                QueueAction::Received(Box::new(face(2))),
                QueueAction::Received(Box::new(face(3))),
            ],
        );
        assert_eq!(ids(&queue), vec![3, 2, 1]);
        assert!(queue.entry(1).unwrap().confirmed, "not lost on reconnect");
        assert!(!queue.entry(3).unwrap().confirmed);
        assert_eq!(queue.unconfirmed(), 2);
    }

    #[test]
    fn connection_states() {
        let queue = Queue::default();
        assert_eq!(queue.connection, Connection::Connecting);
        let open = run(queue, [QueueAction::Signal(FeedSignal::Open)]);
        assert_eq!(open.connection, Connection::Open);
        assert!(open.apply(QueueAction::Signal(FeedSignal::Open)).is_none());
        let closed = run(open, [QueueAction::Signal(FeedSignal::Closed)]);
        assert_eq!(closed.connection, Connection::Closed);
        let back = run(closed, [QueueAction::Received(Box::new(face(9)))]);
        assert_eq!(back.connection, Connection::Open);
    }

    #[test]
    fn confirm_marks_once_and_unknown_ids_change_nothing() {
        let queue = run(Queue::default(), [QueueAction::Received(Box::new(face(4)))]);
        assert!(queue.apply(QueueAction::Confirm(99)).is_none());
        let queue = run(queue, [QueueAction::Confirm(4)]);
        assert!(queue.entry(4).unwrap().confirmed);
        assert!(queue.apply(QueueAction::Confirm(4)).is_none());
        assert_eq!(queue.unconfirmed(), 0);
    }

    #[test]
    fn face_errors_are_entries_but_never_unconfirmed_results() {
        let mut error = face(2);
        error.kind = ReceptionEventKind::FaceError;
        error.error = Some("unreadable XML".into());
        let queue = run(Queue::default(), [QueueAction::Received(Box::new(error))]);
        assert_eq!(queue.entries().len(), 1);
        assert_eq!(queue.unconfirmed(), 0);
        let mut card = face(3);
        card.kind = ReceptionEventKind::CardResult;
        let queue = run(queue, [QueueAction::Received(Box::new(card))]);
        assert_eq!(queue.unconfirmed(), 1, "a card result is a result");
    }

    #[test]
    fn the_queue_is_bounded() {
        let queue = run(
            Queue::default(),
            (0..(MAX_ENTRIES as i64 + 10)).map(|id| QueueAction::Received(Box::new(face(id)))),
        );
        assert_eq!(queue.entries().len(), MAX_ENTRIES);
        assert_eq!(queue.last_id(), Some(MAX_ENTRIES as i64 + 9));
    }

    /// A `card_result` the gateway queued for card session `session`.
    fn card(id: i64, session: &str) -> ReceptionEvent {
        ReceptionEvent {
            kind: ReceptionEventKind::CardResult,
            source_file: format!("{CARD_SESSION_SOURCE_PREFIX}{session}"),
            ..face(id)
        }
    }

    fn done(session: &str) -> QueueAction {
        QueueAction::CardSessionDone(session.into())
    }

    fn received(event: ReceptionEvent) -> QueueAction {
        QueueAction::Received(Box::new(event))
    }

    #[test]
    fn the_card_session_of_a_card_result() {
        assert_eq!(card_session_of(&card(1, "cs-1")), Some("cs-1"));
        assert_eq!(card_session_of(&card(1, "")), None);
        assert_eq!(card_session_of(&face(1)), None);
        let face_named_like_a_session = ReceptionEvent {
            source_file: "card-session/cs-1".into(),
            ..face(1)
        };
        assert_eq!(card_session_of(&face_named_like_a_session), None);
    }

    #[test]
    fn a_card_read_here_is_confirmed_when_its_result_was_queued_first() {
        // The gateway stores the result before it reports `done`.
        let queue = run(Queue::default(), [received(card(4, "here"))]);
        assert_eq!(queue.unconfirmed(), 1, "not done yet");
        let queue = run(queue, [done("here")]);
        assert!(queue.entry(4).unwrap().confirmed);
        assert_eq!(queue.unconfirmed(), 0);
        assert!(queue.apply(done("here")).is_none(), "once");
    }

    #[test]
    fn a_card_read_here_is_confirmed_when_its_result_arrives_after_done() {
        let queue = run(Queue::default(), [done("here"), received(card(4, "here"))]);
        assert!(queue.entry(4).unwrap().confirmed);
        assert_eq!(queue.unconfirmed(), 0);
        // A replay after a reconnect keeps it confirmed.
        let queue = run(
            queue,
            [
                QueueAction::Signal(FeedSignal::Reconnecting),
                QueueAction::Signal(FeedSignal::Open),
                received(card(4, "here")),
            ],
        );
        assert_eq!(queue.unconfirmed(), 0);
    }

    #[test]
    fn cards_read_at_another_desk_and_face_results_stay_unconfirmed() {
        let queue = run(
            Queue::default(),
            [
                received(card(1, "other-desk")),
                received(face(2)),
                done("here"),
                received(card(3, "other-desk-2")),
                received(card(4, "here")),
            ],
        );
        assert!(!queue.entry(1).unwrap().confirmed);
        assert!(!queue.entry(2).unwrap().confirmed);
        assert!(!queue.entry(3).unwrap().confirmed);
        assert!(queue.entry(4).unwrap().confirmed);
        assert_eq!(queue.unconfirmed(), 3);
    }

    #[test]
    fn the_sessions_remembered_are_bounded() {
        let queue = run(
            Queue::default(),
            (0..(MAX_ENTRIES + 1)).map(|n| done(&format!("s{n}"))),
        );
        assert_eq!(queue.own_card_sessions.len(), MAX_ENTRIES);
        let queue = run(queue, [received(card(1, "s0")), received(card(2, "s1"))]);
        assert!(!queue.entry(1).unwrap().confirmed, "the oldest was dropped");
        assert!(queue.entry(2).unwrap().confirmed);
    }

    #[test]
    fn messages_are_parsed_by_name_and_garbage_is_skipped() {
        let data = serde_json::to_string(&face(5)).unwrap();
        let message = |event: &str, data: &str| FeedMessage {
            event: event.into(),
            id: "5".into(),
            data: data.into(),
        };
        assert_eq!(
            parse_message(&message("face_result", &data)),
            Some(FeedItem::Reception(face(5)))
        );
        assert_eq!(parse_message(&message("face_result", "{not json")), None);
        assert_eq!(parse_message(&message("something_new", &data)), None);
        let card = r#"{"id":"s1","state":"pin_required","tries_left":3,"token":"card"}"#;
        match parse_message(&message("card_session", card)) {
            Some(FeedItem::CardSession(view)) => assert_eq!(view.id, "s1"),
            other => panic!("{other:?}"),
        }
    }
}
