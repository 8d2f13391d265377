//! Several desks, one PostgreSQL store: gateways over real HTTP sharing one terminal
//! `face/` folder and one database, as a clinic with two reception PCs runs them.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::postgres::{self, OwnCluster};
use common::sse::{SseClient, SseEvent};
use common::{names_in, TestGateway, INSTITUTION_CODE};
use hyper::StatusCode;
use onshi_gateway::store::postgres::EVENT_ORDER_LOCK;
use onshi_gateway::store::StoreLocation;
use onshi_gateway::{Config, Mode};

const SAMPLE: &str = include_str!("fixtures/face_result_example.xml");
/// Generous: two gateways, a database and the test share a loaded 2-core machine.
const ARRIVES: Duration = Duration::from_secs(60);
/// Bound for "nothing more arrives".
const QUIET: Duration = Duration::from_millis(700);

/// Writes a face file the way the terminal would: temp name, then rename.
fn drop_file(face: &Path, name: &str) {
    let temp = face.join(format!(".{name}.tmp"));
    std::fs::write(&temp, SAMPLE).unwrap();
    std::fs::rename(&temp, face.join(name)).unwrap();
}

/// `<root>/terminal` with req/, res/ and face/: the share every desk points at.
fn shared_terminal(root: &Path) -> PathBuf {
    let terminal = root.join("terminal");
    for sub in ["req", "res", "face"] {
        std::fs::create_dir_all(terminal.join(sub)).unwrap();
    }
    terminal
}

/// A desk's gateway: its own data folder, the shared terminal and database.
async fn desk(terminal: &Path, url: &str) -> TestGateway {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::terminal_config(dir.path(), Duration::from_secs(2));
    config.mode = Mode::Terminal {
        dir: terminal.to_path_buf(),
    };
    config.store = StoreLocation::Postgres(url.to_string());
    TestGateway::start(config, dir).await
}

async fn subscribe(gw: &TestGateway) -> SseClient {
    let host = gw.host();
    let client = SseClient::open(
        gw.addr,
        "/v1/events?after=0",
        &[
            ("host", host.as_str()),
            ("authorization", gw.authorization.as_str()),
            ("accept", "text/event-stream"),
        ],
    )
    .await;
    assert_eq!(client.status, StatusCode::OK);
    client
}

/// The next `n` events of `client`, each within [`ARRIVES`].
async fn take(client: &mut SseClient, n: usize) -> Vec<(i64, String)> {
    let mut events = Vec::new();
    for _ in 0..n {
        let event: SseEvent = client
            .next_event(ARRIVES)
            .await
            .unwrap_or_else(|| panic!("only {} of {n} events arrived", events.len()));
        let data = event.json();
        assert_eq!(data["id"].as_i64(), Some(event.id()));
        events.push((
            event.id(),
            data["source_file"].as_str().unwrap().to_string(),
        ));
    }
    events
}

fn assert_increasing(events: &[(i64, String)]) {
    assert!(
        events.windows(2).all(|w| w[0].0 < w[1].0),
        "ids not increasing: {events:?}"
    );
}

async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + ARRIVES;
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn count(db: &tokio_postgres::Client, sql: &str) -> i64 {
    db.query_one(sql, &[]).await.unwrap().get(0)
}

