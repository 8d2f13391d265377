//! Two desks on one terminal share: two gateways (each with its own data folder and either
//! its own SQLite store or one shared PostgreSQL database) write into the same `req/` and
//! read the same `res/`, answered by an independent terminal stand-in. Every answer must
//! reach the desk that asked, naming the patient that desk asked for; an answer naming
//! another patient is never shown. Routing answers does not depend on the store: both
//! setups must hold it.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::standin::{patient_name, Asked, StandIn};
use common::{names_in, postgres, terminal_config, Reply, TestGateway};
use hyper::StatusCode;
use onshi_gateway::store::StoreLocation;
use serde_json::{json, Value};

/// Two gateways on `<root>/terminal`, data in `<root>/desk-a` and `<root>/desk-b`, each on
/// its own SQLite file, with room for every request of the test to wait for a terminal
/// session.
async fn two_desks(root: &std::path::Path) -> (TestGateway, TestGateway) {
    two_desks_on(root, StoreLocation::Sqlite).await
}

/// [`two_desks`] on one PostgreSQL database.
async fn two_desks_on_postgres(root: &std::path::Path) -> (TestGateway, TestGateway) {
    let url = postgres::fresh_database().await;
    two_desks_on(root, StoreLocation::Postgres(url)).await
}

async fn two_desks_on(root: &std::path::Path, store: StoreLocation) -> (TestGateway, TestGateway) {
    two_desks_with(root, store, |_| {}).await
}

async fn two_desks_with(
    root: &std::path::Path,
    store: StoreLocation,
    tweak: impl Fn(&mut onshi_gateway::Config),
) -> (TestGateway, TestGateway) {
    let mut desks = Vec::new();
    for desk in ["desk-a", "desk-b"] {
        let dir = tempfile::tempdir().unwrap();
        let mut config = terminal_config(root, Duration::from_secs(30));
        config.data_dir = root.join(desk);
        config.store = store.clone();
        config.max_waiting_exchanges = 200;
        config.heartbeat_interval = Duration::from_millis(50);
        tweak(&mut config);
        desks.push(TestGateway::start(config, dir).await);
    }
    let b = desks.pop().unwrap();
    let a = desks.pop().unwrap();
    (a, b)
}

/// Patient `n`'s query: its own 番号 and birthdate.
fn query(n: usize) -> Value {
    json!({
        "method": "insurance_card",
        "insurer_number": "06139999",
        "symbol": "1234",
        "number": format!("{}", 1000 + n),
        "branch": "01",
        "birthdate": birthdate(n),
        "override_check_digit": true
    })
}

fn birthdate(n: usize) -> String {
    format!("19{:02}-{:02}-{:02}", 40 + n % 60, 1 + n % 12, 1 + n % 28)
}

