//! One-time event-stream tickets: `EventSource` cannot send `Authorization`, and the
//! credential itself must never sit in a URL (URLs end up in logs and history). A page
//! trades its credential for a ticket on an authenticated POST and opens the stream with
//! `?ticket=`; the ticket works once, within [`TICKET_LIFETIME`], and carries the caller it
//! was issued to.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use onshi_core::credential::Caller;

/// Long enough to open a stream right after asking, short enough to be useless later.
pub const TICKET_LIFETIME: Duration = Duration::from_secs(30);
/// Outstanding tickets kept at most; beyond this the oldest are dropped.
const MAX_OUTSTANDING: usize = 256;

#[derive(Debug, Default)]
pub struct Tickets {
    issued: Mutex<HashMap<String, (Caller, Instant)>>,
}

impl Tickets {
    /// A fresh ticket for `caller`; `None` if the OS has no randomness.
    pub fn issue(&self, caller: Caller) -> Option<String> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).ok()?;
        let ticket = onshi_core::jose::encode(&bytes);
        let now = Instant::now();
        let mut issued = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        issued.retain(|_, (_, at)| now.duration_since(*at) < TICKET_LIFETIME);
        if issued.len() >= MAX_OUTSTANDING {
            if let Some(oldest) = issued
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(t, _)| t.clone())
            {
                issued.remove(&oldest);
            }
        }
        issued.insert(ticket.clone(), (caller, now));
        Some(ticket)
    }

    /// The caller a live, unused ticket was issued to; the ticket is gone afterwards.
    pub fn redeem(&self, ticket: &str) -> Option<Caller> {
        let mut issued = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        let (caller, at) = issued.remove(ticket)?;
        (at.elapsed() < TICKET_LIFETIME).then_some(caller)
    }
}

#[cfg(test)]
mod tests {
    use onshi_core::roles::{FacilityType, Role};

    use super::*;

    fn caller() -> Caller {
        Caller {
            sub: "u".into(),
            name: "n".into(),
            role: Role::Reception,
            licence: None,
            facility_type: FacilityType::MedicalInstitution,
            facility_code: "1319999999".into(),
            exp: i64::MAX,
            jti: None,
        }
    }

    #[test]
    fn a_ticket_works_once() {
        let tickets = Tickets::default();
        let ticket = tickets.issue(caller()).unwrap();
        assert_eq!(ticket.len(), 43);
        assert_eq!(tickets.redeem(&ticket), Some(caller()));
        assert_eq!(tickets.redeem(&ticket), None);
        assert_eq!(tickets.redeem("forged"), None);
    }

    #[test]
    fn outstanding_tickets_are_capped() {
        let tickets = Tickets::default();
        let first = tickets.issue(caller()).unwrap();
        for _ in 0..MAX_OUTSTANDING {
            tickets.issue(caller()).unwrap();
        }
        assert_eq!(tickets.redeem(&first), None);
        assert!(tickets.issued.lock().unwrap().len() <= MAX_OUTSTANDING);
    }
}
