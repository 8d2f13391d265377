//! The gateway's public keys (`GET /v1/keys`), fetched once per mount and kept in
//! memory, to verify the gateway's signature over each answer
//! ([`onshi_core::answer_token`]) before the desk sees it.

use std::cell::RefCell;
use std::rc::Rc;

use onshi_core::answer_token::{verify_answer, AnswerTokenError};
use onshi_core::api::QualificationAnswer;
use onshi_core::consent::{verify_receipt, ReceiptClaims, ReceiptError};
use onshi_core::jose::{JwsError, KeySet};

use super::{Call, ClientError};

/// The cache of the gateway's keys; clones share it.
#[derive(Clone, Default)]
pub struct AnswerKeys {
    cached: Rc<RefCell<Option<Rc<KeySet>>>>,
}

impl AnswerKeys {
    /// Checks `answer`'s token. The keys come from the cache, fetched with `fetch` the
    /// first time; a token naming a key the cache lacks (the gateway's key was replaced
    /// since) fetches them once more. A failed check is [`ClientError::AnswerSignature`];
    /// a failed fetch is that fetch's error.
    pub async fn verify(
        &self,
        answer: &QualificationAnswer,
        fetch: impl Fn() -> Call<KeySet>,
    ) -> Result<(), ClientError> {
        let checked = self
            .check(
                fetch,
                |keys| verify_answer(answer, keys),
                |error| matches!(error, AnswerTokenError::Signature(JwsError::UnknownKid)),
            )
            .await?;
        checked.map(drop).map_err(refusal)
    }

    /// Checks a consent receipt of consent `id` at `now` (Unix seconds) with the same
    /// keys and refetch rule; a refusal is [`ClientError::Receipt`].
    pub async fn verify_receipt(
        &self,
        token: &str,
        id: &str,
        now: i64,
        fetch: impl Fn() -> Call<KeySet>,
    ) -> Result<ReceiptClaims, ClientError> {
        let checked = self
            .check(
                fetch,
                |keys| verify_receipt(token, keys, id, now),
                |error| matches!(error, ReceiptError::Signature(JwsError::UnknownKid)),
            )
            .await?;
        checked.map_err(ClientError::Receipt)
    }

    /// Runs `check` with the cached keys (fetched the first time), and once more with
    /// freshly fetched ones when it failed for a key id the cache lacks.
    async fn check<T, E>(
        &self,
        fetch: impl Fn() -> Call<KeySet>,
        check: impl Fn(&KeySet) -> Result<T, E>,
        unknown_kid: impl Fn(&E) -> bool,
    ) -> Result<Result<T, E>, ClientError> {
        let cached = self.cached.borrow().clone();
        let (keys, fresh) = match cached {
            Some(keys) => (keys, false),
            None => (self.fetch(&fetch).await?, true),
        };
        match check(&keys) {
            Err(error) if !fresh && unknown_kid(&error) => {
                let keys = self.fetch(&fetch).await?;
                Ok(check(&keys))
            }
            result => Ok(result),
        }
    }

    async fn fetch(&self, fetch: &impl Fn() -> Call<KeySet>) -> Result<Rc<KeySet>, ClientError> {
        let keys = Rc::new(fetch().await.map_err(unverifiable)?);
        *self.cached.borrow_mut() = Some(keys.clone());
        Ok(keys)
    }
}

/// A gateway that answers `GET /v1/keys` with an error or with something that is not a
/// key set cannot have its answers verified: that is said as such (the answer is not
/// shown). No answer at all (unreachable, too late) and a refused credential stay what
/// they are, since they pass or are cured by signing in.
fn unverifiable(error: ClientError) -> ClientError {
    match &error {
        ClientError::Api { .. } if !error.is_credential_refusal() => {
            ClientError::AnswerSignature(format!("the gateway's keys could not be read: {error}"))
        }
        ClientError::Decode(reason) => {
            ClientError::AnswerSignature(format!("the gateway's keys could not be read: {reason}"))
        }
        _ => error,
    }
}

