//! The gateway status strip as a view model: which notices the latest health reading
//! calls for, most urgent first, with their role, symbol and words. A notice goes away by
//! itself once a reading no longer calls for it.

use onshi_core::api::{Health, TerminalState};
use onshi_core::codes::Lang;

use crate::i18n::{self, text, Msg};
use crate::status::{GatewayStatus, Observed};

/// Something about the gateway the desk should know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusNotice {
    /// The gateway on this PC does not answer: nothing can be checked here.
    GatewayUnreachable,
    /// Neither `req/` nor `res/` of the terminal's share can be reached.
    TerminalOffline,
    /// Only part of the terminal's share can be used (e.g. read-only).
    TerminalDegraded,
    /// The gateway's store does not answer: card results cannot be saved.
    StoreUnreachable,
    /// Other desks use this terminal's share but keep their own data.
    DesksNotShared { others: u32 },
}

/// How a notice is announced and marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// Some work is refused until it is fixed: `role="alert"`, read out at once.
    Blocking,
    /// Work goes on, but someone has to act: `role="status"`, read out politely.
    Advice,
}

impl StatusNotice {
    pub fn urgency(&self) -> Urgency {
        match self {
            Self::DesksNotShared { .. } => Urgency::Advice,
            _ => Urgency::Blocking,
        }
    }

    /// A stable name for tests and host styling (`data-notice`).
    pub fn key(&self) -> &'static str {
        match self {
            Self::GatewayUnreachable => "gateway_unreachable",
            Self::TerminalOffline => "terminal_offline",
            Self::TerminalDegraded => "terminal_degraded",
            Self::StoreUnreachable => "store_unreachable",
            Self::DesksNotShared { .. } => "desks_not_shared",
        }
    }

    /// What the desk reads: the situation, what still works and who to call.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Self::GatewayUnreachable => text(lang, Msg::HealthGatewayUnreachable).into(),
            Self::TerminalOffline => text(lang, Msg::HealthTerminalOffline).into(),
            Self::TerminalDegraded => text(lang, Msg::HealthTerminalDegraded).into(),
            Self::StoreUnreachable => text(lang, Msg::HealthStoreUnreachable).into(),
            Self::DesksNotShared { others } => i18n::desks_not_shared(lang, *others),
        }
    }
}

impl Urgency {
    pub fn role(&self) -> &'static str {
        match self {
            Self::Blocking => "alert",
            Self::Advice => "status",
        }
    }

    /// Shown before the words, so the kind is clear without colour.
    pub fn symbol(&self) -> &'static str {
        match self {
            Self::Blocking => "✕",
            Self::Advice => "⚠",
        }
    }

    /// The kind in words ("要対応" / "注意"), read out before the text.
    pub fn label(&self) -> Msg {
        match self {
            Self::Blocking => Msg::HealthBlockingLabel,
            Self::Advice => Msg::HealthAdviceLabel,
        }
    }

    pub fn class(&self) -> &'static str {
        match self {
            Self::Blocking => "onshi-status__notice--blocking",
            Self::Advice => "onshi-status__notice--advice",
        }
    }
}

/// The notices of a reading, most urgent first: what stops all checks (no gateway, no
/// terminal), then what stops some (no store: no card reads), then what needs the
/// administrator but lets the desk work (desks without a shared store).
pub fn notices(observed: Option<&Observed>) -> Vec<StatusNotice> {
    match observed {
        None => Vec::new(),
        Some(Observed::Unreachable) => vec![StatusNotice::GatewayUnreachable],
        Some(Observed::Health(health)) => health_notices(health),
    }
}

fn health_notices(health: &Health) -> Vec<StatusNotice> {
    let terminal = match health.terminal {
        TerminalState::Online => None,
        TerminalState::Offline => Some(StatusNotice::TerminalOffline),
        TerminalState::Degraded => Some(StatusNotice::TerminalDegraded),
    };
    let store = health
        .store
        .as_ref()
        .filter(|store| !store.reachable)
        .map(|_| StatusNotice::StoreUnreachable);
    let desks = health
        .desks
        .filter(|desks| desks.needs_shared_store())
        .map(|desks| StatusNotice::DesksNotShared {
            others: desks.others,
        });
    [terminal, store, desks].into_iter().flatten().collect()
}

/// The strip as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripView {
    pub notices: Vec<StatusNotice>,
    /// `data-gateway`: `unchecked` before the first reading, then `fine` or `attention`.
    pub state: &'static str,
    /// "再確認" is offered whenever something is wrong.
    pub recheck: bool,
    /// A check is on its way (the button says so).
    pub checking: bool,
}

pub fn strip_view(status: &GatewayStatus) -> StripView {
    let notices = notices(status.observed.as_ref());
    let state = match (&status.observed, notices.is_empty()) {
        (None, _) => "unchecked",
        (Some(_), true) => "fine",
        (Some(_), false) => "attention",
    };
    StripView {
        recheck: !notices.is_empty(),
        checking: status.is_checking(),
        notices,
        state,
    }
}

/// The check-again button's words: what it does, or that it is doing it.
pub fn recheck_label(checking: bool) -> Msg {
    if checking {
        Msg::HealthChecking
    } else {
        Msg::HealthRecheck
    }
}

#[cfg(test)]
mod tests;
