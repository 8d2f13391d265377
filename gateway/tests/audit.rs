//! The access log on real stores: SQLite in a temp folder and a fresh database on a real
//! PostgreSQL server (see `common/postgres.rs`). Each case is written once against
//! `Arc<dyn Store>` and instantiated per backend, as in `tests/store.rs`; the long tamper
//! test runs on a 100,000-row log on SQLite and a 5,000-row one on PostgreSQL.
//!
//! Tampering goes through plain SQL on a connection of the test's own, as someone with
//! access to the database would do it (the append-only triggers dropped or disabled
//! first), and every change is undone before the next, so each verification sees exactly
//! one alteration.
//!
//! The crash test re-runs this test binary as a child (`audit_burst_child`, which does
//! nothing unless `ONSHI_AUDIT_BURST` is set) that appends in a loop and prints every
//! committed seq; the parent kills it with SIGKILL mid-burst and checks the log.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use onshi_gateway::audit::{self, Auditor, BrokenAt, CheckpointPolicy, Why};
use onshi_gateway::keys::GatewayKey;
use onshi_gateway::store::audit::{
    chain_hash, checkpoint_payload, hex, parse_hash, CHECKPOINT_TYP, OUTCOME_FAILED, OUTCOME_OK,
    OUTCOME_REFUSED,
};
use onshi_gateway::store::{
    self, AuditEntry, AuditFilter, AuditRecord, ChainHead, Checkpoint, Store, StoreLocation,
};

use common::places::{suite, Place};

/// The tables reached directly, for what only SQL can do.
impl Place {
    /// A connection of the test's own, for what only SQL can do (tampering).
    async fn raw(&self) -> Raw {
        match &self.location {
            StoreLocation::Sqlite => Raw::Sqlite(
                rusqlite::Connection::open(self.data_dir.path().join(store::STORE_FILE)).unwrap(),
            ),
            StoreLocation::Postgres(url) => Raw::Postgres(common::postgres::connect(url).await),
        }
    }
}

enum Raw {
    Sqlite(rusqlite::Connection),
    Postgres(tokio_postgres::Client),
}

impl Raw {
    async fn exec(&self, sql: &str) -> Result<(), String> {
        match self {
            Self::Sqlite(conn) => conn.execute_batch(sql).map_err(|e| e.to_string()),
            Self::Postgres(client) => client.batch_execute(sql).await.map_err(|e| {
                e.as_db_error()
                    .map_or_else(|| e.to_string(), |db| db.message().to_string())
            }),
        }
    }

    /// Lets the test change the tables as an intruder would: without the append-only
    /// triggers.
    async fn drop_guards(&self) {
        let sql = match self {
            Self::Sqlite(_) => {
                "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;
                 DROP TRIGGER audit_checkpoints_no_update;
                 DROP TRIGGER audit_checkpoints_no_delete;"
            }
            Self::Postgres(_) => {
                "ALTER TABLE audit_log DISABLE TRIGGER USER;
                 ALTER TABLE audit_checkpoints DISABLE TRIGGER USER;"
            }
        };
        self.exec(sql).await.unwrap();
    }
}

suite!(
    appends_number_rows_without_gaps_and_pages_filter_them,
    patient_references_are_the_stores_own_and_the_same_at_every_desk,
    the_log_and_its_checkpoints_are_append_only,
    an_invalid_entry_appends_nothing,
    the_auditor_checkpoints_every_n_rows_and_by_time,
    concurrent_desks_keep_one_linear_chain,
    the_cli_says_intact_or_names_the_broken_row,
    kill_9_during_a_burst_of_appends_loses_no_committed_row,
);

// 2026-11-25 08:00:00 JST.
const MORNING_MS: i64 = 1_795_561_200_000;
const DAY_MS: i64 = 86_400_000;

fn entry(n: u64) -> AuditEntry {
    let actions = [
        "qualification.check",
        "reception_queue.read",
        "events.subscribe",
        "card_session.start",
        "credential.refused",
    ];
    let outcome = [
        OUTCOME_OK,
        OUTCOME_OK,
        OUTCOME_OK,
        OUTCOME_REFUSED,
        OUTCOME_FAILED,
    ][n as usize % 5];
    AuditEntry {
        at_ms: MORNING_MS + i64::try_from(n).unwrap() * 1_000,
        sub: format!("staff-{:02}", n % 7),
        role: ["clerk", "nurse", "physician"][n as usize % 3].to_string(),
        licence: (n % 3 == 2).then(|| format!("L{:06}", n % 1000)),
        facility: Some("1319999999".to_string()),
        action: actions[n as usize % actions.len()].to_string(),
        patient_ref: (n % 4 != 0).then(|| format!("{:032x}", n % 5_000)),
        outcome: outcome.to_string(),
        reason: (outcome != OUTCOME_OK).then(|| "terminal_timeout".to_string()),
        request_id: format!("req-{n:08}"),
        desk: "d0d0d0d0".to_string(),
    }
}

