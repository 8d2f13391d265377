//! The access log (security.md §1, シス 17) as both backends see it: who did what to which
//! patient's data, when, at which desk, and with what outcome; append-only and
//! tamper-evident (§4). The SQL lives with each backend; checking the chain lives in
//! [`crate::audit::verify`].
//!
//! # The chain
//!
//! Rows are numbered `seq` = 1, 2, 3, … without gaps, clinic-wide (with PostgreSQL every
//! desk appends to one chain: appends are serialised by a lock, so it never forks). Each
//! row stores
//!
//! ```text
//! hash(seq) = SHA-256( hash(seq - 1) ‖ canonical(seq, row) )      hash(0) = 32 zero bytes
//! ```
//!
//! (raw 32-byte hashes inside, lower-case hex in the table). The row is read and the
//! previous hash taken in the same transaction that inserts it. Changing, removing,
//! inserting or reordering rows breaks the chain at that row; a rewrite of the whole chain
//! from some row on is caught by the signed checkpoints ([`Checkpoint`]) taken every 1,000
//! rows or 15 minutes, which are meant to be exported off the PC.
//!
//! # Canonical bytes
//!
//! [`canonical_bytes`] is a length-prefixed encoding, chosen over canonical JSON because it
//! leaves nothing to a serialiser's choices (escaping, number formatting, key order): the
//! ASCII tag `onshi-audit-v1`, then every field in a fixed order (`seq`, `at_ms`, `sub`,
//! `role`, `licence`, `facility`, `action`, `patient_ref`, `outcome`, `reason`,
//! `request_id`, `desk`), each as
//!
//! - an integer: `I` and 8 bytes big-endian two's complement;
//! - a present string: `S`, its UTF-8 length as 4 bytes big-endian, and its UTF-8 bytes;
//! - an absent optional string: `N` (so `None` and `Some("")` differ).
//!
//! Every field states its own length, so no content can move a field boundary ("ab" + "c"
//! and "a" + "bc" encode differently), and the number of fields is fixed by the version
//! tag. A future row layout gets a new tag.
//!
//! # Patient references
//!
//! The log never holds card numbers or names: a patient is an opaque reference,
//! [`AuditSecret::patient_ref`], the first 16 bytes of HMAC-SHA256 keyed by a random
//! secret the store makes when it is set up and keeps (so every desk sharing a PostgreSQL
//! store computes the same reference for the same card, and nobody without the store can
//! find a reference by trying card numbers).

use async_trait::async_trait;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};
use zeroize::Zeroizing;

use super::StoreError;

/// `outcome` of an entry: the action went through.
pub const OUTCOME_OK: &str = "ok";
/// `outcome`: the gateway refused it (bad credential, no right, invalid input).
pub const OUTCOME_REFUSED: &str = "refused";
/// `outcome`: it was allowed but did not succeed (terminal down, store error).
pub const OUTCOME_FAILED: &str = "failed";

/// What the chain starts from: `hash(0)`.
pub const GENESIS: [u8; 32] = [0; 32];

/// Version tag at the start of [`canonical_bytes`].
pub const CANONICAL_TAG: &[u8] = b"onshi-audit-v1";

/// Longest `action` (a short snake_case name such as `qualification.check`).
const ACTION_MAX: usize = 64;
/// Longest value of any other text field: the log holds references and codes, not
/// documents.
const FIELD_MAX: usize = 256;

/// One access, as the caller records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When, in milliseconds since the Unix epoch (the gateway's clock; shown in JST).
    pub at_ms: i64,
    /// Who: the user's id as the EMR authenticated them.
    pub sub: String,
    /// Their role (職種), e.g. `clerk`, `physician`.
    pub role: String,
    /// Their licence number, when the role has one.
    pub licence: Option<String>,
    /// 医療機関コード of the facility.
    pub facility: Option<String>,
    /// What: `qualification.check`, `reception_queue.read`, `events.subscribe`,
    /// `card_session.start`, `credential.refused`, …
    pub action: String,
    /// Whose data: an opaque reference ([`AuditSecret::patient_ref`]), never a card
    /// number or a name.
    pub patient_ref: Option<String>,
    /// [`OUTCOME_OK`], [`OUTCOME_REFUSED`] or [`OUTCOME_FAILED`].
    pub outcome: String,
    /// A reason code for a refusal or failure (an API error code).
    pub reason: Option<String>,
    /// The gateway's request id, which its other logs carry too.
    pub request_id: String,
    /// The desk id of the gateway that served it.
    pub desk: String,
}

