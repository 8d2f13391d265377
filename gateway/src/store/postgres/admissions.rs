//! Terminal sessions in PostgreSQL (see [`crate::store::admissions`]), shared by every
//! desk. Each call is one transaction under [`ADMISSION_LOCK`], so counting the sessions
//! and granting one is a single step clinic-wide; times come from the database's clock, so
//! desks whose clocks differ still agree on what has lapsed.

use deadpool_postgres::Pool;

use crate::store::admissions::{Admission, AdmissionTimes};
use crate::store::StoreError;

/// `pg_advisory_xact_lock` key serialising admissions ("onshi" + 3, as ASCII).
pub const ADMISSION_LOCK: i64 = 0x6f6e_7368_6903;

pub async fn admit(
    pool: &Pool,
    ticket: &str,
    limit: u32,
    times: AdmissionTimes,
) -> Result<Admission, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ADMISSION_LOCK])
        .await?;
    tx.execute(
        "DELETE FROM terminal_admissions WHERE expires_at < clock_timestamp()",
        &[],
    )
    .await?;
    let queue_hold = times.queue_hold.as_secs_f64();
    let row = tx
        .query_one(
            "INSERT INTO terminal_admissions (ticket, queued_seq, admitted, expires_at)
             VALUES ($1, (SELECT COALESCE(MAX(queued_seq), 0) + 1 FROM terminal_admissions),
                     FALSE, clock_timestamp() + make_interval(secs => $2))
             ON CONFLICT (ticket) DO UPDATE SET expires_at = CASE
                 WHEN terminal_admissions.admitted THEN terminal_admissions.expires_at
                 ELSE EXCLUDED.expires_at END
             RETURNING queued_seq, admitted",
            &[&ticket, &queue_hold],
        )
        .await?;
    let (seq, admitted): (i64, bool) = (row.get(0), row.get(1));
    if admitted {
        tx.commit().await?;
        return Ok(Admission::Admitted);
    }
    let counts = tx
        .query_one(
            "SELECT COUNT(*) FILTER (WHERE admitted),
                    COUNT(*) FILTER (WHERE NOT admitted AND queued_seq < $1)
             FROM terminal_admissions",
            &[&seq],
        )
        .await?;
    let (running, ahead): (i64, i64) = (counts.get(0), counts.get(1));
    let admission = if running < i64::from(limit) && ahead == 0 {
        tx.execute(
            "UPDATE terminal_admissions
             SET admitted = TRUE, expires_at = clock_timestamp() + make_interval(secs => $2)
             WHERE ticket = $1",
            &[&ticket, &times.hold.as_secs_f64()],
        )
        .await?;
        Admission::Admitted
    } else {
        Admission::Queued {
            ahead: u32::try_from(ahead).unwrap_or(u32::MAX),
        }
    };
    tx.commit().await?;
    Ok(admission)
}

pub async fn release(pool: &Pool, ticket: &str) -> Result<(), StoreError> {
    let client = pool.get().await?;
    client
        .execute(
            "DELETE FROM terminal_admissions WHERE ticket = $1",
            &[&ticket],
        )
        .await?;
    Ok(())
}
