//! Who the page works for, as far as the component can tell: nobody yet, nobody (the EMR
//! signed no one in), someone the gateway refused, or a signed-in caller whose role
//! decides what is offered. Pure data and view models, tested with `cargo test`;
//! [`crate::hooks::use_access`] feeds it what [`crate::credential`] learns.
//!
//! What to offer comes from the one role table, [`onshi_core::roles::permits`]. The
//! gateway enforces the same table on every call; this only keeps the page from showing
//! a form or a button whose use would be refused.

use std::rc::Rc;

use onshi_core::roles::{permits, Capability, Role};
use yew::Reducible;

use crate::credential::{CredentialEvent, Identity};
use crate::i18n::Msg;
use crate::present::status::Urgency;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Access {
    /// Asking the host page for a credential (mount).
    #[default]
    Checking,
    SignedIn(Identity),
    /// No credential: none given, or the host page's function failed or gave none.
    NotSignedIn,
    /// The gateway refused the credential (401) and a fresh one did not cure it.
    SignInAgain,
}

impl Access {
    /// The next state, or `None` when nothing changes.
    pub fn apply(&self, event: CredentialEvent) -> Option<Access> {
        let next = match event {
            CredentialEvent::Fetched {
                identity,
                refused: false,
            } => Access::SignedIn(identity),
            // The host page handed out the credential the gateway refused: nothing
            // changed for the better.
            CredentialEvent::Fetched { refused: true, .. } => Access::SignInAgain,
            CredentialEvent::NotSignedIn => Access::NotSignedIn,
            CredentialEvent::Refused => Access::SignInAgain,
        };
        (next != *self).then_some(next)
    }

    pub fn is_signed_in(&self) -> bool {
        matches!(self, Access::SignedIn(_))
    }
}

/// What moves [`Access`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessAction {
    /// The desk asked the host page again ("check again"): shown as checking until it
    /// answers, so the button visibly does something even when the answer is the same.
    Asking,
    Learnt(CredentialEvent),
}

impl Reducible for Access {
    type Action = AccessAction;

    fn reduce(self: Rc<Self>, action: AccessAction) -> Rc<Self> {
        let next = match action {
            AccessAction::Asking => (*self != Access::Checking).then_some(Access::Checking),
            AccessAction::Learnt(event) => self.apply(event),
        };
        match next {
            Some(next) => Rc::new(next),
            None => self,
        }
    }
}

/// What the reception screen offers a signed-in caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    /// The number form (`POST /v1/qualifications`).
    pub qualify: bool,
    /// The live reception queue (the event stream's reception events).
    pub queue: bool,
    /// "マイナンバーカードで確認".
    pub card: bool,
}

/// Per the role table. A payload without a role this build knows offers everything and
/// lets the gateway answer (in words) for it.
pub fn offer(identity: &Identity) -> Offer {
    let Some(role) = identity.role else {
        return Offer {
            qualify: true,
            queue: true,
            card: true,
        };
    };
    let may = |capability| permits(role, identity.licence, capability).is_ok();
    Offer {
        qualify: may(Capability::Qualify),
        queue: may(Capability::ReceptionQueue),
        card: may(Capability::CardSession),
    }
}

/// Why the reception screen is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    NotSignedIn,
    SignInAgain,
    /// This page is the reception desk's; `role` may not check qualifications.
    Role(Role),
}

/// What the component shows below its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessView {
    /// A quiet "checking who is signed in" line.
    Checking,
    /// A panel instead of the form and the queue.
    Blocked(BlockedView),
    /// The reception screen, with what it offers.
    Reception(Offer),
}

/// The panel that stands in for the reception screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockedView {
    pub why: Blocked,
    pub heading: Msg,
    pub text: Msg,
    /// Blocking (`role="alert"`) when the gateway refused; advice (`role="status"`) for a
    /// state of the page (nobody signed in, another role's page). The same marks as the
    /// gateway status strip: symbol and words, never colour alone.
    pub urgency: Urgency,
    /// "Check again" (ask the host page's function once more); only when there is a
    /// function to ask: a fixed credential changes only by mounting again.
    pub ask_again: bool,
    /// `data-access`, for host styling and tests.
    pub key: &'static str,
}