impl AuditEntry {
    /// Checks what the store will hold: known outcome, a snake_case action, no control
    /// characters, bounded lengths. A refused entry is never appended.
    pub fn validate(&self) -> Result<(), String> {
        if ![OUTCOME_OK, OUTCOME_REFUSED, OUTCOME_FAILED].contains(&self.outcome.as_str()) {
            return Err(format!(
                "outcome must be ok, refused or failed, not {:?}",
                self.outcome
            ));
        }
        let action_ok = !self.action.is_empty()
            && self.action.len() <= ACTION_MAX
            && self
                .action
                .bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.'));
        if !action_ok {
            return Err(format!(
                "action must be 1 to {ACTION_MAX} characters of a-z, 0-9, _ and ., not {:?}",
                self.action
            ));
        }
        for (name, value) in self.text_fields() {
            let Some(value) = value else { continue };
            if value.len() > FIELD_MAX {
                return Err(format!("{name} is longer than {FIELD_MAX} bytes"));
            }
            if value.chars().any(char::is_control) {
                return Err(format!("{name} holds a control character"));
            }
        }
        for (name, value) in [
            ("sub", &self.sub),
            ("role", &self.role),
            ("request_id", &self.request_id),
            ("desk", &self.desk),
        ] {
            if value.is_empty() {
                return Err(format!("{name} is empty"));
            }
        }
        Ok(())
    }

    fn text_fields(&self) -> [(&'static str, Option<&str>); 10] {
        [
            ("sub", Some(&self.sub)),
            ("role", Some(&self.role)),
            ("licence", self.licence.as_deref()),
            ("facility", self.facility.as_deref()),
            ("action", Some(&self.action)),
            ("patient_ref", self.patient_ref.as_deref()),
            ("outcome", Some(&self.outcome)),
            ("reason", self.reason.as_deref()),
            ("request_id", Some(&self.request_id)),
            ("desk", Some(&self.desk)),
        ]
    }
}

/// A stored row: its number, what was recorded, and the chain hash (lower-case hex) as
/// stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub entry: AuditEntry,
    pub hash: String,
}

impl AuditRecord {
    /// The row as the API shows it: the time as JST ISO-8601 (`+09:00`).
    pub fn view(&self) -> AuditView {
        let e = &self.entry;
        AuditView {
            seq: self.seq,
            at: jst(e.at_ms),
            sub: e.sub.clone(),
            role: e.role.clone(),
            licence: e.licence.clone(),
            facility: e.facility.clone(),
            action: e.action.clone(),
            patient_ref: e.patient_ref.clone(),
            outcome: e.outcome.clone(),
            reason: e.reason.clone(),
            request_id: e.request_id.clone(),
            desk: e.desk.clone(),
        }
    }
}

/// A row for the API (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditView {
    pub seq: i64,
    /// `2026-11-25T08:30:11.123+09:00`.
    pub at: String,
    pub sub: String,
    pub role: String,
    pub licence: Option<String>,
    pub facility: Option<String>,
    pub action: String,
    pub patient_ref: Option<String>,
    pub outcome: String,
    pub reason: Option<String>,
    pub request_id: String,
    pub desk: String,
}

/// `at_ms` as JST RFC 3339 with milliseconds (the format of [`crate::clock::rfc3339`]).
pub fn jst(at_ms: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    crate::clock::rfc3339(at)
}

/// Milliseconds since the Unix epoch at the start (00:00 JST) of `date`.
pub fn jst_midnight_ms(date: Date) -> i64 {
    let at = date
        .with_time(time::Time::MIDNIGHT)
        .assume_offset(time::macros::offset!(+9));
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Which rows a page shows. Every given condition must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// From this JST date on (inclusive).
    pub from: Option<Date>,
    /// Up to this JST date (inclusive).
    pub to: Option<Date>,
    pub sub: Option<String>,
    pub patient_ref: Option<String>,
}

impl AuditFilter {
    /// The `at_ms` range `[start, end)` the dates select.
    pub fn ms_range(&self) -> (i64, i64) {
        let start = self.from.map_or(i64::MIN, jst_midnight_ms);
        let end = self.to.map_or(i64::MAX, |to| {
            to.next_day().map_or(i64::MAX, jst_midnight_ms)
        });
        (start, end)
    }
}

/// Rows in `seq` order, and whether more follow the last one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditPage {
    pub records: Vec<AuditRecord>,
    pub more: bool,
}

/// The end of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: i64,
    /// Lower-case hex.
    pub hash: String,
}