async fn appends_number_rows_without_gaps_and_pages_filter_them(place: Place) {
    let store = place.open().await;
    let first = store.append(vec![entry(0)]).await.unwrap();
    assert_eq!((first.first_seq, first.last_seq), (1, 1));
    assert_eq!(first.last_checkpoint, None);
    let mut yesterday = entry(1);
    yesterday.at_ms -= DAY_MS;
    let batch = store
        .append(vec![yesterday, entry(2), entry(3)])
        .await
        .unwrap();
    assert_eq!((batch.first_seq, batch.last_seq), (2, 4));
    let all = store.records_after(0, 100).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert_eq!(all[3].hash, batch.head_hash);
    assert_eq!(all[2].entry, entry(2));
    let state = store.chain_state().await.unwrap();
    assert_eq!(state.head.unwrap().seq, 4);

    // Paging and filters.
    let page = store.page(AuditFilter::default(), 0, 3).await.unwrap();
    assert_eq!(page.records.len(), 3);
    assert!(page.more);
    let rest = store.page(AuditFilter::default(), 3, 3).await.unwrap();
    assert_eq!(rest.records.len(), 1);
    assert!(!rest.more);
    let today = time::macros::date!(2026 - 11 - 25);
    let on = |from, to| AuditFilter {
        from,
        to,
        ..AuditFilter::default()
    };
    let seqs = |page: onshi_gateway::store::AuditPage| -> Vec<i64> {
        page.records.iter().map(|r| r.seq).collect()
    };
    assert_eq!(
        seqs(
            store
                .page(on(Some(today), Some(today)), 0, 10)
                .await
                .unwrap()
        ),
        vec![1, 3, 4]
    );
    assert_eq!(
        seqs(
            store
                .page(on(None, today.previous_day()), 0, 10)
                .await
                .unwrap()
        ),
        vec![2]
    );
    let by_sub = AuditFilter {
        sub: Some(entry(3).sub),
        ..AuditFilter::default()
    };
    assert_eq!(seqs(store.page(by_sub, 0, 10).await.unwrap()), vec![4]);
    let by_patient = AuditFilter {
        patient_ref: entry(2).patient_ref,
        from: Some(today),
        ..AuditFilter::default()
    };
    assert_eq!(seqs(store.page(by_patient, 0, 10).await.unwrap()), vec![3]);

    // The API view shows Japan time.
    let view = all[0].view();
    assert_eq!(view.at, "2026-11-25T08:00:00.000+09:00");
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["action"], "qualification.check");
    assert_eq!(json["seq"], 1);
    assert!(json.get("hash").is_none());
}