fn refusal(error: AnswerTokenError) -> ClientError {
    ClientError::AnswerSignature(error.to_string())
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use futures::FutureExt;
    use onshi_core::answer_token::{claims_for, TYP};
    use onshi_core::api::QualificationStatus;
    use onshi_core::jose::encode;
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::{Signature, SigningKey};

    use super::*;

    fn key(seed: u8) -> SigningKey {
        let mut bytes = [0x22u8; 32];
        bytes[31] = seed;
        SigningKey::from_slice(&bytes).unwrap()
    }

    fn answer() -> QualificationAnswer {
        QualificationAnswer {
            status: QualificationStatus::Valid,
            validity_code: Some("1".into()),
            reference_classification: None,
            checked_at: Some("20261202093000".into()),
            advisory: None,
            results: Vec::new(),
            token: None,
        }
    }

    /// `answer` with the gateway's token made by `key` under `kid`.
    fn signed(answer: &QualificationAnswer, kid: &str, key: &SigningKey) -> QualificationAnswer {
        let header = serde_json::json!({"alg": "ES256", "kid": kid, "typ": TYP});
        let claims = serde_json::to_value(claims_for(answer, "req-1", 1_800_000_000)).unwrap();
        let input = format!(
            "{}.{}",
            encode(header.to_string().as_bytes()),
            encode(claims.to_string().as_bytes())
        );
        let signature: Signature = key.sign(input.as_bytes());
        QualificationAnswer {
            token: Some(format!("{input}.{}", encode(&signature.to_bytes()))),
            ..answer.clone()
        }
    }

    /// A fetch that answers the key of `seeds[n]` (kid `gw-<seed>`) at its n-th call.
    fn fetcher(seeds: Vec<u8>, calls: Rc<Cell<usize>>) -> impl Fn() -> Call<KeySet> {
        move || {
            let n = calls.get();
            calls.set(n + 1);
            let seed = seeds[n.min(seeds.len() - 1)];
            let keys = KeySet::single(format!("gw-{seed}"), *key(seed).verifying_key());
            Box::pin(async move { Ok(keys) })
        }
    }

    fn run<T>(future: impl std::future::Future<Output = T>) -> T {
        future.now_or_never().expect("ready")
    }

    #[test]
    fn keys_are_fetched_once_and_kept() {
        let calls = Rc::new(Cell::new(0));
        let keys = AnswerKeys::default();
        let fetch = fetcher(vec![1], calls.clone());
        let good = signed(&answer(), "gw-1", &key(1));
        assert_eq!(run(keys.verify(&good, &fetch)), Ok(()));
        assert_eq!(run(keys.verify(&good, &fetch)), Ok(()));
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn an_unknown_kid_fetches_the_keys_again_once() {
        let calls = Rc::new(Cell::new(0));
        let keys = AnswerKeys::default();
        let fetch = fetcher(vec![1, 2], calls.clone());
        run(keys.verify(&signed(&answer(), "gw-1", &key(1)), &fetch)).unwrap();
        // The gateway's key was replaced: one more fetch finds it.
        let rotated = signed(&answer(), "gw-2", &key(2));
        assert_eq!(run(keys.verify(&rotated, &fetch)), Ok(()));
        assert_eq!(calls.get(), 2);
        // A kid nobody publishes: one refetch, then refused (no loop).
        let unknown = signed(&answer(), "gw-9", &key(9));
        assert!(matches!(
            run(keys.verify(&unknown, &fetch)),
            Err(ClientError::AnswerSignature(_))
        ));
        assert_eq!(calls.get(), 3);
    }

    #[test]
    fn an_altered_unsigned_or_forged_answer_is_refused() {
        let calls = Rc::new(Cell::new(0));
        let keys = AnswerKeys::default();
        let fetch = fetcher(vec![1], calls.clone());
        let mut altered = signed(&answer(), "gw-1", &key(1));
        altered.status = QualificationStatus::Invalid;
        let refused = run(keys.verify(&altered, &fetch)).unwrap_err();
        assert_eq!(
            refused,
            ClientError::AnswerSignature("the answer differs from what the gateway signed".into())
        );
        assert!(matches!(
            run(keys.verify(&answer(), &fetch)),
            Err(ClientError::AnswerSignature(m)) if m.contains("no token")
        ));
        let forged = signed(&answer(), "gw-1", &key(7));
        assert!(matches!(
            run(keys.verify(&forged, &fetch)),
            Err(ClientError::AnswerSignature(m)) if m.contains("does not verify")
        ));
        assert_eq!(calls.get(), 1, "a known kid never refetches");
    }

    #[test]
    fn a_failed_fetch_is_that_error_and_is_not_cached() {
        let keys = AnswerKeys::default();
        let good = signed(&answer(), "gw-1", &key(1));
        let unreachable = || -> Call<KeySet> { Box::pin(async { Err(ClientError::Unreachable) }) };
        assert_eq!(
            run(keys.verify(&good, unreachable)),
            Err(ClientError::Unreachable)
        );
        let calls = Rc::new(Cell::new(0));
        assert_eq!(
            run(keys.verify(&good, fetcher(vec![1], calls.clone()))),
            Ok(())
        );
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn a_gateway_without_keys_has_its_answers_refused_as_unverifiable() {
        let keys = AnswerKeys::default();
        let good = signed(&answer(), "gw-1", &key(1));
        let api = |status, code| ClientError::Api {
            status,
            error: onshi_core::api::ApiError {
                code,
                message: "no such endpoint".into(),
                fields: Default::default(),
            },
        };
        let not_found = move || -> Call<KeySet> {
            Box::pin(async move { Err(api(404, onshi_core::api::ErrorCode::NotFound)) })
        };
        assert!(matches!(
            run(keys.verify(&good, not_found)),
            Err(ClientError::AnswerSignature(m)) if m.contains("keys could not be read") && m.contains("no such endpoint")
        ));
        // Signing in again cures a refused credential: that stays a credential refusal.
        let refused = move || -> Call<KeySet> {
            Box::pin(async move { Err(api(401, onshi_core::api::ErrorCode::CredentialInvalid)) })
        };
        assert!(run(keys.verify(&good, refused))
            .unwrap_err()
            .is_credential_refusal());
    }
}