/// Where the last checkpoint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointMark {
    pub seq: i64,
    pub at_ms: i64,
}

/// What one append did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// `seq` of the first and last row appended (inclusive).
    pub first_seq: i64,
    pub last_seq: i64,
    /// The chain hash of `last_seq` (lower-case hex): the new head.
    pub head_hash: String,
    /// The newest checkpoint when the append committed, to decide whether one is due.
    pub last_checkpoint: Option<CheckpointMark>,
}

/// The chain's end and its newest checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChainState {
    pub head: Option<ChainHead>,
    pub last_checkpoint: Option<CheckpointMark>,
}

/// A signed statement "the chain's row `seq` has hash `head_hash`, and the log then held
/// `count` rows", made by a desk's gateway key ([`crate::keys::GatewayKey`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    /// Lower-case hex.
    pub head_hash: String,
    pub count: i64,
    pub at_ms: i64,
    /// The signing key's RFC 7638 thumbprint.
    pub kid: String,
    /// The signing key's public JWK, as JSON text (the key of whichever desk signed).
    pub public_jwk: String,
    /// ES256 compact JWS over `{"seq","head","count","at"}` ([`checkpoint_payload`]).
    pub jws: String,
}

/// The JWS `typ` of a checkpoint.
pub const CHECKPOINT_TYP: &str = "onshi-audit-checkpoint";

/// What a checkpoint's JWS signs: `{"seq", "head", "count", "at"}` (`at` in JST RFC 3339).
pub fn checkpoint_payload(seq: i64, head_hash: &str, count: i64, at_ms: i64) -> serde_json::Value {
    serde_json::json!({
        "seq": seq,
        "head": head_hash,
        "count": count,
        "at": jst(at_ms),
    })
}

/// The unambiguous bytes of row `seq` that the chain hashes (see the module docs).
pub fn canonical_bytes(seq: i64, entry: &AuditEntry) -> Vec<u8> {
    fn int(out: &mut Vec<u8>, value: i64) {
        out.push(b'I');
        out.extend_from_slice(&value.to_be_bytes());
    }
    fn text(out: &mut Vec<u8>, value: Option<&str>) {
        match value {
            None => out.push(b'N'),
            Some(value) => {
                out.push(b'S');
                // Fields are bounded far below 4 GiB (validate); a longer one would still
                // be unambiguous only up to u32, so saturate rather than wrap.
                let len = u32::try_from(value.len()).unwrap_or(u32::MAX);
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(value.as_bytes());
            }
        }
    }
    let mut out = Vec::with_capacity(160);
    out.extend_from_slice(CANONICAL_TAG);
    int(&mut out, seq);
    int(&mut out, entry.at_ms);
    text(&mut out, Some(&entry.sub));
    text(&mut out, Some(&entry.role));
    text(&mut out, entry.licence.as_deref());
    text(&mut out, entry.facility.as_deref());
    text(&mut out, Some(&entry.action));
    text(&mut out, entry.patient_ref.as_deref());
    text(&mut out, Some(&entry.outcome));
    text(&mut out, entry.reason.as_deref());
    text(&mut out, Some(&entry.request_id));
    text(&mut out, Some(&entry.desk));
    out
}

/// `hash(seq) = SHA-256(prev ‖ canonical_bytes(seq, entry))`.
pub fn chain_hash(prev: &[u8; 32], seq: i64, entry: &AuditEntry) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(canonical_bytes(seq, entry));
    hasher.finalize().into()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// A stored hex hash back to bytes; `None` unless exactly 64 lower-case hex digits.
pub fn parse_hash(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// Hashes `entries` onto the chain after `prev` (the hash of row `first_seq - 1`): the
/// hex hash of each, in order. Both backends append through this.
pub fn link(prev: [u8; 32], first_seq: i64, entries: &[AuditEntry]) -> Vec<String> {
    let mut prev = prev;
    entries
        .iter()
        .zip(first_seq..)
        .map(|(entry, seq)| {
            prev = chain_hash(&prev, seq, entry);
            hex(&prev)
        })
        .collect()
}

/// Checks a batch before it is appended.
pub(crate) fn validate_all(entries: &[AuditEntry]) -> Result<(), StoreError> {
    for entry in entries {
        entry.validate().map_err(StoreError::AuditEntry)?;
    }
    Ok(())
}

/// The store's own random key for patient references; made once when the store is set up,
/// kept in the store, loaded when it is opened. Never shown (`Debug` says nothing of it).
#[derive(Clone)]
pub struct AuditSecret(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for AuditSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditSecret(..)")
    }
}