async fn patient_references_are_the_stores_own_and_the_same_at_every_desk(place: Place) {
    let a = place.open().await;
    let b = place.open().await;
    let card = "06139999|1234|5678|01";
    let reference = a.patient_ref(card);
    assert_eq!(reference.len(), 32);
    assert!(reference.bytes().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(b.patient_ref(card), reference);
    assert_ne!(a.patient_ref("06139999|1234|5678|02"), reference);
    drop((a, b));
    assert_eq!(place.open().await.patient_ref(card), reference, "kept");
    // Another store has another key.
    let other = match place.location {
        StoreLocation::Sqlite => common::places::sqlite().await,
        StoreLocation::Postgres(_) => common::places::postgres().await,
    };
    assert_ne!(other.open().await.patient_ref(card), reference);
}

async fn the_log_and_its_checkpoints_are_append_only(place: Place) {
    let store = place.open().await;
    let auditor = Auditor::new(
        Arc::clone(&store),
        "d1",
        GatewayKey::ephemeral(),
        CheckpointPolicy::default(),
    );
    auditor.record(entry(1)).await.unwrap();
    assert!(auditor.checkpoint_now().await.unwrap().is_some());
    let raw = place.raw().await;
    for sql in [
        "UPDATE audit_log SET sub = 'someone-else'",
        "DELETE FROM audit_log",
        "UPDATE audit_checkpoints SET count = 2",
        "DELETE FROM audit_checkpoints",
        "DELETE FROM audit_secret",
    ] {
        let refused = raw.exec(sql).await.unwrap_err();
        assert!(
            refused.contains("append-only") || refused.contains("never replaced"),
            "{sql}: {refused}"
        );
    }
    if let Raw::Postgres(_) = raw {
        assert!(raw.exec("TRUNCATE audit_log").await.is_err());
    }
    assert!(audit::verify(store.as_ref()).await.unwrap().intact());
}

async fn an_invalid_entry_appends_nothing(place: Place) {
    let store = place.open().await;
    let bad = AuditEntry {
        outcome: "maybe".to_string(),
        ..entry(2)
    };
    let err = store.append(vec![entry(1), bad]).await.unwrap_err();
    assert!(err.to_string().contains("outcome"), "{err}");
    assert!(store.append(Vec::new()).await.is_err());
    assert!(store.records_after(0, 10).await.unwrap().is_empty());
    // The auditor says clearly that the access was not recorded.
    let auditor = Auditor::new(
        store,
        "d1",
        GatewayKey::ephemeral(),
        CheckpointPolicy::default(),
    );
    let err = auditor
        .record(AuditEntry {
            action: "Not An Action".to_string(),
            ..entry(3)
        })
        .await
        .unwrap_err();
    assert!(matches!(err, audit::AuditError::NotRecorded(_)), "{err}");
    assert!(err.to_string().contains("not carried out"), "{err}");
    assert!(!err.is_unavailable());
}

async fn the_auditor_checkpoints_every_n_rows_and_by_time(place: Place) {
    let store = place.open().await;
    let key = GatewayKey::ephemeral();
    let auditor = Auditor::new(
        Arc::clone(&store),
        "d1a2b3c4",
        key.clone(),
        CheckpointPolicy {
            every_rows: 10,
            every: Duration::from_secs(3600),
        },
    );
    for n in 0..35 {
        auditor.record(entry(n)).await.unwrap();
    }
    let cps = store.checkpoints().await.unwrap();
    assert_eq!(
        cps.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![10, 20, 30]
    );
    let records = store.records_after(0, 100).await.unwrap();
    assert!(
        records.iter().all(|r| r.entry.desk == "d1a2b3c4"),
        "stamped"
    );
    for cp in &cps {
        assert_eq!(cp.kid, key.kid());
        assert_eq!(cp.count, cp.seq);
        assert_eq!(cp.head_hash, records[cp.seq as usize - 1].hash);
        let set = onshi_core::jose::KeySet::from_jwks(
            format!("{{\"keys\":[{}]}}", cp.public_jwk).as_bytes(),
        )
        .unwrap();
        let verified = onshi_core::jose::verify_compact(&cp.jws, &set).unwrap();
        let payload: serde_json::Value = serde_json::from_slice(&verified.payload).unwrap();
        assert_eq!(verified.kid, cp.kid);
        assert_eq!(payload["seq"], cp.seq);
        assert_eq!(payload["head"], cp.head_hash);
        assert!(payload["at"].as_str().unwrap().ends_with("+09:00"));
    }
    // Nothing due before 10 more rows or the interval; then the time rule.
    assert_eq!(auditor.checkpoint_if_due().await.unwrap(), None);
    let hurried = Auditor::new(
        Arc::clone(&store),
        "d1a2b3c4",
        key,
        CheckpointPolicy {
            every_rows: 1_000,
            every: Duration::from_millis(300),
        },
    );
    // The last checkpoint is older than 300 ms once we have slept.
    tokio::time::sleep(Duration::from_millis(350)).await;
    let cp = hurried
        .checkpoint_if_due()
        .await
        .unwrap()
        .expect("due by time");
    assert_eq!(cp.seq, 35);
    assert_eq!(
        hurried.checkpoint_if_due().await.unwrap(),
        None,
        "nothing new"
    );
    assert_eq!(
        hurried.checkpoint_now().await.unwrap(),
        None,
        "head covered"
    );
    let ticker = Arc::new(hurried);
    ticker.record(entry(36)).await.unwrap();
    let task = ticker.spawn_checkpoints(Duration::from_millis(50));
    let deadline = Instant::now() + Duration::from_secs(20);
    while store
        .chain_state()
        .await
        .unwrap()
        .last_checkpoint
        .unwrap()
        .seq
        != 36
    {
        assert!(Instant::now() < deadline, "the ticker never checkpointed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task.abort();
    let report = audit::verify(store.as_ref()).await.unwrap();
    assert_eq!(report.first_broken, None);
    assert_eq!((report.rows, report.checkpoints), (36, 5));
}

/// Two desks (two handles, two keys) appending at once, in batches of several rows: one
/// chain, every row once, verifiable, and checkpoints of both keys accepted.
async fn concurrent_desks_keep_one_linear_chain(place: Place) {
    const TASKS_PER_DESK: u64 = 3;
    const BATCHES: u64 = 15;
    let policy = CheckpointPolicy {
        every_rows: 25,
        every: Duration::from_secs(3600),
    };
    let desks = [
        Arc::new(Auditor::new(
            place.open().await,
            "aaaa0001",
            GatewayKey::ephemeral(),
            policy,
        )),
        Arc::new(Auditor::new(
            place.open().await,
            "bbbb0002",
            GatewayKey::ephemeral(),
            policy,
        )),
    ];
    let mut tasks = Vec::new();
    for (d, desk) in desks.iter().enumerate() {
        for t in 0..TASKS_PER_DESK {
            let desk = Arc::clone(desk);
            tasks.push(tokio::spawn(async move {
                let mut ranges = Vec::new();
                for b in 0..BATCHES {
                    let size = 1 + (b + t) % 4;
                    let base = (d as u64 * 1_000 + t * 100 + b) * 10;
                    let batch = (0..size).map(|i| entry(base + i)).collect();
                    let appended = desk.record_all(batch).await.unwrap();
                    ranges.push((appended.first_seq, appended.last_seq, size));
                }
                ranges
            }));
        }
    }
    let mut seen = BTreeSet::new();
    let mut total = 0;
    for task in tasks {
        for (first, last, size) in task.await.unwrap() {
            assert_eq!(last - first + 1, size as i64, "a batch is contiguous");
            for seq in first..=last {
                assert!(seen.insert(seq), "seq {seq} handed out twice");
            }
            total += size;
        }
    }
    assert_eq!(seen.len() as u64, total);
    assert_eq!(seen.first(), Some(&1));
    assert_eq!(seen.last(), Some(&(total as i64)), "no gaps");
    let store = place.open().await;
    let report = audit::verify(store.as_ref()).await.unwrap();
    assert_eq!(report.first_broken, None, "{report}");
    assert_eq!(report.rows, total);
    assert!(report.checkpoints >= total / 30, "{report}");
    let desks_seen: BTreeSet<String> = store
        .records_after(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry.desk)
        .collect();
    assert_eq!(desks_seen.len(), 2);
}

async fn the_cli_says_intact_or_names_the_broken_row(place: Place) {
    let store = place.open().await;
    let auditor = Auditor::new(
        Arc::clone(&store),
        "d1",
        GatewayKey::ephemeral(),
        CheckpointPolicy {
            every_rows: 4,
            every: Duration::from_secs(3600),
        },
    );
    for n in 0..10 {
        auditor.record(entry(n)).await.unwrap();
    }
    let run = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_onshi-gateway"));
        command
            .args(["audit", "verify", "--data-dir"])
            .arg(place.data_dir.path());
        if let StoreLocation::Postgres(url) = &place.location {
            command.args(["--store", url]);
        }
        let output = command.output().unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (code, stdout) = run();
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.starts_with("audit chain intact: 10 rows, 2 checkpoints\n"),
        "{stdout}"
    );
    assert!(stdout.contains(auditor.key().kid()), "{stdout}");

    let raw = place.raw().await;
    raw.drop_guards().await;
    raw.exec("UPDATE audit_log SET outcome = 'refused' WHERE seq = 6")
        .await
        .unwrap();
    let (code, stdout) = run();
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.starts_with("audit chain broken at seq 6: the stored hash does not match"),
        "{stdout}"
    );

    // A data folder without a store is an error, not an empty "intact" log.
    if place.location == StoreLocation::Sqlite {
        let empty = tempfile::tempdir().unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_onshi-gateway"))
            .args(["audit", "verify", "--data-dir"])
            .arg(empty.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&output.stderr).contains("there is no store"));
        assert!(!empty.path().join(store::STORE_FILE).exists());
    }
}

