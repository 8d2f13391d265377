//! The access log in PostgreSQL (see [`crate::store::audit`]), one chain for every desk.
//!
//! An append is one transaction: `synchronous_commit = on`, then
//! `pg_advisory_xact_lock(AUDIT_CHAIN_LOCK)` held to the commit, then the read of the
//! chain's last row, then the insert. A second desk appending at the same moment waits
//! for the lock and only then reads the head (each statement in READ COMMITTED sees what
//! committed before it began, and a transaction is visible before its locks are released,
//! as `events.rs` relies on too), so it chains onto the first desk's rows and the chain
//! never forks. `seq` is assigned from the head, not from a sequence, so a rolled-back
//! append leaves no gap; the primary key on `seq` would refuse a fork even from a writer
//! that skipped the lock. Rows go in as one `INSERT … SELECT FROM UNNEST(arrays)`: one
//! round trip however many rows a batch holds.

use deadpool_postgres::Pool;
use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Row};

use crate::store::audit::{
    link, parse_hash, validate_all, AuditSecret, ChainHead, ChainState, CheckpointMark, GENESIS,
};
use crate::store::events::fetch_for;
use crate::store::{
    Appended, AuditEntry, AuditFilter, AuditPage, AuditRecord, Checkpoint, StoreError,
};

/// `pg_advisory_xact_lock` key held from reading the chain's head to committing the rows
/// chained onto it ("onshi" + 4, as ASCII).
pub const AUDIT_CHAIN_LOCK: i64 = 0x6f6e_7368_6904;

const COLUMNS: &str = "seq, at_ms, sub, role, licence, facility, action, patient_ref, outcome, \
                       reason, request_id, desk, hash";

const CHECKPOINT_COLUMNS: &str = "seq, head_hash, count, at_ms, kid, public_jwk, jws";

/// The store's key for patient references, made now if the database has none yet (the
/// first desk to open a new database makes it; every later one reads it).
pub async fn secret(client: &mut tokio_postgres::Client) -> Result<AuditSecret, StoreError> {
    let fresh = AuditSecret::generate()?;
    let tx = client.transaction().await?;
    // Durable before any reference is made with it: a key lost in a power cut would be
    // replaced by another, and the same card would get another reference.
    tx.batch_execute("SET LOCAL synchronous_commit TO on")
        .await?;
    tx.execute(
        "INSERT INTO audit_secret (secret) VALUES ($1) ON CONFLICT DO NOTHING",
        &[&fresh.as_bytes()],
    )
    .await?;
    let row = tx.query_one("SELECT secret FROM audit_secret", &[]).await?;
    let secret = AuditSecret::from_bytes(row.try_get::<_, &[u8]>(0)?)?;
    tx.commit().await?;
    Ok(secret)
}

pub async fn append(pool: &Pool, entries: &[AuditEntry]) -> Result<Appended, StoreError> {
    if entries.is_empty() {
        return Err(StoreError::AuditEntry("nothing to append".to_string()));
    }
    validate_all(entries)?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.batch_execute("SET LOCAL synchronous_commit TO on")
        .await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&AUDIT_CHAIN_LOCK])
        .await?;
    let (last_seq, prev) = match tx
        .query_opt(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .await?
    {
        None => (0, GENESIS),
        Some(row) => {
            let seq: i64 = row.try_get(0)?;
            let hash: &str = row.try_get(1)?;
            (seq, parse_hash(hash).ok_or(StoreError::AuditHead { seq })?)
        }
    };
    let first_seq = last_seq + 1;
    let hashes = link(prev, first_seq, entries);
    let count = i64::try_from(entries.len()).unwrap_or(i64::MAX);
    let seqs: Vec<i64> = (first_seq..first_seq + count).collect();
    let column = |f: fn(&AuditEntry) -> &str| entries.iter().map(f).collect::<Vec<&str>>();
    let optional =
        |f: fn(&AuditEntry) -> Option<&str>| entries.iter().map(f).collect::<Vec<Option<&str>>>();
    let at: Vec<i64> = entries.iter().map(|e| e.at_ms).collect();
    let sub = column(|e| &e.sub);
    let role = column(|e| &e.role);
    let licence = optional(|e| e.licence.as_deref());
    let facility = optional(|e| e.facility.as_deref());
    let action = column(|e| &e.action);
    let patient = optional(|e| e.patient_ref.as_deref());
    let outcome = column(|e| &e.outcome);
    let reason = optional(|e| e.reason.as_deref());
    let request = column(|e| &e.request_id);
    let desk = column(|e| &e.desk);
    let insert = tx
        .prepare_cached(
            "INSERT INTO audit_log
                (seq, at_ms, sub, role, licence, facility, action, patient_ref, outcome,
                 reason, request_id, desk, hash)
             SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[],
                 $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                 $11::text[], $12::text[], $13::text[])",
        )
        .await?;
    let params: [&(dyn ToSql + Sync); 13] = [
        &seqs, &at, &sub, &role, &licence, &facility, &action, &patient, &outcome, &reason,
        &request, &desk, &hashes,
    ];
    tx.execute(&insert, &params).await?;
    let last_checkpoint = last_checkpoint(&*tx).await?;
    tx.commit().await?;
    Ok(Appended {
        first_seq,
        last_seq: last_seq + count,
        head_hash: hashes.last().cloned().unwrap_or_default(),
        last_checkpoint,
    })
}