async fn store_reachable(gw: &TestGateway) -> bool {
    let health = gw.get("/v1/health").await.json();
    assert_eq!(health["store"]["backend"], "postgres");
    health["store"]["reachable"].as_bool().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_face_results_reach_both_desks_once_in_the_same_order() {
    let url = postgres::fresh_database().await;
    let root = tempfile::tempdir().unwrap();
    let terminal = shared_terminal(root.path());
    let desks = [desk(&terminal, &url).await, desk(&terminal, &url).await];
    let mut clients = [subscribe(&desks[0]).await, subscribe(&desks[1]).await];

    let names: Vec<String> = (0..100)
        .map(|n| format!("OQSsiquc01res_face_{n:03}.xml"))
        .collect();
    for name in &names {
        drop_file(&terminal.join("face"), name);
    }
    let first = take(&mut clients[0], names.len()).await;
    let second = take(&mut clients[1], names.len()).await;
    assert_increasing(&first);
    assert_eq!(
        first, second,
        "both desks show the same ids in the same order"
    );
    let shown: BTreeSet<&str> = first.iter().map(|(_, name)| name.as_str()).collect();
    assert_eq!(shown.len(), names.len(), "each file exactly once");
    assert!(names.iter().all(|name| shown.contains(name.as_str())));
    for client in &mut clients {
        assert!(client.next_event(QUIET).await.is_none(), "nothing twice");
    }

    let db = postgres::connect(&url).await;
    assert_eq!(
        count(&db, "SELECT count(*) FROM reception_events").await,
        100
    );
    // Each file left face/ into exactly one desk's archive.
    let mut archived: Vec<String> = Vec::new();
    until("face/ is empty", async || {
        names_in(&terminal.join("face")).is_empty()
    })
    .await;
    for gw in &desks {
        archived.extend(names_in(&gw.dir.path().join("data").join("face-archive")));
    }
    archived.sort();
    assert_eq!(archived, names);
    for gw in desks {
        gw.stop().await;
    }
}

/// The gateway binary on `terminal` and the database at `url`, in its own process so it
/// can be killed outright.
fn gateway_process(terminal: &Path, data: &Path, url: &str) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_onshi-gateway"))
        .args(["serve", "--listen", "127.0.0.1:0", "--trust-keys"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/cli-test-issuer.jwks.json"
        ))
        .arg("--institution-code")
        .arg(INSTITUTION_CODE)
        .arg("--terminal-dir")
        .arg(terminal)
        .arg("--data-dir")
        .arg(data)
        .args(["--store", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Started once it says where it listens (it has opened and migrated the store).
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("listening on"), "{line:?}");
    child
}

/// Backends of this database waiting for the event ordering lock, by process id.
async fn waiting_for_order_lock(db: &tokio_postgres::Client) -> Vec<i32> {
    let (high, low) = ((EVENT_ORDER_LOCK >> 32) as u32, EVENT_ORDER_LOCK as u32);
    db.query(
        "SELECT pid FROM pg_locks
         WHERE locktype = 'advisory' AND NOT granted
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND classid::bigint = $1 AND objid::bigint = $2",
        &[&i64::from(high), &i64::from(low)],
    )
    .await
    .unwrap()
    .iter()
    .map(|row| row.get(0))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_killed_between_claim_and_commit_leaves_the_file_to_another_desk() {
    let url = postgres::fresh_database().await;
    let db = postgres::connect(&url).await;
    // A backend whose client vanished notices within this while it waits for a lock
    // (instead of when the lock comes), so the claim's fate is visible before the test
    // lets anyone commit.
    let name: String = db
        .query_one("SELECT current_database()", &[])
        .await
        .unwrap()
        .get(0);
    db.batch_execute(&format!(
        "ALTER DATABASE {name} SET client_connection_check_interval = '100ms'"
    ))
    .await
    .unwrap();
    let root = tempfile::tempdir().unwrap();
    let terminal = shared_terminal(root.path());
    let mut killed = gateway_process(&terminal, &root.path().join("killed"), &url);

    // Holding the ordering lock freezes any insert after its claim, before its commit.
    db.execute("SELECT pg_advisory_lock($1)", &[&EVENT_ORDER_LOCK])
        .await
        .unwrap();
    drop_file(&terminal.join("face"), "OQSsiquc01res_face_orphan.xml");
    let mut frozen = Vec::new();
    until("the first gateway has claimed the file", async || {
        frozen = waiting_for_order_lock(&db).await;
        !frozen.is_empty()
    })
    .await;
    let frozen = frozen[0];

    let survivor = desk(&terminal, &url).await;
    let mut screen = subscribe(&survivor).await;
    killed.kill().unwrap();
    killed.wait().unwrap();

    until("the killed gateway's transaction is gone", async || {
        count(
            &db,
            &format!("SELECT count(*) FROM pg_stat_activity WHERE pid = {frozen}"),
        )
        .await
            == 0
    })
    .await;
    assert_eq!(count(&db, "SELECT count(*) FROM reception_events").await, 0);
    assert_eq!(count(&db, "SELECT count(*) FROM event_claims").await, 0);
    // The other desk claims the same file (and waits for the lock the test holds).
    until("the second gateway has claimed the file", async || {
        waiting_for_order_lock(&db)
            .await
            .iter()
            .any(|pid| *pid != frozen)
    })
    .await;
    db.execute("SELECT pg_advisory_unlock($1)", &[&EVENT_ORDER_LOCK])
        .await
        .unwrap();

    let shown = take(&mut screen, 1).await;
    assert_eq!(shown[0].1, "OQSsiquc01res_face_orphan.xml");
    assert!(screen.next_event(QUIET).await.is_none(), "shown once");
    assert_eq!(count(&db, "SELECT count(*) FROM reception_events").await, 1);
    let archive = survivor.dir.path().join("data").join("face-archive");
    until("the file is archived by the survivor", async || {
        names_in(&archive) == ["OQSsiquc01res_face_orphan.xml"]
    })
    .await;
    survivor.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_loses_nothing_and_is_reported_while_it_lasts() {
    let cluster = OwnCluster::start();
    let url = postgres::create_database(&cluster.url).await;
    let root = tempfile::tempdir().unwrap();
    let terminal = shared_terminal(root.path());
    let face = terminal.join("face");
    // One desk watches the share; the other (sim mode, its own simulated terminal) hears
    // of every event only through the database: its LISTEN must come back too. Card
    // sessions exist only in sim mode, so the 503 is asked of that one.
    let watcher = desk(&terminal, &url).await;
    let listener = TestGateway::sim_with(Duration::from_millis(30), |config: &mut Config| {
        config.store = StoreLocation::Postgres(url.clone());
    })
    .await;
    let mut screens = [subscribe(&watcher).await, subscribe(&listener).await];

    drop_file(&face, "before-1.xml");
    drop_file(&face, "before-2.xml");
    let mut seen = [
        take(&mut screens[0], 2).await,
        take(&mut screens[1], 2).await,
    ];

    cluster.kill();
    for gw in [&watcher, &listener] {
        until("health reports the store unreachable", async || {
            !store_reachable(gw).await
        })
        .await;
    }
    let refused = listener
        .post_json("/v1/card-sessions", &serde_json::json!({}))
        .await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.error_code(), "store_unavailable");
    // Results arriving while the database is down wait in face/.
    drop_file(&face, "during-1.xml");
    drop_file(&face, "during-2.xml");

    cluster.restart();
    for gw in [&watcher, &listener] {
        until("health reports the store reachable", async || {
            store_reachable(gw).await
        })
        .await;
    }
    for (screen, seen) in screens.iter_mut().zip(seen.iter_mut()) {
        seen.extend(take(screen, 2).await);
    }
    drop_file(&face, "after.xml");
    for (screen, seen) in screens.iter_mut().zip(seen.iter_mut()) {
        seen.extend(take(screen, 1).await);
        assert!(screen.next_event(QUIET).await.is_none(), "nothing twice");
    }

    assert_increasing(&seen[0]);
    assert_eq!(
        seen[0], seen[1],
        "both desks show the same ids in the same order"
    );
    let files: Vec<&str> = seen[0].iter().map(|(_, name)| name.as_str()).collect();
    assert_eq!(files[..2], ["before-1.xml", "before-2.xml"]);
    let mut during = files[2..4].to_vec();
    during.sort_unstable();
    assert_eq!(during, ["during-1.xml", "during-2.xml"]);
    assert_eq!(files[4], "after.xml");
    let db = postgres::connect(&url).await;
    assert_eq!(count(&db, "SELECT count(*) FROM reception_events").await, 5);
    watcher.stop().await;
    listener.stop().await;
}
