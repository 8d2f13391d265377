//! [`Gateway`]: what the component calls. It sends every call with the EMR's credential
//! (once more with a fresh one after `credential_expired`), keeps card-session secrets in
//! memory, verifies the gateway's signature over each answer before it is shown, and
//! opens the event stream with a one-time ticket.

use std::any::Any;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use futures::future::LocalBoxFuture;
use onshi_core::api::{ErrorCode, Health, QualificationAnswer, QualificationQuery, QueuePlace};
use onshi_core::card_session::{CardSessionView, PinEntry, StartCardSession};
use onshi_core::consent::{
    ConsentDecisions, ConsentOverview, ConsentRecord, GiveConsent, ReceiptClaims, ReceiptError,
};

use super::{
    AnswerKeys, Call, ClientError, EventFeed, FeedSignal, GatewayClient, Json, Subscription,
};
use crate::credential::CredentialSource;

/// Runs `send` with the current credential. When the gateway answers
/// `credential_expired`, asks for a fresh credential and runs `send` once more with it
/// (only if it is another credential: sending the same one again cannot help). A 401 that
/// this does not cure is reported to `credential` ([`CredentialSource::refused`]), so the
/// page can say "sign in again".
pub async fn authorized<T: 'static>(
    credential: &dyn CredentialSource,
    send: impl Fn(&str) -> Call<T>,
) -> Result<T, ClientError> {
    // The credential dance is the same for every answer type: it runs once, on a boxed
    // answer, instead of being compiled into the bundle once per type.
    let erased = |bearer: &str| -> Call<Box<dyn Any>> {
        let call = send(bearer);
        Box::pin(async move { call.await.map(|value| Box::new(value) as Box<dyn Any>) })
    };
    let value = authorized_any(credential, &erased).await?;
    Ok(*value
        .downcast::<T>()
        .expect("authorized_any returns what send made"))
}

async fn authorized_any(
    credential: &dyn CredentialSource,
    send: &dyn Fn(&str) -> Call<Box<dyn Any>>,
) -> Result<Box<dyn Any>, ClientError> {
    let token = credential
        .current()
        .await
        .map_err(|_| ClientError::NotSignedIn)?;
    let error = match send(&token).await {
        Err(error) if error.is_credential_refusal() => error,
        result => return result,
    };
    if error.api_code() != Some(ErrorCode::CredentialExpired) {
        credential.refused(&token);
        return Err(error);
    }
    let fresh = credential
        .renew(&token)
        .await
        .map_err(|_| ClientError::NotSignedIn)?;
    if fresh == token {
        credential.refused(&token);
        return Err(error);
    }
    let result = send(&fresh).await;
    if matches!(&result, Err(error) if error.is_credential_refusal()) {
        credential.refused(&fresh);
    }
    result
}

/// A consent the gateway recorded, with what its verified receipt says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub record: ConsentRecord,
    /// The receipt's claims, checked against the gateway's keys: what is shown as agreed.
    pub claims: ReceiptClaims,
}

/// How many card sessions' secrets are kept: a desk drives one session at a time, and a
/// few more cover the ones it still has to cancel.
pub const MAX_SECRETS: usize = 8;

/// The secrets of the card sessions this desk started, in memory only (never in browser
/// storage), newest last. Clones share them.
#[derive(Clone, Default)]
pub struct SessionSecrets {
    entries: Rc<RefCell<VecDeque<(String, String)>>>,
}

impl SessionSecrets {
    pub fn keep(&self, id: &str, secret: String) {
        let mut entries = self.entries.borrow_mut();
        entries.retain(|(known, _)| known != id);
        if entries.len() == MAX_SECRETS {
            entries.pop_front();
        }
        entries.push_back((id.to_string(), secret));
    }

    pub fn get(&self, id: &str) -> Option<String> {
        self.entries
            .borrow()
            .iter()
            .find(|(known, _)| known == id)
            .map(|(_, secret)| secret.clone())
    }

    pub fn forget(&self, id: &str) {
        self.entries.borrow_mut().retain(|(known, _)| known != id);
    }
}

/// The gateway as the component uses it; cheap to clone (everything is shared).
#[derive(Clone)]
pub struct Gateway {
    client: Rc<dyn GatewayClient>,
    credential: Rc<dyn CredentialSource>,
    secrets: SessionSecrets,
    keys: AnswerKeys,
}

impl Gateway {
    pub fn new(client: Rc<dyn GatewayClient>, credential: Rc<dyn CredentialSource>) -> Self {
        Self {
            client,
            credential,
            secrets: SessionSecrets::default(),
            keys: AnswerKeys::default(),
        }
    }