/// Up to `limit` rows above `after_seq` matching `filter`; only the conditions given are in
/// the SQL, so the planner can use the index that fits.
pub async fn page(
    pool: &Pool,
    filter: &AuditFilter,
    after_seq: i64,
    limit: usize,
) -> Result<AuditPage, StoreError> {
    let (start, end) = filter.ms_range();
    let mut sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1");
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&after_seq];
    if filter.from.is_some() {
        params.push(&start);
        sql.push_str(&format!(" AND at_ms >= ${}", params.len()));
    }
    if filter.to.is_some() {
        params.push(&end);
        sql.push_str(&format!(" AND at_ms < ${}", params.len()));
    }
    if let Some(sub) = &filter.sub {
        params.push(sub);
        sql.push_str(&format!(" AND sub = ${}", params.len()));
    }
    if let Some(patient) = &filter.patient_ref {
        params.push(patient);
        sql.push_str(&format!(" AND patient_ref = ${}", params.len()));
    }
    let fetch = fetch_for(limit);
    params.push(&fetch);
    sql.push_str(&format!(" ORDER BY seq LIMIT ${}", params.len()));
    let client = pool.get().await?;
    let statement = client.prepare_cached(&sql).await?;
    let rows = client.query(&statement, &params).await?;
    let mut records = rows
        .iter()
        .map(read_record)
        .collect::<Result<Vec<_>, _>>()?;
    let more = records.len() > limit;
    records.truncate(limit);
    Ok(AuditPage { records, more })
}

pub async fn records_after(
    pool: &Pool,
    after_seq: i64,
    limit: usize,
) -> Result<Vec<AuditRecord>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let client = pool.get().await?;
    let statement = client
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .await?;
    client
        .query(&statement, &[&after_seq, &limit])
        .await?
        .iter()
        .map(read_record)
        .collect()
}

pub async fn chain_state(pool: &Pool) -> Result<ChainState, StoreError> {
    let client = pool.get().await?;
    let head = client
        .query_opt(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .await?
        .map(|row| {
            Ok::<_, StoreError>(ChainHead {
                seq: row.try_get(0)?,
                hash: row.try_get(1)?,
            })
        })
        .transpose()?;
    Ok(ChainState {
        head,
        last_checkpoint: last_checkpoint(&**client).await?,
    })
}

pub async fn add_checkpoint(pool: &Pool, checkpoint: &Checkpoint) -> Result<bool, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.batch_execute("SET LOCAL synchronous_commit TO on")
        .await?;
    let added = tx
        .execute(
            &format!(
                "INSERT INTO audit_checkpoints ({CHECKPOINT_COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (seq) DO NOTHING"
            ),
            &[
                &checkpoint.seq,
                &checkpoint.head_hash,
                &checkpoint.count,
                &checkpoint.at_ms,
                &checkpoint.kid,
                &checkpoint.public_jwk,
                &checkpoint.jws,
            ],
        )
        .await?;
    tx.commit().await?;
    Ok(added == 1)
}

pub async fn checkpoints(pool: &Pool) -> Result<Vec<Checkpoint>, StoreError> {
    let client = pool.get().await?;
    client
        .query(
            &format!("SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq"),
            &[],
        )
        .await?
        .iter()
        .map(|row| {
            Ok(Checkpoint {
                seq: row.try_get(0)?,
                head_hash: row.try_get(1)?,
                count: row.try_get(2)?,
                at_ms: row.try_get(3)?,
                kid: row.try_get(4)?,
                public_jwk: row.try_get(5)?,
                jws: row.try_get(6)?,
            })
        })
        .collect()
}

async fn last_checkpoint(
    client: &impl GenericClient,
) -> Result<Option<CheckpointMark>, StoreError> {
    client
        .query_opt(
            "SELECT seq, at_ms FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .await?
        .map(|row| {
            Ok(CheckpointMark {
                seq: row.try_get(0)?,
                at_ms: row.try_get(1)?,
            })
        })
        .transpose()
}

fn read_record(row: &Row) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        seq: row.try_get(0)?,
        entry: AuditEntry {
            at_ms: row.try_get(1)?,
            sub: row.try_get(2)?,
            role: row.try_get(3)?,
            licence: row.try_get(4)?,
            facility: row.try_get(5)?,
            action: row.try_get(6)?,
            patient_ref: row.try_get(7)?,
            outcome: row.try_get(8)?,
            reason: row.try_get(9)?,
            request_id: row.try_get(10)?,
            desk: row.try_get(11)?,
        },
        hash: row.try_get(12)?,
    })
}
