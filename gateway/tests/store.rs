//! One store test suite, run against both backends: SQLite in a temp folder, and a fresh
//! database on a real PostgreSQL server (see `common/postgres.rs`). Each case is written
//! once against `Arc<dyn Store>`; the `suite!` macro instantiates it per backend.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use onshi_core::api::{QualificationAnswer, QualificationStatus, ReceptionEventKind, StoreBackend};
use onshi_core::card_session::VerificationMethod;
use onshi_core::codes::PrescriptionIssueSelect;
use onshi_gateway::store::{Admission, AdmissionTimes, NewEvent, Store};

use common::places::{suite, Place};

suite!(
    events_round_trip_with_increasing_ids,
    the_same_file_is_stored_once_but_a_new_content_is_a_new_event,
    racing_stores_of_one_file_store_it_once,
    concurrent_writers_never_let_a_reader_skip_an_id,
    pages_say_when_more_follow,
    since_selects_by_receipt_time,
    the_verification_method_is_stored_and_read_back,
    errors_carry_no_answer,
    a_commit_wakes_this_stores_listeners,
    opening_again_keeps_everything_and_reports_health,
    terminal_sessions_are_granted_in_arrival_order_up_to_the_limit,
    a_desk_that_stops_asking_loses_its_place_and_its_session_lapses,
    two_handles_share_one_count,
);

const AT: &str = "2026-11-25T08:00:00.000+09:00";

fn answer() -> QualificationAnswer {
    QualificationAnswer {
        status: QualificationStatus::Valid,
        validity_code: Some("1".to_string()),
        reference_classification: None,
        checked_at: Some("20261125083011".to_string()),
        advisory: None,
        results: Vec::new(),
        token: None,
    }
}

fn event(name: &str, hash: &str, at: &str) -> NewEvent {
    NewEvent {
        received_at: at.to_string(),
        kind: ReceptionEventKind::FaceResult,
        source_file: name.to_string(),
        content_sha256: hash.to_string(),
        answer: Some(answer()),
        prescription_issue_select: Some(PrescriptionIssueSelect::Electronic),
        error: None,
        verification: Some(VerificationMethod::FaceRecognition),
    }
}

async fn events_round_trip_with_increasing_ids(place: Place) {
    let store = place.open().await;
    let a = store.insert_event(event("a.xml", "h1", AT)).await.unwrap();
    let b = store
        .insert_event(event("b.xml", "h2", "2026-11-25T08:01:00.000+09:00"))
        .await
        .unwrap();
    assert!(a.new && b.new);
    assert!(b.event.id > a.event.id);
    let page = store.events_after(0, 10).await.unwrap();
    assert_eq!(page.events, vec![a.event.clone(), b.event.clone()]);
    assert!(!page.more);
    assert_eq!(page.events[0].answer, Some(answer()));
    assert_eq!(
        page.events[0].prescription_issue_select,
        Some(PrescriptionIssueSelect::Electronic)
    );
    assert_eq!(
        store.events_after(a.event.id, 10).await.unwrap().events,
        vec![b.event]
    );
}

async fn the_same_file_is_stored_once_but_a_new_content_is_a_new_event(place: Place) {
    let store = place.open().await;
    let first = store.insert_event(event("a.xml", "h1", AT)).await.unwrap();
    let again = store.insert_event(event("a.xml", "h1", AT)).await.unwrap();
    assert!(first.new);
    assert!(!again.new);
    assert_eq!(again.event, first.event);
    let other = store.insert_event(event("a.xml", "h2", AT)).await.unwrap();
    assert!(other.new);
    assert!(other.event.id > first.event.id);
    assert_eq!(store.events_after(0, 10).await.unwrap().events.len(), 2);
}

/// Two gateways taking in the same files at the same moment: each file is stored once,
/// and exactly one of them is told it stored it.
async fn racing_stores_of_one_file_store_it_once(place: Place) {
    let desks = [place.open().await, place.open().await];
    let mut tasks = Vec::new();
    for n in 0..20 {
        for desk in &desks {
            let desk = Arc::clone(desk);
            tasks.push(tokio::spawn(async move {
                desk.insert_event(event(&format!("{n}.xml"), "h", AT))
                    .await
                    .unwrap()
            }));
        }
    }
    let mut winners = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for task in tasks {
        let recorded = task.await.unwrap();
        ids.insert(recorded.event.id);
        if recorded.new {
            assert!(
                winners.insert(recorded.event.source_file.clone()),
                "two winners for {}",
                recorded.event.source_file
            );
        }
    }
    assert_eq!(winners.len(), 20);
    assert_eq!(ids.len(), 20, "both desks got the same id for a file");
    assert_eq!(
        desks[1].events_after(0, 100).await.unwrap().events.len(),
        20
    );
}