    /// `send` with the credential (see [`authorized`]), as a call of its own.
    fn call<T: 'static>(
        &self,
        send: impl Fn(&dyn GatewayClient, &str) -> Call<T> + 'static,
    ) -> Call<T> {
        let client = self.client.clone();
        let credential = self.credential.clone();
        Box::pin(async move { authorized(&*credential, |bearer| send(&*client, bearer)).await })
    }

    /// `POST /v1/qualifications`; the answer is returned only once the gateway's
    /// signature over it verified (an answer without one is refused too).
    pub fn qualify(
        &self,
        query: QualificationQuery,
        request_ref: &str,
    ) -> Call<QualificationAnswer> {
        let request_ref = request_ref.to_string();
        let ask =
            self.call(move |client, bearer| client.qualify(bearer, query.clone(), &request_ref));
        let this = self.clone();
        Box::pin(async move {
            let answer = ask.await?;
            this.keys
                .verify(&answer, || this.call(|client, bearer| client.keys(bearer)))
                .await?;
            Ok(answer)
        })
    }

    pub fn queue_place(&self, request_ref: &str) -> Call<QueuePlace> {
        let request_ref = request_ref.to_string();
        self.call(move |client, bearer| client.queue_place(bearer, &request_ref))
    }

    /// `POST /v1/card-sessions`; the session's secret is kept here and taken out of the
    /// view, so it never reaches the component's state.
    pub fn start_card_session(&self, start: StartCardSession) -> Call<CardSessionView> {
        let started =
            self.call(move |client, bearer| client.start_card_session(bearer, start.clone()));
        let secrets = self.secrets.clone();
        Box::pin(async move {
            let mut view = started.await?;
            if let Some(secret) = view.secret.take() {
                secrets.keep(&view.id, secret);
            }
            Ok(view)
        })
    }

    pub fn card_session(&self, id: &str) -> Call<CardSessionView> {
        let (id, secret) = (id.to_string(), self.secrets.get(id));
        self.call(move |client, bearer| client.card_session(bearer, &id, secret.as_deref()))
    }

    /// The PIN is moved in; a copy goes with each attempt (at most two) and all are
    /// dropped with the call.
    pub fn send_pin(&self, id: &str, pin: PinEntry) -> Call<CardSessionView> {
        let (id, secret) = (id.to_string(), self.secrets.get(id));
        self.call(move |client, bearer| {
            client.send_pin(bearer, &id, secret.as_deref(), pin.clone())
        })
    }

    pub fn visual_check(&self, id: &str) -> Call<CardSessionView> {
        let (id, secret) = (id.to_string(), self.secrets.get(id));
        self.call(move |client, bearer| client.visual_check(bearer, &id, secret.as_deref()))
    }

    /// `DELETE /v1/card-sessions/{id}`; once cancelled, its secret is forgotten.
    pub fn cancel_card_session(&self, id: &str) -> Call<CardSessionView> {
        let (id, secret) = (id.to_string(), self.secrets.get(id));
        let secrets = self.secrets.clone();
        let cancel = {
            let id = id.clone();
            self.call(move |client, bearer| {
                client.cancel_card_session(bearer, &id, secret.as_deref())
            })
        };
        Box::pin(async move {
            let view = cancel.await?;
            secrets.forget(&id);
            Ok(view)
        })
    }

    /// `GET /v1/consents?session=<id>` with the session's secret.
    pub fn consents(&self, session: &str) -> Call<ConsentOverview> {
        let (session, secret) = (session.to_string(), self.secrets.get(session));
        let asked =
            self.call(move |client, bearer| client.consents(bearer, &session, secret.as_deref()));
        Box::pin(async move { asked.await?.read() })
    }

    /// `POST /v1/consents` for the patient card session `session` authenticated. The
    /// record is returned only once its receipt verified against the gateway's keys at
    /// `now` (Unix seconds), names this consent and carries the decisions sent; a
    /// missing, forged, other or expired receipt is [`ClientError::Receipt`] (or [`ClientError::AnswerSignature`] when
    /// there is none), never a success.
    pub fn give_consent(
        &self,
        session: &str,
        decisions: ConsentDecisions,
        now: Rc<dyn Fn() -> i64>,
    ) -> Call<Recorded> {
        let give = Json::of(&GiveConsent {
            session: session.to_string(),
            decisions,
        });
        let secret = self.secrets.get(session);
        let sent =
            self.call(move |client, bearer| client.give_consent(bearer, &give, secret.as_deref()));
        let this = self.clone();
        Box::pin(async move {
            let record = sent.await?.read()?;
            let Some(token) = record.receipt.clone() else {
                return Err(ClientError::AnswerSignature(
                    "the consent came without a receipt".into(),
                ));
            };
            let claims = this
                .keys
                .verify_receipt(&token, &record.id, now(), || {
                    this.call(|client, bearer| client.keys(bearer))
                })
                .await?;
            // What is shown as agreed comes from the receipt: it must be what was sent.
            if claims.decisions != decisions {
                return Err(ClientError::Receipt(ReceiptError::OtherConsent));
            }
            Ok(Recorded { record, claims })
        })
    }

    /// `DELETE /v1/consents/{id}?session=<session>` with the session's secret.
    pub fn withdraw_consent(&self, id: &str, session: &str) -> Call<ConsentRecord> {
        let (id, session) = (id.to_string(), session.to_string());
        let secret = self.secrets.get(&session);
        let withdrawn = self.call(move |client, bearer| {
            client.withdraw_consent(bearer, &id, &session, secret.as_deref())
        });
        Box::pin(async move { withdrawn.await?.read() })
    }

    /// Forgets card session `id`'s secret (the kiosk's patient has gone).
    pub fn forget_session(&self, id: &str) {
        self.secrets.forget(id);
    }

    pub fn health(&self) -> Call<Health> {
        self.client.health()
    }

    pub fn health_every_ms(&self) -> u32 {
        self.client.health_every_ms()
    }

    /// Asks for a ticket, then opens `feed` with it (resuming after `after`).
    pub fn open_feed(
        &self,
        feed: Rc<dyn EventFeed>,
        after: Option<i64>,
        sink: Rc<dyn Fn(FeedSignal)>,
    ) -> LocalBoxFuture<'static, Result<Subscription, ClientError>> {
        let ticket = self.call(|client, bearer| client.event_ticket(bearer));
        Box::pin(async move {
            let ticket = ticket.await?;
            Ok(feed.subscribe(&ticket.ticket, after, sink))
        })
    }
}

#[cfg(test)]
mod tests;
