//! The reception queue table in PostgreSQL: claims, ordering and the commit notification.
//!
//! One insert is one transaction:
//!
//! 1. **Claim** the file: `INSERT INTO event_claims … ON CONFLICT DO NOTHING` on its name
//!    and content hash. Two gateways polling the same `face/` race here; the second waits
//!    for the first's transaction and then inserts nothing: it lost, rolls back and gets
//!    the winner's stored event (`new: false`). A gateway killed before its commit leaves
//!    no claim (the transaction never committed), so the next poll of any desk takes the
//!    file in.
//! 2. **Order:** take `pg_advisory_xact_lock(EVENT_ORDER_LOCK)`, held to the commit. Ids
//!    come from a sequence, and a sequence hands out numbers at insert time, not at commit
//!    time: without the lock, id 5 could commit (and be read by a desk, which then asks for
//!    "after 5") before id 4 commits, and id 4 would never be shown. With the lock, the
//!    next id is only drawn once the previous insert has committed (PostgreSQL makes a
//!    transaction visible before it releases its locks), so ids become visible in order.
//!    The lock is taken after the claim so a losing gateway never queues behind it, and
//!    only writers take it: reads never wait. It costs one round trip per event, and the
//!    desks' writes are serialised, which at a clinic's pace (a few events a minute) is
//!    nothing.
//! 3. **Insert** the event, `pg_notify(CHANNEL, id)` and commit. A notification is sent
//!    only when (and if) its transaction commits, so no desk is woken for an event it
//!    cannot yet read.

use deadpool_postgres::Pool;
use tokio_postgres::Row;

use super::listen::CHANNEL;
use crate::store::events::{fetch_for, page_of, verification_name, RawRow, COLUMNS};
use crate::store::{NewEvent, Page, Recorded, StoreError};

/// `pg_advisory_xact_lock` key held from drawing an event id to committing it ("onshi" +
/// 2, as ASCII). Public so a test can hold it to freeze a gateway between claim and commit.
pub const EVENT_ORDER_LOCK: i64 = 0x6f6e_7368_6902;

pub async fn insert(pool: &Pool, event: &NewEvent) -> Result<Recorded, StoreError> {
    let payload = event.payload()?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    // Whatever the role's or database's default: the desk is told "stored" only once the
    // commit is on disk.
    tx.batch_execute("SET LOCAL synchronous_commit TO on")
        .await?;
    let claim = tx
        .prepare_cached(
            "INSERT INTO event_claims (source_file, content_sha256) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
        )
        .await?;
    let claimed = tx
        .execute(&claim, &[&event.source_file, &event.content_sha256])
        .await?
        == 1;
    if !claimed {
        tx.rollback().await?;
        // The winner has committed (the claim waited for it), so its event is readable.
        let existing = client
            .query_opt(
                &format!(
                    "SELECT {COLUMNS} FROM reception_events
                     WHERE source_file = $1 AND content_sha256 = $2"
                ),
                &[&event.source_file, &event.content_sha256],
            )
            .await?
            .ok_or_else(|| StoreError::Worker("a claimed file has no stored event".to_string()))?;
        return Ok(Recorded {
            event: read_row(&existing)?.into_event()?,
            new: false,
        });
    }
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&EVENT_ORDER_LOCK])
        .await?;
    let insert = tx
        .prepare_cached(
            "INSERT INTO reception_events
                (received_at, kind, source_file, content_sha256, payload,
                 prescription_issue_select, error, verification)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             RETURNING id",
        )
        .await?;
    let id: i64 = tx
        .query_one(
            &insert,
            &[
                &event.received_at,
                &event.kind.as_str(),
                &event.source_file,
                &event.content_sha256,
                &payload,
                &event.prescription_issue_select.as_ref().map(|p| p.code()),
                &event.error,
                &event.verification.map(verification_name),
            ],
        )
        .await?
        .get(0);
    // The payload is informational: desks read the store after their last id, so a
    // notification that arrives late or out of order cannot reorder anything.
    tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &id.to_string()])
        .await?;
    tx.commit().await?;
    Ok(Recorded {
        event: event.stored_as(id),
        new: true,
    })
}

pub async fn after(pool: &Pool, after: i64, limit: usize) -> Result<Page, StoreError> {
    let client = pool.get().await?;
    let statement = client
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM reception_events WHERE id > $1 ORDER BY id LIMIT $2"
        ))
        .await?;
    let rows = client
        .query(&statement, &[&after, &fetch_for(limit)])
        .await?;
    page(&rows, limit)
}

pub async fn since(pool: &Pool, from: &str, limit: usize) -> Result<Page, StoreError> {
    let client = pool.get().await?;
    let statement = client
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM reception_events WHERE received_at >= $1
             ORDER BY id LIMIT $2"
        ))
        .await?;
    let rows = client
        .query(&statement, &[&from, &fetch_for(limit)])
        .await?;
    page(&rows, limit)
}

fn page(rows: &[Row], limit: usize) -> Result<Page, StoreError> {
    let events = rows
        .iter()
        .map(|row| read_row(row)?.into_event())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page_of(events, limit))
}

fn read_row(row: &Row) -> Result<RawRow, StoreError> {
    Ok(RawRow {
        id: row.try_get(0)?,
        received_at: row.try_get(1)?,
        kind: row.try_get(2)?,
        source_file: row.try_get(3)?,
        payload: row.try_get(4)?,
        prescription_issue_select: row.try_get(5)?,
        error: row.try_get(6)?,
        verification: row.try_get(7)?,
    })
}