/// The view for `access`; `can_ask_again` says whether the host page gave a function.
pub fn access_view(access: &Access, can_ask_again: bool) -> AccessView {
    let blocked = |why, heading, text, urgency, key| {
        AccessView::Blocked(BlockedView {
            why,
            heading,
            text,
            urgency,
            // Another role's page: signing in as someone else happens in the EMR.
            ask_again: can_ask_again && !matches!(why, Blocked::Role(_)),
            key,
        })
    };
    match access {
        Access::Checking => AccessView::Checking,
        Access::NotSignedIn => blocked(
            Blocked::NotSignedIn,
            Msg::NotSignedInHeading,
            Msg::NotSignedIn,
            Urgency::Advice,
            "not_signed_in",
        ),
        Access::SignInAgain => blocked(
            Blocked::SignInAgain,
            Msg::SignInAgainHeading,
            Msg::SignInAgainExplain,
            Urgency::Blocking,
            "sign_in_again",
        ),
        Access::SignedIn(identity) => {
            let offer = offer(identity);
            match identity.role {
                Some(role) if !offer.qualify => blocked(
                    Blocked::Role(role),
                    Msg::RoleRefusedHeading,
                    Msg::RoleRefused,
                    Urgency::Advice,
                    "role_refused",
                ),
                _ => AccessView::Reception(offer),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use onshi_core::roles::Licence;

    use super::*;

    fn signed_in(role: Option<Role>) -> Access {
        Access::SignedIn(Identity {
            role,
            licence: (role == Some(Role::Clinician)).then_some(Licence::Nurse),
            exp: Some(1_800_000_000),
        })
    }

    #[test]
    fn the_host_pages_answers_move_the_page() {
        let access = Access::default();
        assert_eq!(access, Access::Checking);
        let access = access.apply(CredentialEvent::NotSignedIn).unwrap();
        assert_eq!(access, Access::NotSignedIn);
        assert!(access.apply(CredentialEvent::NotSignedIn).is_none());
        let fetched = CredentialEvent::Fetched {
            identity: Identity::default(),
            refused: false,
        };
        let access = access.apply(fetched.clone()).unwrap();
        assert!(access.is_signed_in());
        let access = access.apply(CredentialEvent::Refused).unwrap();
        assert_eq!(access, Access::SignInAgain);
        // The same refused credential again changes nothing; another one signs in.
        let same = CredentialEvent::Fetched {
            identity: Identity::default(),
            refused: true,
        };
        assert!(access.apply(same).is_none());
        assert!(access.apply(fetched).unwrap().is_signed_in());
    }

    #[test]
    fn asking_again_shows_checking_until_the_answer() {
        let access = Rc::new(Access::NotSignedIn);
        let access = access.reduce(AccessAction::Asking);
        assert_eq!(*access, Access::Checking);
        let access = access.reduce(AccessAction::Learnt(CredentialEvent::NotSignedIn));
        assert_eq!(*access, Access::NotSignedIn);
    }

    #[test]
    fn nobody_signed_in_is_a_status_panel_instead_of_the_form() {
        let AccessView::Blocked(view) = access_view(&Access::NotSignedIn, true) else {
            panic!("blocked")
        };
        assert_eq!(view.why, Blocked::NotSignedIn);
        assert_eq!(view.text, Msg::NotSignedIn);
        assert_eq!(view.urgency, Urgency::Advice);
        assert!(view.ask_again, "a function can be asked again");
        let AccessView::Blocked(fixed) = access_view(&Access::NotSignedIn, false) else {
            panic!("blocked")
        };
        assert!(!fixed.ask_again, "no dead button for a fixed credential");
        assert_eq!(access_view(&Access::Checking, true), AccessView::Checking);
    }

    #[test]
    fn a_refused_credential_asks_to_sign_in_again_as_an_alert() {
        let AccessView::Blocked(view) = access_view(&Access::SignInAgain, true) else {
            panic!("blocked")
        };
        assert_eq!(view.why, Blocked::SignInAgain);
        assert_eq!(view.text, Msg::SignInAgainExplain);
        assert_eq!(view.urgency, Urgency::Blocking);
        assert_eq!(view.key, "sign_in_again");
    }

    #[test]
    fn the_role_table_decides_what_the_reception_page_offers() {
        let all = Offer {
            qualify: true,
            queue: true,
            card: true,
        };
        assert_eq!(
            access_view(&signed_in(Some(Role::Reception)), true),
            AccessView::Reception(all)
        );
        assert_eq!(
            access_view(&signed_in(Some(Role::Clinician)), true),
            AccessView::Reception(all)
        );
        for role in [Role::Kiosk, Role::Admin] {
            let AccessView::Blocked(view) = access_view(&signed_in(Some(role)), true) else {
                panic!("{role:?} is not offered the reception page")
            };
            assert_eq!(view.why, Blocked::Role(role));
            assert_eq!(view.text, Msg::RoleRefused);
            assert!(
                !view.ask_again,
                "signing in as someone else happens in the EMR"
            );
        }
        // The kiosk may drive a card session, but not read the queue or check numbers.
        assert_eq!(
            offer(&Identity {
                role: Some(Role::Kiosk),
                ..Identity::default()
            }),
            Offer {
                qualify: false,
                queue: false,
                card: true,
            }
        );
        // A payload without a readable role: the gateway will answer for it.
        assert_eq!(
            access_view(&signed_in(None), true),
            AccessView::Reception(all)
        );
    }
}