fn assert_patient(reply: &Reply, n: usize) {
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "patient {n}: {}",
        reply.json()
    );
    let answer = reply.json();
    let results = answer["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "patient {n}");
    let person = &results[0]["person"];
    assert_eq!(
        person["name"],
        patient_name(&format!("{}", 1000 + n)),
        "patient {n}"
    );
    assert_eq!(
        person["birthdate"],
        birthdate(n).replace('-', ""),
        "patient {n}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_queries_over_two_sqlite_desks_each_reach_their_own_desk() {
    let root = tempfile::tempdir().unwrap();
    let (a, b) = two_desks(root.path()).await;
    two_hundred_queries(root.path(), &a, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_queries_over_two_postgres_desks_each_reach_their_own_desk() {
    let root = tempfile::tempdir().unwrap();
    let (a, b) = two_desks_on_postgres(root.path()).await;
    two_hundred_queries(root.path(), &a, &b).await;
}

/// 200 queries at once, alternating between the desks: each gets its own patient.
async fn two_hundred_queries(root: &std::path::Path, a: &TestGateway, b: &TestGateway) {
    let share = root.join("terminal");
    let standin = StandIn::start(&share, None);
    let pending: Vec<_> = (0..200)
        .map(|n| {
            let desk = if n % 2 == 0 { &a } else { &b };
            (n, desk.spawn_post_json("/v1/qualifications", &query(n)))
        })
        .collect();
    for (n, reply) in pending {
        assert_patient(&reply.await.unwrap(), n);
    }
    assert_eq!(
        standin.answered(),
        200,
        "one answer per request, no re-sends"
    );
    assert_eq!(names_in(&share.join("req")), Vec::<String>::new());
    assert_eq!(names_in(&share.join("res")), Vec::<String>::new());
    for desk in ["desk-a", "desk-b"] {
        assert_eq!(
            names_in(&root.join(desk).join("rejected")),
            Vec::<String>::new()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_answer_naming_another_patient_is_set_aside_never_shown() {
    let root = tempfile::tempdir().unwrap();
    let (a, b) = two_desks(root.path()).await;
    let share = root.path().join("terminal");
    // The terminal answers patient 7's request with patient 8's record, echoing patient 8's
    // search keys, but with patient 7's file identifier: a misplaced answer that only the
    // echoed keys give away.
    let misroute = Arc::new(|asked: &Asked| {
        (asked.number == "1007").then(|| Asked {
            number: "1008".to_string(),
            birthdate: birthdate(8).replace('-', ""),
            ..asked.clone()
        })
    });
    let _standin = StandIn::start(&share, Some(misroute));
    let pending: Vec<_> = (0..20)
        .map(|n| {
            let desk = if n % 2 == 0 { &a } else { &b };
            (n, desk.spawn_post_json("/v1/qualifications", &query(n)))
        })
        .collect();
    for (n, reply) in pending {
        let reply = reply.await.unwrap();
        if n == 7 {
            assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{}", reply.json());
            assert_eq!(reply.error_code(), "terminal_answer_mismatch");
            let body = String::from_utf8_lossy(&reply.body).into_owned();
            assert!(!body.contains(&patient_name("1008")), "{body}");
            assert!(!body.contains("1008"), "{body}");
        } else {
            assert_patient(&reply, n);
        }
    }
    // Patient 7 was asked at desk b: the misplaced answer waits there for a person.
    let rejected = names_in(&root.path().join("desk-b").join("rejected"));
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    let kept = std::fs::read_to_string(
        root.path()
            .join("desk-b")
            .join("rejected")
            .join(&rejected[0]),
    )
    .unwrap();
    assert!(kept.contains(&patient_name("1008")));
    assert_eq!(
        names_in(&root.path().join("desk-a").join("rejected")),
        Vec::<String>::new()
    );
    assert_eq!(names_in(&share.join("res")), Vec::<String>::new());
}

/// The `desks` part of `gw`'s health.
async fn desks_seen(gw: &TestGateway) -> Value {
    let health = gw.get("/v1/health").await;
    assert_eq!(health.status, StatusCode::OK);
    health.json()["desks"].clone()
}

/// Waits until both desks' health says `wanted` about the other desks.
async fn both_see(a: &TestGateway, b: &TestGateway, wanted: &Value) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while desks_seen(a).await != *wanted || desks_seen(b).await != *wanted {
        assert!(
            std::time::Instant::now() < deadline,
            "a sees {}, b sees {}",
            desks_seen(a).await,
            desks_seen(b).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn desks_on_one_postgres_store_see_each_other_sharing_it() {
    let root = tempfile::tempdir().unwrap();
    let (a, b) = two_desks_on_postgres(root.path()).await;
    both_see(&a, &b, &json!({"others": 1, "shared_store": true})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn desks_on_their_own_sqlite_files_are_told_they_need_a_shared_store() {
    let root = tempfile::tempdir().unwrap();
    let (a, b) = two_desks(root.path()).await;
    both_see(&a, &b, &json!({"others": 1, "shared_store": false})).await;
    // Desk b closes for the day: its heartbeat goes with it, and a is alone again.
    b.stop().await;
    let alone = json!({"others": 0, "shared_store": true});
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while desks_seen(&a).await != alone {
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            desks_seen(&a).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_terminals_sessions_are_counted_across_desks_and_waiting_requests_see_their_place() {
    let root = tempfile::tempdir().unwrap();
    let url = postgres::fresh_database().await;
    // A terminal of 3 sessions, each answer taking 300 ms: 12 requests from two desks must
    // queue clinic-wide, never more than 3 at the terminal at once.
    let (a, b) = two_desks_with(root.path(), StoreLocation::Postgres(url), |config| {
        config.max_concurrent_exchanges = 3;
        config.link.admission_poll = Duration::from_millis(20);
    })
    .await;
    let share = root.path().join("terminal");
    let standin = StandIn::start_with(&share, None, Duration::from_millis(300));
    let send = |n: usize| {
        let desk = if n % 2 == 0 { &a } else { &b };
        let reference = format!("req-{n}");
        let body = query(n).to_string();
        let (addr, host, authorization) = (desk.addr, desk.host(), desk.authorization.clone());
        tokio::spawn(async move {
            common::raw_request(
                addr,
                "POST",
                "/v1/qualifications",
                &[
                    ("host", &host),
                    ("authorization", &authorization),
                    ("content-type", "application/json"),
                    ("x-onshi-request", &reference),
                ],
                Some(&body),
            )
            .await
        })
    };
    let mut pending: Vec<_> = (0..11).map(|n| (n, send(n))).collect();
    // The terminal is full before the last request comes: it has to wait its turn.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while standin.max_outstanding() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the terminal fills up"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    pending.push((11, send(11)));
    // While they run, the last request asked at desk b is told where it stands.
    let mut seen_waiting = false;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        let place = b.get("/v1/qualifications/queue/req-11").await;
        if place.status == StatusCode::OK && place.json()["state"] == "waiting" {
            assert!(place.json()["ahead"].as_u64().is_some(), "{}", place.json());
            seen_waiting = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(seen_waiting, "a queued request can see its place");
    for (n, reply) in pending {
        assert_patient(&reply.await.unwrap(), n);
    }
    assert_eq!(standin.answered(), 12);
    assert!(
        standin.max_outstanding() <= 3,
        "the terminal held {} requests at once",
        standin.max_outstanding()
    );
    // Finished requests have no place any more.
    assert_eq!(
        b.get("/v1/qualifications/queue/req-11").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get("/v1/qualifications/queue/bad%20ref").await.status,
        StatusCode::BAD_REQUEST
    );
}
