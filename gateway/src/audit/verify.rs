//! Checking the access log: recompute the hash chain from row 1 and check every signed
//! checkpoint, so that a changed, removed, inserted or reordered row, and a changed or
//! forged checkpoint, are found and named (`onshi-gateway audit verify`).
//!
//! What it proves and what it cannot (security.md §4): the chain is unkeyed, so whoever
//! can write the store can rewrite every row from some point on and recompute the hashes;
//! the checkpoints then no longer match, unless the rewriter also signs new ones, with a
//! key of their own or with a desk's key read off its disk (the key file is owner-only,
//! which does not stop the PC's administrator; protecting it with DPAPI or a TPM is not
//! built). So the report names the keys ([`VerifyReport::kids`]) the checkpoints were
//! signed with: they must be keys of this clinic's desks, and the checkpoints exported off
//! the PC must still be in the log, unchanged. Rows appended after the newest checkpoint are covered
//! only by the chain until the next checkpoint; rows removed from the end after it are
//! not detectable here at all (an exported checkpoint names the count that must be there).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use onshi_core::jose::{verify_compact, KeySet};
use serde_json::{json, Value};

use crate::keys;
use crate::store::audit::{
    chain_hash, checkpoint_payload, hex, parse_hash, CHECKPOINT_TYP, GENESIS,
};
use crate::store::{AuditRecord, ChainHead, Checkpoint, Store, StoreError};

/// Rows read per store call.
const BATCH: usize = 2_000;

/// What was checked, and the first thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Rows whose chain hash was recomputed and matched (all of them, if intact).
    pub rows: u64,
    /// Checkpoints in the store.
    pub checkpoints: u64,
    /// The key ids (RFC 7638 thumbprints) the checkpoints name (each checked against its
    /// JWK and signature when the chain reached it).
    pub kids: BTreeSet<String>,
    /// The last row checked.
    pub head: Option<ChainHead>,
    pub first_broken: Option<BrokenAt>,
}

impl VerifyReport {
    pub fn intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.first_broken {
            None => write!(
                f,
                "audit chain intact: {} rows, {} checkpoints",
                self.rows, self.checkpoints
            ),
            Some(broken) => write!(
                f,
                "audit chain broken at seq {}: {} ({} rows before it verified)",
                broken.seq, broken.why, self.rows
            ),
        }
    }
}

/// The first place the log is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenAt {
    /// The row's seq (for a missing row, the seq that should be there; for a checkpoint,
    /// the seq it covers).
    pub seq: i64,
    pub why: Why,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// No row `seq`: the next stored row is `next` (deleted, or rows renumbered).
    Missing { next: i64 },
    /// The row's stored hash is not the hash of its content chained onto the row before:
    /// the row (or its hash) was changed, or a row before it was replaced or moved.
    Hash,
    /// A checkpoint whose own signature, key id or signed statement is wrong.
    Checkpoint(String),
    /// A checkpoint whose head is not the chain's hash at its seq.
    CheckpointHead,
    /// A checkpoint covering rows the log no longer has (removed from the end).
    CheckpointBeyondEnd { last_seq: i64 },
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { next } => write!(
                f,
                "the row is missing (the next stored row is seq {next}): deleted or renumbered"
            ),
            Self::Hash => f.write_str(
                "the stored hash does not match the row's content chained onto the row \
                 before: the row was altered, or put in another row's place",
            ),
            Self::Checkpoint(reason) => write!(f, "the checkpoint is not genuine: {reason}"),
            Self::CheckpointHead => f.write_str(
                "the signed checkpoint names another head hash than the chain has here: \
                 rows up to this one were rewritten",
            ),
            Self::CheckpointBeyondEnd { last_seq } => write!(
                f,
                "a signed checkpoint covers rows up to here but the log ends at seq \
                 {last_seq}: rows were removed from the end"
            ),
        }
    }
}