/// Writers on two handles, and a reader that only ever asks "after the last id I saw":
/// it must see every event. With ids that commit out of order it would skip some.
async fn concurrent_writers_never_let_a_reader_skip_an_id(place: Place) {
    const PER_WRITER: usize = 40;
    let desks = [place.open().await, place.open().await];
    let reader = place.open().await;
    let mut writers = Vec::new();
    for (w, desk) in desks.iter().enumerate() {
        for lane in 0..2 {
            let desk = Arc::clone(desk);
            writers.push(tokio::spawn(async move {
                for n in 0..PER_WRITER {
                    desk.insert_event(event(&format!("{w}-{lane}-{n}.xml"), "h", AT))
                        .await
                        .unwrap();
                }
            }));
        }
    }
    let mut seen = Vec::new();
    let mut last = 0;
    // Read while the writers write; then once more after they are done.
    loop {
        let done = writers.iter().all(|w| w.is_finished());
        let page = reader.events_after(last, 7).await.unwrap();
        let more = page.more;
        for e in page.events {
            last = e.id;
            seen.push(e.id);
        }
        if done && !more {
            break;
        }
        tokio::task::yield_now().await;
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let all: Vec<i64> = reader
        .events_after(0, 1000)
        .await
        .unwrap()
        .events
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(all.len(), desks.len() * 2 * PER_WRITER);
    assert_eq!(seen, all, "the incremental reader missed events");
}

async fn pages_say_when_more_follow(place: Place) {
    let store = place.open().await;
    for n in 0..5 {
        store
            .insert_event(event(&format!("{n}.xml"), "h", AT))
            .await
            .unwrap();
    }
    let first = store.events_after(0, 3).await.unwrap();
    assert_eq!(first.events.len(), 3);
    assert!(first.more);
    let rest = store.events_after(first.events[2].id, 3).await.unwrap();
    assert_eq!(rest.events.len(), 2);
    assert!(!rest.more);
}

async fn since_selects_by_receipt_time(place: Place) {
    let store = place.open().await;
    store
        .insert_event(event("old.xml", "h", "2026-11-24T17:59:00.000+09:00"))
        .await
        .unwrap();
    let today = store
        .insert_event(event("new.xml", "h", "2026-11-25T07:59:00.000+09:00"))
        .await
        .unwrap();
    let page = store
        .events_since("2026-11-25T00:00:00.000+09:00".to_string(), 10)
        .await
        .unwrap();
    assert_eq!(page.events, vec![today.event]);
}

async fn the_verification_method_is_stored_and_read_back(place: Place) {
    let store = place.open().await;
    for (n, method) in [
        VerificationMethod::Pin,
        VerificationMethod::FaceRecognition,
        VerificationMethod::VisualCheck,
    ]
    .into_iter()
    .enumerate()
    {
        let card = NewEvent {
            kind: ReceptionEventKind::CardResult,
            prescription_issue_select: None,
            verification: Some(method),
            ..event(&format!("card-session/{n}"), "h", AT)
        };
        let inserted = store.insert_event(card).await.unwrap().event;
        assert_eq!(inserted.verification, Some(method));
        let read = store.events_after(inserted.id - 1, 1).await.unwrap().events;
        assert_eq!(read, vec![inserted]);
    }
}

async fn errors_carry_no_answer(place: Place) {
    let store = place.open().await;
    let refused = NewEvent {
        kind: ReceptionEventKind::FaceError,
        answer: None,
        prescription_issue_select: None,
        error: Some("the file ends early".to_string()),
        verification: None,
        ..event("bad.xml", "h", AT)
    };
    store.insert_event(refused).await.unwrap();
    let stored = &store.events_after(0, 1).await.unwrap().events[0];
    assert_eq!(stored.kind, ReceptionEventKind::FaceError);
    assert!(stored.answer.is_none());
    assert_eq!(stored.error.as_deref(), Some("the file ends early"));
    assert_eq!(stored.verification, None);
}

async fn a_commit_wakes_this_stores_listeners(place: Place) {
    let store = place.open().await;
    let mut commits = store.commits();
    commits.mark_unchanged();
    store.insert_event(event("a.xml", "h", AT)).await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), commits.changed())
        .await
        .expect("woken")
        .unwrap();
    // Signals may also come late or twice (PostgreSQL's own NOTIFY, a LISTEN reconnect):
    // feeds read the store after their last id, so only a missing one would matter.
}