// ---------------------------------------------------------------------------------------
// Crash in the middle of appending.

const BURST_ENV: &str = "ONSHI_AUDIT_BURST";

/// The child side of the crash test: appends batches of 1 to 8 rows until killed, printing
/// `committed <last seq> <request id of that row>` after each commit. Does nothing unless
/// the parent set `ONSHI_AUDIT_BURST` (`sqlite:<dir>` or a PostgreSQL URL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_burst_child() {
    let Ok(target) = std::env::var(BURST_ENV) else {
        return;
    };
    let (location, dir) = match target.strip_prefix("sqlite:") {
        Some(dir) => (StoreLocation::Sqlite, dir.to_string()),
        None => (
            StoreLocation::Postgres(target.clone()),
            std::env::temp_dir().display().to_string(),
        ),
    };
    let store = store::open(&location, Path::new(&dir)).await.unwrap();
    let auditor = Auditor::new(
        store,
        "c4c4c4c4",
        GatewayKey::ephemeral(),
        CheckpointPolicy {
            every_rows: 40,
            every: Duration::from_secs(3600),
        },
    );
    let mut n = 0u64;
    loop {
        let size = 1 + n % 8;
        let batch: Vec<AuditEntry> = (0..size).map(|i| entry(n + i)).collect();
        let last_request = batch.last().unwrap().request_id.clone();
        let appended = auditor.record_all(batch).await.unwrap();
        n += size;
        // One write per line: the parent reads whole lines only.
        println!("committed {} {last_request}", appended.last_seq);
    }
}

/// A child process that is killed with SIGKILL (and reaped) when dropped, also when the
/// test fails before it meant to kill it.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn kill_9_during_a_burst_of_appends_loses_no_committed_row(place: Place) {
    let target = match &place.location {
        StoreLocation::Sqlite => format!("sqlite:{}", place.data_dir.path().display()),
        StoreLocation::Postgres(url) => url.clone(),
    };
    // The store exists (and is migrated) before the first child, as at a real desk.
    drop(place.open().await);
    let mut committed: Vec<(i64, String)> = Vec::new();
    for round in 0..4 {
        let mut child = Killed(
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "audit_burst_child",
                    "--nocapture",
                    "--test-threads",
                    "1",
                ])
                .env(BURST_ENV, &target)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let stdout = child.0.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|line| {
                    let mut parts = line.strip_prefix("committed ")?.split(' ');
                    Some((
                        parts.next()?.parse::<i64>().ok()?,
                        parts.next()?.to_string(),
                    ))
                })
                .collect::<Vec<_>>()
        });
        // Let it get going (the first commit), then a little more, then kill -9.
        let started = Instant::now();
        let wait = Duration::from_millis(400 + 200 * round);
        tokio::time::sleep(wait).await;
        let store = place.open().await;
        while store.chain_state().await.unwrap().head.map_or(0, |h| h.seq)
            <= committed.last().map_or(0, |c| c.0)
        {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the child never appended"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        drop(store);
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(child); // SIGKILL
        let reported = reader.join().unwrap();
        assert!(!reported.is_empty(), "round {round}: nothing reported");
        committed.extend(reported);

        let store = place.open().await;
        let report = audit::verify(store.as_ref()).await.unwrap();
        assert_eq!(report.first_broken, None, "round {round}: {report}");
        let records = store.records_after(0, 1_000_000).await.unwrap();
        assert_eq!(records.len() as u64, report.rows);
        for (seq, request) in &committed {
            let record = records
                .get(usize::try_from(*seq).unwrap() - 1)
                .unwrap_or_else(|| panic!("round {round}: committed seq {seq} is gone"));
            assert_eq!(&record.entry.request_id, request, "seq {seq}");
        }
        eprintln!(
            "kill -9 round {round}: {} rows after {:?}, {} checkpoints, last reported {}",
            report.rows,
            started.elapsed(),
            report.checkpoints,
            committed.last().unwrap().0
        );
    }
}