/// Reads the whole log from `store` in batches and checks it from row 1.
pub async fn verify(store: &dyn Store) -> Result<VerifyReport, StoreError> {
    let checkpoints = store.checkpoints().await?;
    run(store, ChainVerifier::new(&checkpoints), 0).await
}

/// Checks only the rows after `trusted`, a head verified before (by an earlier run, or
/// the head of a checkpoint exported off the PC and compared with it): the same checks as
/// [`verify`] from there on, so a daily check need not reread years of rows. Checkpoints
/// before `trusted.seq` are not looked at; one at `trusted.seq` must name its hash.
pub async fn verify_after(
    store: &dyn Store,
    trusted: &ChainHead,
) -> Result<VerifyReport, StoreError> {
    let checkpoints = store.checkpoints().await?;
    let verifier = ChainVerifier::resume(&checkpoints, trusted)?;
    run(store, verifier, trusted.seq).await
}

async fn run(
    store: &dyn Store,
    mut verifier: ChainVerifier,
    mut after: i64,
) -> Result<VerifyReport, StoreError> {
    loop {
        let batch = store.records_after(after, BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        let full = batch.len() == BATCH;
        for record in &batch {
            if !verifier.feed(record) {
                return Ok(verifier.finish());
            }
        }
        if !full {
            break;
        }
    }
    Ok(verifier.finish())
}

/// The check itself, fed rows in `seq` order (from a store, or from any reader of the
/// tables).
#[derive(Debug)]
pub struct ChainVerifier {
    /// Each checkpoint by the seq it covers, not yet checked (a signature check is slow
    /// next to a row's: checked when the chain reaches it, or at the end).
    checkpoints: BTreeMap<i64, Checkpoint>,
    kids: BTreeSet<String>,
    count: u64,
    next_seq: i64,
    prev: [u8; 32],
    rows: u64,
    head: Option<ChainHead>,
    broken: Option<BrokenAt>,
}

impl ChainVerifier {
    pub fn new(checkpoints: &[Checkpoint]) -> Self {
        let kids = checkpoints.iter().map(|cp| cp.kid.clone()).collect();
        Self {
            checkpoints: checkpoints.iter().map(|cp| (cp.seq, cp.clone())).collect(),
            kids,
            count: checkpoints.len() as u64,
            next_seq: 1,
            prev: GENESIS,
            rows: 0,
            head: None,
            broken: None,
        }
    }

    /// A verifier that continues after `trusted` (see [`verify_after`]).
    pub fn resume(checkpoints: &[Checkpoint], trusted: &ChainHead) -> Result<Self, StoreError> {
        let prev = parse_hash(&trusted.hash).ok_or_else(|| {
            StoreError::BadLocation(format!(
                "the trusted head for seq {} is not a SHA-256 hash in hex",
                trusted.seq
            ))
        })?;
        let later: Vec<Checkpoint> = checkpoints
            .iter()
            .filter(|cp| cp.seq >= trusted.seq)
            .cloned()
            .collect();
        let mut verifier = Self::new(&later);
        verifier.next_seq = trusted.seq + 1;
        verifier.prev = prev;
        verifier.head = Some(trusted.clone());
        if let Some(why) = verifier.reached(trusted.seq, &trusted.hash) {
            verifier.broke(trusted.seq, why);
        }
        Ok(verifier)
    }

    /// Checks the next row; `false` once something is broken (feeding more changes
    /// nothing).
    pub fn feed(&mut self, record: &AuditRecord) -> bool {
        if self.broken.is_some() {
            return false;
        }
        if record.seq != self.next_seq {
            // Rows come in seq order, so a larger seq means rows are missing; a smaller
            // one cannot come from a store (seq is unique), but is as wrong.
            return self.broke(self.next_seq, Why::Missing { next: record.seq });
        }
        let hash = chain_hash(&self.prev, record.seq, &record.entry);
        let hash_hex = hex(&hash);
        if hash_hex != record.hash {
            return self.broke(record.seq, Why::Hash);
        }
        if let Some(why) = self.reached(record.seq, &hash_hex) {
            return self.broke(record.seq, why);
        }
        self.prev = hash;
        self.rows += 1;
        self.next_seq += 1;
        self.head = Some(ChainHead {
            seq: record.seq,
            hash: hash_hex,
        });
        true
    }

    /// Checks the checkpoint on row `seq` (if any) now that the chain's hash there is
    /// known.
    fn reached(&mut self, seq: i64, hash_hex: &str) -> Option<Why> {
        let checkpoint = self.checkpoints.remove(&seq)?;
        if let Err(reason) = check_checkpoint(&checkpoint) {
            return Some(Why::Checkpoint(reason));
        }
        (checkpoint.head_hash != hash_hex).then_some(Why::CheckpointHead)
    }

    fn broke(&mut self, seq: i64, why: Why) -> bool {
        self.broken = Some(BrokenAt { seq, why });
        false
    }

    /// The report, once every row was fed (or the chain broke).
    pub fn finish(mut self) -> VerifyReport {
        if self.broken.is_none() {
            // Checkpoints never reached: beyond the end, or at a seq no chain has.
            if let Some((&seq, checkpoint)) = self.checkpoints.iter().next() {
                let why = match check_checkpoint(checkpoint) {
                    Err(reason) => Why::Checkpoint(reason),
                    Ok(()) if seq < 1 => Why::Checkpoint("it covers no row".to_string()),
                    Ok(()) => Why::CheckpointBeyondEnd {
                        last_seq: self.next_seq - 1,
                    },
                };
                self.broken = Some(BrokenAt { seq, why });
            }
        }
        VerifyReport {
            rows: self.rows,
            checkpoints: self.count,
            kids: self.kids,
            head: self.head,
            first_broken: self.broken,
        }
    }
}

/// What can be checked of a checkpoint on its own: its key id is its key's thumbprint, its
/// signature verifies with that key (by the project's one strict ES256 verifier,
/// `onshi_core::jose`), and it signs exactly what the row says.
fn check_checkpoint(cp: &Checkpoint) -> Result<(), String> {
    let jwk: Value = serde_json::from_str(&cp.public_jwk)
        .map_err(|_| "its public key is not a JWK (JSON)".to_string())?;
    if keys::thumbprint(&jwk).as_deref() != Some(cp.kid.as_str()) {
        return Err("its kid is not the thumbprint of its public key".to_string());
    }
    // Read as a trusted key set of one: refused unless it is a public P-256 ES256 key
    // under the checkpoint's kid.
    let set = KeySet::from_jwks(json!({ "keys": [jwk] }).to_string().as_bytes())
        .map_err(|err| format!("its public key is refused: {err}"))?;
    if set.get(&cp.kid).is_none() {
        return Err("its public key is filed under another kid".to_string());
    }
    let verified = verify_compact(&cp.jws, &set).map_err(|err| err.to_string())?;
    if verified.typ.as_deref() != Some(CHECKPOINT_TYP) {
        return Err("the signature is not over a checkpoint".to_string());
    }
    let payload: Value = serde_json::from_slice(&verified.payload)
        .map_err(|_| "what is signed is not JSON".to_string())?;
    if payload != checkpoint_payload(cp.seq, &cp.head_hash, cp.count, cp.at_ms) {
        return Err("what is signed differs from what the checkpoint row says".to_string());
    }
    if cp.count != cp.seq {
        return Err(format!(
            "it counts {} rows up to seq {}, which has {}",
            cp.count, cp.seq, cp.seq
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::GatewayKey;
    use crate::store::audit::{link, AuditEntry, OUTCOME_OK};

    fn entry(n: i64) -> AuditEntry {
        AuditEntry {
            at_ms: 1_795_000_000_000 + n,
            sub: format!("clerk-{}", n % 3),
            role: "clerk".into(),
            licence: None,
            facility: Some("1319999999".into()),
            action: "qualification.check".into(),
            patient_ref: Some(format!("{n:032x}")),
            outcome: OUTCOME_OK.into(),
            reason: None,
            request_id: format!("req-{n}"),
            desk: "a1b2c3d4".into(),
        }
    }

    fn chain(n: i64) -> Vec<AuditRecord> {
        let entries: Vec<AuditEntry> = (1..=n).map(entry).collect();
        let hashes = link(GENESIS, 1, &entries);
        entries
            .into_iter()
            .zip(hashes)
            .zip(1..)
            .map(|((entry, hash), seq)| AuditRecord { seq, entry, hash })
            .collect()
    }

    fn checkpoint(key: &GatewayKey, record: &AuditRecord) -> Checkpoint {
        let at_ms = 1_795_000_100_000;
        Checkpoint {
            seq: record.seq,
            head_hash: record.hash.clone(),
            count: record.seq,
            at_ms,
            kid: key.kid().to_string(),
            public_jwk: key.public_jwk().to_string(),
            jws: key.sign_compact(
                CHECKPOINT_TYP,
                &checkpoint_payload(record.seq, &record.hash, record.seq, at_ms),
            ),
        }
    }

    fn run(records: &[AuditRecord], checkpoints: &[Checkpoint]) -> VerifyReport {
        let mut verifier = ChainVerifier::new(checkpoints);
        for record in records {
            if !verifier.feed(record) {
                break;
            }
        }
        verifier.finish()
    }

    #[test]
    fn an_intact_chain_with_checkpoints_of_two_desks_verifies() {
        let records = chain(20);
        let (a, b) = (GatewayKey::ephemeral(), GatewayKey::ephemeral());
        let cps = [checkpoint(&a, &records[9]), checkpoint(&b, &records[19])];
        let report = run(&records, &cps);
        assert_eq!(report.first_broken, None);
        assert_eq!(report.rows, 20);
        assert_eq!(report.checkpoints, 2);
        assert_eq!(report.kids.len(), 2);
        assert_eq!(report.head.as_ref().unwrap().seq, 20);
        assert_eq!(
            report.to_string(),
            "audit chain intact: 20 rows, 2 checkpoints"
        );
        assert!(run(&[], &[]).intact());
    }

    #[test]
    fn each_kind_of_change_is_found_where_it_is() {
        let records = chain(10);
        let broken = |records: &[AuditRecord], cps: &[Checkpoint]| {
            run(records, cps).first_broken.expect("found")
        };

        let mut altered = records.clone();
        altered[4].entry.role = "physician".into();
        assert_eq!(
            broken(&altered, &[]),
            BrokenAt {
                seq: 5,
                why: Why::Hash
            }
        );

        let mut deleted = records.clone();
        deleted.remove(6);
        assert_eq!(
            broken(&deleted, &[]),
            BrokenAt {
                seq: 7,
                why: Why::Missing { next: 8 }
            }
        );

        let mut swapped = records.clone();
        let (first, second) = (swapped[2].clone(), swapped[3].clone());
        swapped[2] = AuditRecord { seq: 3, ..second };
        swapped[3] = AuditRecord { seq: 4, ..first };
        assert_eq!(broken(&swapped, &[]).seq, 3);

        // A forged row with a correctly chained hash, the rest renumbered: the row after
        // it no longer chains.
        let mut inserted = records[..5].to_vec();
        let forged = entry(99);
        let hash = hex(&chain_hash(
            &crate::store::audit::parse_hash(&records[4].hash).unwrap(),
            6,
            &forged,
        ));
        inserted.push(AuditRecord {
            seq: 6,
            entry: forged,
            hash,
        });
        for r in &records[5..] {
            inserted.push(AuditRecord {
                seq: r.seq + 1,
                ..r.clone()
            });
        }
        assert_eq!(
            broken(&inserted, &[]),
            BrokenAt {
                seq: 7,
                why: Why::Hash
            }
        );
    }

    #[test]
    fn resuming_after_a_trusted_head_checks_the_rest_the_same_way() {
        let key = GatewayKey::ephemeral();
        let records = chain(10);
        let cps = [checkpoint(&key, &records[2]), checkpoint(&key, &records[7])];
        let trusted = ChainHead {
            seq: 5,
            hash: records[4].hash.clone(),
        };
        let resume = |records: &[AuditRecord], trusted: &ChainHead| {
            let mut verifier = ChainVerifier::resume(&cps, trusted).unwrap();
            for record in records {
                if !verifier.feed(record) {
                    break;
                }
            }
            verifier.finish()
        };
        let report = resume(&records[5..], &trusted);
        assert_eq!(report.first_broken, None);
        assert_eq!(report.rows, 5);
        let mut altered = records.clone();
        altered[8].entry.sub = "x".into();
        assert_eq!(
            resume(&altered[5..], &trusted).first_broken,
            Some(BrokenAt {
                seq: 9,
                why: Why::Hash
            })
        );
        // A wrong trusted head breaks the first row after it, or the checkpoint on it.
        let wrong = ChainHead {
            seq: 5,
            hash: records[3].hash.clone(),
        };
        assert_eq!(resume(&records[5..], &wrong).first_broken.unwrap().seq, 6);
        let on_checkpoint = ChainHead {
            seq: 3,
            hash: records[3].hash.clone(),
        };
        assert_eq!(
            resume(&records[3..], &on_checkpoint).first_broken,
            Some(BrokenAt {
                seq: 3,
                why: Why::CheckpointHead
            })
        );
    }

    #[test]
    fn a_rewritten_chain_or_a_bad_checkpoint_is_found() {
        let key = GatewayKey::ephemeral();
        let records = chain(10);
        let cp = checkpoint(&key, &records[7]);

        // The whole chain recomputed after a change: only the checkpoint shows it.
        let mut entries: Vec<AuditEntry> = records.iter().map(|r| r.entry.clone()).collect();
        entries[2].outcome = "refused".into();
        let rewritten: Vec<AuditRecord> = entries
            .iter()
            .cloned()
            .zip(link(GENESIS, 1, &entries))
            .zip(1..)
            .map(|((entry, hash), seq)| AuditRecord { seq, entry, hash })
            .collect();
        assert_eq!(
            run(&rewritten, std::slice::from_ref(&cp)).first_broken,
            Some(BrokenAt {
                seq: 8,
                why: Why::CheckpointHead
            })
        );

        // Rows removed from the end, past a checkpoint.
        assert_eq!(
            run(&records[..6], std::slice::from_ref(&cp)).first_broken,
            Some(BrokenAt {
                seq: 8,
                why: Why::CheckpointBeyondEnd { last_seq: 6 }
            })
        );

        let other = GatewayKey::ephemeral();
        let bad = [
            Checkpoint {
                count: 7,
                ..cp.clone()
            },
            Checkpoint {
                at_ms: cp.at_ms + 1,
                ..cp.clone()
            },
            Checkpoint {
                kid: other.kid().to_string(),
                ..cp.clone()
            },
            Checkpoint {
                public_jwk: other.public_jwk().to_string(),
                kid: other.kid().to_string(),
                ..cp.clone()
            },
            Checkpoint {
                jws: cp.jws.replacen('e', "f", 1),
                ..cp.clone()
            },
            Checkpoint {
                public_jwk: "{".into(),
                ..cp.clone()
            },
        ];
        for bad in bad {
            let found = run(&records, std::slice::from_ref(&bad)).first_broken;
            assert!(
                matches!(
                    found,
                    Some(BrokenAt {
                        seq: 8,
                        why: Why::Checkpoint(_)
                    })
                ),
                "{bad:?}: {found:?}"
            );
        }
        // A head changed in the row (payload then differs from the signature).
        let found = run(
            &records,
            &[Checkpoint {
                head_hash: records[6].hash.clone(),
                ..cp.clone()
            }],
        )
        .first_broken;
        assert!(matches!(found, Some(BrokenAt { seq: 8, .. })), "{found:?}");
    }
}