impl AuditSecret {
    /// 32 bytes from the operating system's randomness.
    pub fn generate() -> Result<Self, StoreError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(bytes.as_mut())
            .map_err(|err| StoreError::Worker(format!("no randomness for the audit key: {err}")))?;
        Ok(Self(bytes))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, StoreError> {
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| StoreError::Worker("the store's audit key is not 32 bytes".to_string()))?;
        Ok(Self(Zeroizing::new(bytes)))
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_ref()
    }

    /// Hex of the first 16 bytes of HMAC-SHA256(secret, `key_material`).
    pub fn patient_ref(&self, key_material: &str) -> String {
        let mut mac = hmac::Hmac::<sha2_11::Sha256>::new_from_slice(self.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(key_material.as_bytes());
        let tag = mac.finalize().into_bytes();
        hex(&tag[..16])
    }
}

/// The access log: append-only, hash-chained, with signed checkpoints.
#[async_trait]
pub trait AuditLog {
    /// The opaque reference for a patient identified by `key_material` (e.g. the card's
    /// insurer number, symbol, number and branch joined unambiguously): the same at every
    /// desk sharing this store.
    fn patient_ref(&self, key_material: &str) -> String;

    /// Appends `entries` (in order) to the chain in one transaction, durably: when this
    /// answers `Ok`, the rows survive a power cut. Fails without appending anything if an
    /// entry does not [`AuditEntry::validate`] or `entries` is empty.
    async fn append(&self, entries: Vec<AuditEntry>) -> Result<Appended, StoreError>;

    /// Up to `limit` rows with `seq` above `after_seq` that match `filter`, in `seq` order.
    async fn page(
        &self,
        filter: AuditFilter,
        after_seq: i64,
        limit: usize,
    ) -> Result<AuditPage, StoreError>;

