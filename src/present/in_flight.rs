//! The in-flight panel as a view model: what it adds while the request waits for one of
//! the terminal's sessions. Once the request is at the terminal (or its place is
//! unknown) nothing is added; the elapsed seconds go on either way.

use onshi_core::api::QueuePlace;
use onshi_core::codes::Lang;

use crate::i18n;

/// "The terminal is busy, n ahead of you".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuedNotice {
    pub ahead: u32,
}

impl QueuedNotice {
    /// A polite live region: the wait is news, not an error.
    pub const ROLE: &'static str = "status";
    /// Shown before the words so the state is clear without colour (a clock face, in
    /// fonts every desk has, unlike the hourglass emoji).
    pub const SYMBOL: &'static str = "◷";

    pub fn text(&self, lang: Lang) -> String {
        i18n::queued(lang, self.ahead)
    }
}

/// The notice for a request's place, if it calls for one.
pub fn queued_notice(place: Option<QueuePlace>) -> Option<QueuedNotice> {
    match place? {
        QueuePlace::Waiting { ahead } => Some(QueuedNotice { ahead }),
        QueuePlace::AtTerminal => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_waiting_request_shows_its_place() {
        assert_eq!(queued_notice(None), None);
        assert_eq!(queued_notice(Some(QueuePlace::AtTerminal)), None);
        let notice = queued_notice(Some(QueuePlace::Waiting { ahead: 3 })).unwrap();
        assert_eq!(
            notice.text(Lang::Ja),
            "資格確認端末が混み合っています。順番待ちです（前に 3 件）。"
        );
        assert_eq!(
            notice.text(Lang::En),
            "The qualification terminal is busy; your request is queued (3 ahead)."
        );
        // Next in line is still waiting, and says so.
        let next = queued_notice(Some(QueuePlace::Waiting { ahead: 0 })).unwrap();
        assert!(next.text(Lang::En).contains("(0 ahead)"));
        assert_eq!(QueuedNotice::ROLE, "status");
    }
}
