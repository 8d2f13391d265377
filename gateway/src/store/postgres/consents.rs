//! Consents in PostgreSQL (see [`crate::store::consents`]), shared by every desk. Each
//! write is one statement in a transaction with `synchronous_commit = on`; the ids' primary
//! keys make a second store of the same consent (or withdrawal) a no-op, whichever desk
//! tries it.

use deadpool_postgres::Pool;
use onshi_core::consent::ConsentRecord;
use tokio_postgres::Row;

use crate::store::consents::{from_name, name_of, NewConsent, Withdrawal};
use crate::store::StoreError;

const SELECT: &str = "SELECT c.id, c.patient_ref, c.source, c.method, c.decisions, c.given_at, \
                      c.valid_until, c.receipt, w.withdrawn_at \
                      FROM consents c LEFT JOIN consent_withdrawals w ON w.consent_id = c.id";

pub async fn record(pool: &Pool, consent: &NewConsent) -> Result<bool, StoreError> {
    let r = &consent.record;
    let (source, method) = (name_of(&r.source)?, name_of(&r.method)?);
    let decisions = serde_json::to_string(&r.decisions)?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.batch_execute("SET LOCAL synchronous_commit TO on")
        .await?;
    let changed = tx
        .execute(
            "INSERT INTO consents
                (id, patient_ref, source, method, decisions, given_at, valid_until, receipt,
                 desk, sub)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (id) DO NOTHING",
            &[
                &r.id,
                &r.patient,
                &source,
                &method,
                &decisions,
                &r.given_at,
                &r.valid_until,
                &r.receipt,
                &consent.desk,
                &consent.sub,
            ],
        )
        .await?;
    tx.commit().await?;
    Ok(changed == 1)
}

pub async fn withdraw(pool: &Pool, withdrawal: &Withdrawal) -> Result<bool, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.batch_execute("SET LOCAL synchronous_commit TO on")
        .await?;
    let changed = tx
        .execute(
            "INSERT INTO consent_withdrawals (consent_id, withdrawn_at, sub, desk)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (consent_id) DO NOTHING",
            &[
                &withdrawal.consent_id,
                &withdrawal.withdrawn_at,
                &withdrawal.sub,
                &withdrawal.desk,
            ],
        )
        .await?;
    tx.commit().await?;
    Ok(changed == 1)
}

pub async fn of_patient(pool: &Pool, patient_ref: &str) -> Result<Vec<ConsentRecord>, StoreError> {
    let client = pool.get().await?;
    let rows = client
        .query(
            &format!("{SELECT} WHERE c.patient_ref = $1 ORDER BY c.given_at, c.id"),
            &[&patient_ref],
        )
        .await?;
    rows.iter().map(read).collect()
}

pub async fn by_id(pool: &Pool, id: &str) -> Result<Option<ConsentRecord>, StoreError> {
    let client = pool.get().await?;
    let row = client
        .query_opt(&format!("{SELECT} WHERE c.id = $1"), &[&id])
        .await?;
    row.as_ref().map(read).transpose()
}

fn read(row: &Row) -> Result<ConsentRecord, StoreError> {
    Ok(ConsentRecord {
        id: row.try_get(0)?,
        patient: row.try_get(1)?,
        source: from_name(row.try_get::<_, &str>(2)?)?,
        method: from_name(row.try_get::<_, &str>(3)?)?,
        decisions: serde_json::from_str(row.try_get::<_, &str>(4)?)?,
        given_at: row.try_get(5)?,
        valid_until: row.try_get(6)?,
        receipt: row.try_get(7)?,
        withdrawn_at: row.try_get(8)?,
    })
}