    /// Up to `limit` rows with `seq` above `after_seq`, in `seq` order, exactly as stored:
    /// for verification, which reads the whole chain in such batches.
    async fn records_after(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, StoreError>;

    /// The chain's end and the newest checkpoint.
    async fn chain_state(&self) -> Result<ChainState, StoreError>;

    /// Stores a checkpoint; `false` if one for the same `seq` is already stored (another
    /// desk's, made at the same moment).
    async fn add_checkpoint(&self, checkpoint: Checkpoint) -> Result<bool, StoreError>;

    /// Every checkpoint, in `seq` order.
    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn entry() -> AuditEntry {
        AuditEntry {
            at_ms: 1_795_000_000_000,
            sub: "clerk-01".into(),
            role: "clerk".into(),
            licence: None,
            facility: Some("1319999999".into()),
            action: "qualification.check".into(),
            patient_ref: Some("0123456789abcdef0123456789abcdef".into()),
            outcome: OUTCOME_OK.into(),
            reason: None,
            request_id: "req-1".into(),
            desk: "a1b2c3d4".into(),
        }
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        let ab_c = AuditEntry {
            sub: "ab".into(),
            role: "c".into(),
            ..entry()
        };
        let a_bc = AuditEntry {
            sub: "a".into(),
            role: "bc".into(),
            ..entry()
        };
        assert_ne!(canonical_bytes(1, &ab_c), canonical_bytes(1, &a_bc));
        assert_ne!(
            chain_hash(&GENESIS, 1, &ab_c),
            chain_hash(&GENESIS, 1, &a_bc)
        );
        // Across an optional field too, and None is not the empty string.
        let moved = AuditEntry {
            licence: Some("x".into()),
            facility: None,
            ..entry()
        };
        let back = AuditEntry {
            licence: None,
            facility: Some("x".into()),
            ..entry()
        };
        assert_ne!(canonical_bytes(1, &moved), canonical_bytes(1, &back));
        let none = AuditEntry {
            reason: None,
            ..entry()
        };
        let empty = AuditEntry {
            reason: Some(String::new()),
            ..entry()
        };
        assert_ne!(canonical_bytes(1, &none), canonical_bytes(1, &empty));
        // A field cannot swallow its neighbour's encoding either: a value holding what
        // looks like the next field's bytes still has its own length.
        let smuggled = AuditEntry {
            sub: "ab\u{0}".into(),
            ..entry()
        };
        assert_ne!(canonical_bytes(1, &smuggled), canonical_bytes(1, &entry()));
    }

    #[test]
    fn the_layout_is_fixed() {
        let e = AuditEntry {
            at_ms: 258,
            sub: "u".into(),
            role: "r".into(),
            licence: None,
            facility: None,
            action: "a".into(),
            patient_ref: None,
            outcome: "ok".into(),
            reason: None,
            request_id: "q".into(),
            desk: "d".into(),
        };
        let mut expected = b"onshi-audit-v1".to_vec();
        expected.extend_from_slice(b"I\0\0\0\0\0\0\0\x07");
        expected.extend_from_slice(b"I\0\0\0\0\0\0\x01\x02");
        expected.extend_from_slice(b"S\0\0\0\x01u");
        expected.extend_from_slice(b"S\0\0\0\x01r");
        expected.extend_from_slice(b"NN");
        expected.extend_from_slice(b"S\0\0\0\x01a");
        expected.extend_from_slice(b"N");
        expected.extend_from_slice(b"S\0\0\0\x02ok");
        expected.extend_from_slice(b"N");
        expected.extend_from_slice(b"S\0\0\0\x01q");
        expected.extend_from_slice(b"S\0\0\0\x01d");
        assert_eq!(canonical_bytes(7, &e), expected);
        // The seq is part of the row: the same content elsewhere in the chain differs.
        assert_ne!(chain_hash(&GENESIS, 7, &e), chain_hash(&GENESIS, 8, &e));
    }

    #[test]
    fn the_chain_links_each_row_to_the_one_before() {
        let rows = [entry(), entry(), entry()];
        let hashes = link(GENESIS, 1, &rows);
        let first = chain_hash(&GENESIS, 1, &rows[0]);
        assert_eq!(hashes[0], hex(&first));
        let second = chain_hash(&first, 2, &rows[1]);
        assert_eq!(hashes[1], hex(&second));
        assert_eq!(parse_hash(&hashes[1]), Some(second));
        assert_eq!(hashes[2], hex(&chain_hash(&second, 3, &rows[2])));
        // Continuing a chain in a second batch gives the same hashes.
        assert_eq!(link(first, 2, &rows[1..]), hashes[1..]);
        assert_eq!(parse_hash("AB"), None);
        assert_eq!(parse_hash(&hashes[0].to_uppercase()), None);
    }

    #[test]
    fn entries_are_validated() {
        assert_eq!(entry().validate(), Ok(()));
        let bad = [
            AuditEntry {
                outcome: "okay".into(),
                ..entry()
            },
            AuditEntry {
                action: "Qualification Check".into(),
                ..entry()
            },
            AuditEntry {
                sub: String::new(),
                ..entry()
            },
            AuditEntry {
                reason: Some("line\nbreak".into()),
                ..entry()
            },
            AuditEntry {
                licence: Some("x".repeat(FIELD_MAX + 1)),
                ..entry()
            },
        ];
        for e in bad {
            assert!(e.validate().is_err(), "{e:?}");
        }
    }

    #[test]
    fn patient_references_are_keyed_and_short() {
        let a = AuditSecret::generate().unwrap();
        let b = AuditSecret::generate().unwrap();
        let card = "06139999|1234|5678|01";
        let r = a.patient_ref(card);
        assert_eq!(r.len(), 32);
        assert_eq!(r, a.patient_ref(card), "stable");
        assert_ne!(r, b.patient_ref(card), "keyed by the store's secret");
        assert_ne!(r, a.patient_ref("06139999|1234|5678|02"));
        assert_eq!(
            AuditSecret::from_bytes(a.as_bytes())
                .unwrap()
                .patient_ref(card),
            r
        );
        assert!(!format!("{a:?}").contains(&hex(a.as_bytes())[..8]));
        // RFC 4231 test case 2, truncated to 16 bytes, through the same code path.
        let key = b"Jefe";
        let mut mac = hmac::Hmac::<sha2_11::Sha256>::new_from_slice(key).unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()[..16]),
            "5bdcc146bf60754e6a042426089575c7"
        );
    }

    #[test]
    fn dates_select_whole_jst_days() {
        let day = time::macros::date!(2026 - 11 - 25);
        let filter = AuditFilter {
            from: Some(day),
            to: Some(day),
            ..AuditFilter::default()
        };
        let (start, end) = filter.ms_range();
        assert_eq!(jst(start), "2026-11-25T00:00:00.000+09:00");
        assert_eq!(jst(end), "2026-11-26T00:00:00.000+09:00");
        assert_eq!(jst(end - 1), "2026-11-25T23:59:59.999+09:00");
        assert_eq!(AuditFilter::default().ms_range(), (i64::MIN, i64::MAX));
    }
}