// ---------------------------------------------------------------------------------------
// Tampering with a large log.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_100k_rows_every_single_alteration_is_found() {
    tamper_test(common::places::sqlite().await, 100_000, 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_5k_rows_every_single_alteration_is_found() {
    tamper_test(common::places::postgres().await, 5_000, 10).await;
}

/// xorshift64*: reproducible random choices (the seed is printed).
struct Rng(u64);

impl Rng {
    fn seeded() -> Self {
        let seed = std::env::var("ONSHI_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("tamper test seed (ONSHI_TEST_SEED): {seed}");
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
}

/// SQL text literal.
fn lit(value: Option<&str>) -> String {
    value.map_or("NULL".to_string(), |v| {
        format!("'{}'", v.replace('\'', "''"))
    })
}

/// Changes one byte of a text value, keeping it ASCII (so it stays a valid string).
fn flip_byte(value: &str, rng: &mut Rng) -> String {
    let mut bytes = value.as_bytes().to_vec();
    let at = rng.between(0, bytes.len() as i64 - 1) as usize;
    bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
    String::from_utf8(bytes).unwrap()
}

fn values_sql(r: &AuditRecord) -> String {
    let e = &r.entry;
    format!(
        "({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
        r.seq,
        e.at_ms,
        lit(Some(&e.sub)),
        lit(Some(&e.role)),
        lit(e.licence.as_deref()),
        lit(e.facility.as_deref()),
        lit(Some(&e.action)),
        lit(e.patient_ref.as_deref()),
        lit(Some(&e.outcome)),
        lit(e.reason.as_deref()),
        lit(Some(&e.request_id)),
        lit(Some(&e.desk)),
        lit(Some(&r.hash)),
    )
}

/// Every column but `seq` set to `r`'s values.
fn set_sql(r: &AuditRecord) -> String {
    let e = &r.entry;
    format!(
        "at_ms = {}, sub = {}, role = {}, licence = {}, facility = {}, action = {}, \
         patient_ref = {}, outcome = {}, reason = {}, request_id = {}, desk = {}, hash = {}",
        e.at_ms,
        lit(Some(&e.sub)),
        lit(Some(&e.role)),
        lit(e.licence.as_deref()),
        lit(e.facility.as_deref()),
        lit(Some(&e.action)),
        lit(e.patient_ref.as_deref()),
        lit(Some(&e.outcome)),
        lit(e.reason.as_deref()),
        lit(Some(&e.request_id)),
        lit(Some(&e.desk)),
        lit(Some(&r.hash)),
    )
}

fn checkpoint_sql(cp: &Checkpoint) -> String {
    format!(
        "INSERT INTO audit_checkpoints (seq, head_hash, count, at_ms, kid, public_jwk, jws)
         VALUES ({}, {}, {}, {}, {}, {}, {})",
        cp.seq,
        lit(Some(&cp.head_hash)),
        cp.count,
        cp.at_ms,
        lit(Some(&cp.kid)),
        lit(Some(&cp.public_jwk)),
        lit(Some(&cp.jws)),
    )
}

const INSERT_SQL: &str = "INSERT INTO audit_log (seq, at_ms, sub, role, licence, facility, \
                          action, patient_ref, outcome, reason, request_id, desk, hash) VALUES ";

/// Moves rows `from..` up (`by` = 1) or back down (`by` = -1) by one seq, in two steps
/// through a range no row uses, so the primary key never sees two rows on one seq.
fn shift_sql(from: i64, by: i64) -> String {
    const PARK: i64 = 1_000_000_000;
    format!(
        "UPDATE audit_log SET seq = seq + {PARK} WHERE seq >= {from};
         UPDATE audit_log SET seq = seq - {PARK} + ({by}) WHERE seq >= {PARK};"
    )
}

async fn tamper_test(place: Place, rows: u64, per_kind: usize) {
    let started = Instant::now();
    let store = place.open().await;
    let key = GatewayKey::ephemeral();
    // A checkpoint every 10,000 rows (every 1,000 on the small log): the ES256 checks run
    // on every verification, and this test verifies some hundred times.
    let every_rows: i32 = if rows >= 50_000 { 10_000 } else { 1_000 };
    let auditor = Auditor::new(
        Arc::clone(&store),
        "d0d0d0d0",
        key.clone(),
        CheckpointPolicy {
            every_rows: i64::from(every_rows),
            every: Duration::from_secs(3600),
        },
    );
    // One batch per checkpoint interval, each batch one transaction.
    let batch = every_rows as u64;
    for start in (0..rows).step_by(batch as usize) {
        let entries = (start..(start + batch).min(rows)).map(entry).collect();
        auditor.record_all(entries).await.unwrap();
    }
    let filled = started.elapsed();
    let t = Instant::now();
    let report = audit::verify(store.as_ref()).await.unwrap();
    let one_verify = t.elapsed();
    assert_eq!(report.first_broken, None, "{report}");
    assert_eq!(report.rows, rows);
    let checkpoints = store.checkpoints().await.unwrap();
    assert_eq!(checkpoints.len() as u64, rows / every_rows as u64);
    assert_eq!(report.checkpoints, checkpoints.len() as u64);
    let checkpointed: BTreeSet<i64> = checkpoints.iter().map(|c| c.seq).collect();
    let n = rows as i64;

    let raw = place.raw().await;
    raw.drop_guards().await;
    let mut rng = Rng::seeded();
    let record = |seq: i64| {
        let store = Arc::clone(&store);
        async move { store.records_after(seq - 1, 1).await.unwrap().remove(0) }
    };
    let expect = |found: Option<BrokenAt>, seq: i64, what: &str| {
        let found = found.unwrap_or_else(|| panic!("{what}: not detected"));
        assert_eq!(found.seq, seq, "{what}: {found:?}");
        found.why
    };
    // Every fifth of a checkpoint interval, between checkpoints, a trusted head (verified
    // by the full run above) for checking a change after it quickly (see `Checker`).
    let spacing = i64::from(every_rows / 5);
    let mut trusted = Vec::new();
    let mut at = spacing / 2;
    while at < n {
        trusted.push(ChainHead {
            seq: at,
            hash: record(at).await.hash,
        });
        at += spacing;
    }
    // The first change of each kind is checked by a full verification, which stops at
    // the first broken row: placed in the first tenth of the log, it stays quick.
    let early = n / 10;
    let mut kinds = Vec::new();
    let mut check = Checker {
        store: Arc::clone(&store),
        trusted,
        all_full: std::env::var("ONSHI_AUDIT_FULL_VERIFY").is_ok_and(|v| v == "1"),
        full: 0,
        partial: 0,
    };

    kinds.push(Instant::now());
    // 1. One byte of one field of a random row.
    for i in 0..per_kind {
        let seq = rng.between(1, if i == 0 { early } else { n });
        let original = record(seq).await;
        let e = &original.entry;
        let field = rng.between(0, 11);
        let change = match field {
            0 => format!("at_ms = {}", e.at_ms ^ (1 << (8 * rng.between(0, 5)))),
            1 => format!("sub = {}", lit(Some(&flip_byte(&e.sub, &mut rng)))),
            2 => format!("role = {}", lit(Some(&flip_byte(&e.role, &mut rng)))),
            3 => match &e.licence {
                Some(l) => format!("licence = {}", lit(Some(&flip_byte(l, &mut rng)))),
                None => "licence = ''".to_string(),
            },
            4 => format!(
                "facility = {}",
                lit(Some(&flip_byte("1319999999", &mut rng)))
            ),
            5 => format!("action = {}", lit(Some(&flip_byte(&e.action, &mut rng)))),
            6 => match &e.patient_ref {
                Some(p) => format!("patient_ref = {}", lit(Some(&flip_byte(p, &mut rng)))),
                None => format!("patient_ref = {}", lit(Some(&format!("{:032x}", 7)))),
            },
            7 => format!("outcome = {}", lit(Some(&flip_byte(&e.outcome, &mut rng)))),
            8 => match &e.reason {
                Some(r) => format!("reason = {}", lit(Some(&flip_byte(r, &mut rng)))),
                None => "reason = 'x'".to_string(),
            },
            9 => format!(
                "request_id = {}",
                lit(Some(&flip_byte(&e.request_id, &mut rng)))
            ),
            10 => format!("desk = {}", lit(Some(&flip_byte(&e.desk, &mut rng)))),
            _ => format!("hash = {}", lit(Some(&flip_byte(&original.hash, &mut rng)))),
        };
        raw.exec(&format!("UPDATE audit_log SET {change} WHERE seq = {seq}"))
            .await
            .unwrap();
        let why = expect(
            check.after_change_at(seq, i).await,
            seq,
            &format!("altered {change} at {seq}"),
        );
        assert_eq!(why, Why::Hash, "{change}");
        raw.exec(&format!(
            "UPDATE audit_log SET {} WHERE seq = {seq}",
            set_sql(&original)
        ))
        .await
        .unwrap();
    }

    kinds.push(Instant::now());
    // 2. A row deleted (any but the last: removing rows from the end is only seen past a
    // checkpoint, checked below).
    for i in 0..per_kind {
        let seq = rng.between(1, if i == 0 { early } else { n - 1 });
        let original = record(seq).await;
        raw.exec(&format!("DELETE FROM audit_log WHERE seq = {seq}"))
            .await
            .unwrap();
        let why = expect(
            check.after_change_at(seq, i).await,
            seq,
            &format!("deleted {seq}"),
        );
        assert_eq!(why, Why::Missing { next: seq + 1 });
        raw.exec(&format!("{INSERT_SQL}{}", values_sql(&original)))
            .await
            .unwrap();
    }
    // The tail past the last checkpoint's rows: seen through the checkpoint.
    let last_cp = *checkpointed.last().unwrap();
    let tail = store.records_after(last_cp - 3, 1_000_000).await.unwrap();
    raw.exec(&format!(
        "DELETE FROM audit_log WHERE seq > {}",
        last_cp - 3
    ))
    .await
    .unwrap();
    let why = expect(
        check.after_change_at(last_cp - 2, 1).await,
        last_cp,
        "tail removed",
    );
    assert_eq!(
        why,
        Why::CheckpointBeyondEnd {
            last_seq: last_cp - 3
        }
    );
    for chunk in tail.chunks(1_000) {
        let values: Vec<String> = chunk.iter().map(values_sql).collect();
        raw.exec(&format!("{INSERT_SQL}{}", values.join(", ")))
            .await
            .unwrap();
    }

    kinds.push(Instant::now());
    // 3. A forged row inserted, the rows after it renumbered. Half the forgeries carry a
    // hash correctly chained onto the row before (the forger knows the algorithm): then
    // the row after it, or a checkpoint on its seq, gives it away. Renumbering moves every
    // later row there and back, which would dominate this test's time on SQLite, so the
    // forgeries go among the last 2% of rows, except one in the second half of the log
    // (each row's hash covers its seq and the hash before it, so where in the chain makes
    // no difference to the check).
    for i in 0..per_kind {
        let seq = if i == 1 {
            rng.between(n / 2, n)
        } else {
            rng.between(n - n / 50, n)
        };
        let before = record(seq - 1).await;
        let mut forged = AuditRecord {
            seq,
            entry: AuditEntry {
                sub: "intruder".to_string(),
                ..entry(rng.next() % 1_000)
            },
            hash: String::new(),
        };
        let chained = i % 2 == 0;
        forged.hash = if chained {
            hex(&chain_hash(
                &parse_hash(&before.hash).unwrap(),
                seq,
                &forged.entry,
            ))
        } else {
            format!("{:064x}", rng.next())
        };
        raw.exec(&shift_sql(seq, 1)).await.unwrap();
        raw.exec(&format!("{INSERT_SQL}{}", values_sql(&forged)))
            .await
            .unwrap();
        let found = check.after_change_at(seq, i).await;
        let what = format!("forged row at {seq} (chained: {chained})");
        if !chained {
            assert_eq!(expect(found, seq, &what), Why::Hash);
        } else if checkpointed.contains(&seq) {
            assert_eq!(expect(found, seq, &what), Why::CheckpointHead);
        } else {
            assert_eq!(expect(found, seq + 1, &what), Why::Hash);
        }
        raw.exec(&format!("DELETE FROM audit_log WHERE seq = {seq}"))
            .await
            .unwrap();
        raw.exec(&shift_sql(seq + 1, -1)).await.unwrap();
    }

    kinds.push(Instant::now());
    // 4. Two rows' contents swapped (hashes included).
    for i in 0..per_kind {
        let last = if i == 0 { early } else { n };
        let a = rng.between(1, last);
        let mut b = rng.between(1, last);
        if b == a {
            b = if a == n { a - 1 } else { a + 1 };
        }
        let (ra, rb) = (record(a).await, record(b).await);
        raw.exec(&format!(
            "UPDATE audit_log SET {} WHERE seq = {a}; UPDATE audit_log SET {} WHERE seq = {b};",
            set_sql(&rb),
            set_sql(&ra)
        ))
        .await
        .unwrap();
        let why = expect(
            check.after_change_at(a.min(b), i).await,
            a.min(b),
            &format!("swapped {a} and {b}"),
        );
        assert_eq!(why, Why::Hash);
        raw.exec(&format!(
            "UPDATE audit_log SET {} WHERE seq = {a}; UPDATE audit_log SET {} WHERE seq = {b};",
            set_sql(&ra),
            set_sql(&rb)
        ))
        .await
        .unwrap();
    }

    kinds.push(Instant::now());
    // 5. A checkpoint altered: one byte of any column, or replaced by one signed with
    // another key.
    let intruder = GatewayKey::ephemeral();
    for i in 0..per_kind {
        let pick = if i == 0 {
            0
        } else {
            rng.between(0, checkpoints.len() as i64 - 1) as usize
        };
        let original = checkpoints[pick].clone();
        let mut changed = original.clone();
        let variant = i % 8;
        match variant {
            0 => changed.head_hash = flip_byte(&changed.head_hash, &mut rng),
            1 => changed.count += 1,
            2 => changed.at_ms += 1,
            3 => changed.kid = flip_byte(&changed.kid, &mut rng),
            4 => changed.public_jwk = intruder.public_jwk().to_string(),
            5 => {
                // One character of the header, the payload or the signature.
                let part = rng.between(0, 2) as usize;
                let mut parts: Vec<String> = changed.jws.split('.').map(str::to_string).collect();
                parts[part] = flip_byte(&parts[part], &mut rng);
                changed.jws = parts.join(".");
            }
            6 => {
                // Re-signed by another key over another head: self-consistent, but the
                // chain disagrees.
                let head = record(original.seq - 1).await.hash;
                changed = signed(&intruder, original.seq, &head);
            }
            _ => changed.seq -= 1,
        }
        raw.exec(&format!(
            "DELETE FROM audit_checkpoints WHERE seq = {};{}",
            original.seq,
            checkpoint_sql(&changed)
        ))
        .await
        .unwrap();
        let what = format!("checkpoint {} variant {variant}", original.seq);
        let why = expect(
            check
                .after_change_at(changed.seq.min(original.seq), i)
                .await,
            changed.seq,
            &what,
        );
        match variant {
            6 => assert_eq!(why, Why::CheckpointHead, "{what}"),
            _ => assert!(matches!(why, Why::Checkpoint(_)), "{what}: {why:?}"),
        }
        raw.exec(&format!(
            "DELETE FROM audit_checkpoints WHERE seq = {};{}",
            changed.seq,
            checkpoint_sql(&original)
        ))
        .await
        .unwrap();
    }
    // What no single check can refuse, a checkpoint replaced by another key's over the
    // true head, at least shows that key.
    let first = &checkpoints[0];
    let replaced = signed(&intruder, first.seq, &first.head_hash);
    raw.exec(&format!(
        "DELETE FROM audit_checkpoints WHERE seq = {};{}",
        first.seq,
        checkpoint_sql(&replaced)
    ))
    .await
    .unwrap();
    let report = check.report_after_change_at(first.seq).await;
    assert_eq!(report.first_broken, None);
    assert!(report.kids.contains(intruder.kid()), "{:?}", report.kids);
    raw.exec(&format!(
        "DELETE FROM audit_checkpoints WHERE seq = {};{}",
        first.seq,
        checkpoint_sql(first)
    ))
    .await
    .unwrap();
    kinds.push(Instant::now());
    // Everything undone: the whole log verifies again.
    let last = audit::verify(store.as_ref()).await.unwrap();
    assert_eq!(last.first_broken, None, "all changes undone: {last}");
    assert_eq!(last.rows, rows);
    assert_eq!(last.kids, BTreeSet::from([key.kid().to_string()]));

    eprintln!(
        "{rows} rows: filled in {filled:?}, one full verification {one_verify:?}, \
         {} full and {} partial verifications, whole test {:?}",
        check.full + 1,
        check.partial,
        started.elapsed()
    );
    let per_kind: Vec<Duration> = kinds.windows(2).map(|w| w[1] - w[0]).collect();
    eprintln!("altered, deleted, inserted, swapped, checkpoints: {per_kind:?}");
}

/// Verifies the log after one change. The first change of each kind (and every change
/// with `ONSHI_AUDIT_FULL_VERIFY=1`) is checked by verifying the whole log, as `audit
/// verify` does; the others from the last head the first full run verified before the
/// change (`audit::verify_after`), which reads the same rows from there on with the same
/// checks, so it gives the same answer for a log that is unchanged before that head, in a
/// tenth of the time (the debug build hashes slowly).
struct Checker {
    store: Arc<dyn Store>,
    trusted: Vec<ChainHead>,
    all_full: bool,
    full: usize,
    partial: usize,
}

impl Checker {
    /// The first broken place, for a log changed at `seq` or after; `nth` is which change
    /// of its kind this is.
    async fn after_change_at(&mut self, seq: i64, nth: usize) -> Option<BrokenAt> {
        if nth == 0 || self.all_full {
            self.full += 1;
            return audit::verify(self.store.as_ref())
                .await
                .unwrap()
                .first_broken;
        }
        self.report_after_change_at(seq).await.first_broken
    }

    async fn report_after_change_at(&mut self, seq: i64) -> audit::VerifyReport {
        match self.trusted.iter().rev().find(|head| head.seq < seq) {
            Some(head) if !self.all_full => {
                self.partial += 1;
                audit::verify_after(self.store.as_ref(), head)
                    .await
                    .unwrap()
            }
            _ => {
                self.full += 1;
                audit::verify(self.store.as_ref()).await.unwrap()
            }
        }
    }
}

fn signed(key: &GatewayKey, seq: i64, head: &str) -> Checkpoint {
    let at_ms = MORNING_MS;
    Checkpoint {
        seq,
        head_hash: head.to_string(),
        count: seq,
        at_ms,
        kid: key.kid().to_string(),
        public_jwk: key.public_jwk().to_string(),
        jws: key.sign_compact(CHECKPOINT_TYP, &checkpoint_payload(seq, head, seq, at_ms)),
    }
}