async fn opening_again_keeps_everything_and_reports_health(place: Place) {
    let store = place.open().await;
    let stored = store.insert_event(event("a.xml", "h", AT)).await.unwrap();
    let version = store.schema_version().await.unwrap();
    assert!(version >= 1);
    let backend = place.location.backend();
    assert_eq!(store.health().backend, backend);
    assert!(store.health().reachable);
    assert!(store.probe().await);
    drop(store);
    let reopened = place.open().await;
    assert_eq!(reopened.schema_version().await.unwrap(), version);
    assert_eq!(
        reopened.events_after(0, 10).await.unwrap().events,
        vec![stored.event]
    );
    assert!(matches!(
        backend,
        StoreBackend::Sqlite | StoreBackend::Postgres
    ));
}

const LONG: AdmissionTimes = AdmissionTimes {
    hold: Duration::from_secs(60),
    queue_hold: Duration::from_secs(60),
};

async fn ask(store: &Arc<dyn Store>, ticket: &str) -> Admission {
    store.admit(ticket, 2, LONG).await.unwrap()
}

async fn terminal_sessions_are_granted_in_arrival_order_up_to_the_limit(place: Place) {
    let store = place.open().await;
    assert_eq!(ask(&store, "t1").await, Admission::Admitted);
    assert_eq!(ask(&store, "t2").await, Admission::Admitted);
    assert_eq!(ask(&store, "t3").await, Admission::Queued { ahead: 0 });
    assert_eq!(ask(&store, "t4").await, Admission::Queued { ahead: 1 });
    // Asking again keeps the place and does not take a second session.
    assert_eq!(ask(&store, "t1").await, Admission::Admitted);
    assert_eq!(ask(&store, "t4").await, Admission::Queued { ahead: 1 });
    store.release("t1").await.unwrap();
    // A free session goes to whoever came first, not to whoever asks first.
    assert_eq!(ask(&store, "t4").await, Admission::Queued { ahead: 1 });
    assert_eq!(ask(&store, "t3").await, Admission::Admitted);
    assert_eq!(ask(&store, "t4").await, Admission::Queued { ahead: 0 });
    store.release("t2").await.unwrap();
    assert_eq!(ask(&store, "t4").await, Admission::Admitted);
    // Releasing what is not there is fine (a request that ended twice).
    store.release("t2").await.unwrap();
}

async fn a_desk_that_stops_asking_loses_its_place_and_its_session_lapses(place: Place) {
    let store = place.open().await;
    let short = AdmissionTimes {
        hold: Duration::from_millis(300),
        queue_hold: Duration::from_millis(300),
    };
    // A desk takes both sessions and a queue place, then crashes (never releases).
    assert_eq!(
        store.admit("dead1", 2, short).await.unwrap(),
        Admission::Admitted
    );
    assert_eq!(
        store.admit("dead2", 2, short).await.unwrap(),
        Admission::Admitted
    );
    assert_eq!(
        store.admit("dead3", 2, short).await.unwrap(),
        Admission::Queued { ahead: 0 }
    );
    assert_eq!(ask(&store, "alive").await, Admission::Queued { ahead: 1 });
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(ask(&store, "alive").await, Admission::Admitted);
}

async fn two_handles_share_one_count(place: Place) {
    // Two gateways on one store (with SQLite: one PC, e.g. after a restart).
    let a = place.open().await;
    let b = place.open().await;
    assert_eq!(ask(&a, "a1").await, Admission::Admitted);
    assert_eq!(ask(&b, "b1").await, Admission::Admitted);
    assert_eq!(ask(&a, "a2").await, Admission::Queued { ahead: 0 });
    assert_eq!(ask(&b, "b2").await, Admission::Queued { ahead: 1 });
    b.release("b1").await.unwrap();
    assert_eq!(ask(&b, "b2").await, Admission::Queued { ahead: 1 });
    assert_eq!(ask(&a, "a2").await, Admission::Admitted);
}
