//! The PIN pad as data: at most 4 digits, never sent by itself, an explicit
//! confirmation before the last try, and the digits wiped as soon as they leave.
//!
//! The PIN exists only here (the pad component's reducer) and, for one render, in
//! [`PinPad::outgoing`] until the pad hands it to the request. `Debug` never prints it and
//! dropped copies are overwritten.

use std::fmt;
use std::rc::Rc;

use yew::Reducible;

/// The 利用者証明用 PIN has exactly 4 digits.
pub const PIN_LENGTH: usize = 4;

/// Up to four digits, overwritten when dropped.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct PinDigits {
    digits: [u8; PIN_LENGTH],
    len: u8,
}

impl PinDigits {
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn is_complete(&self) -> bool {
        self.len() == PIN_LENGTH
    }

    /// The digits as the text the gateway expects, e.g. `"1234"`.
    pub fn reveal(&self) -> String {
        self.digits[..self.len()]
            .iter()
            .map(|d| char::from(b'0' + d))
            .collect()
    }

    fn push(&mut self, digit: u8) -> bool {
        if digit > 9 || self.is_complete() {
            return false;
        }
        self.digits[self.len()] = digit;
        self.len += 1;
        true
    }

    fn pop(&mut self) -> bool {
        if self.is_empty() {
            return false;
        }
        self.len -= 1;
        self.digits[self.len()] = 0;
        true
    }

    fn wipe(&mut self) {
        self.digits = [0; PIN_LENGTH];
        self.len = 0;
    }
}

impl Drop for PinDigits {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl fmt::Debug for PinDigits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PinDigits({} of {PIN_LENGTH}, hidden)", self.len)
    }
}

/// How loudly the pad warns about the tries left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caution {
    None,
    /// 2 or fewer tries left: a warning is shown before sending.
    Low,
    /// 1 try left: sending needs an explicit confirmation.
    Last,
}

pub fn caution(tries_left: u8) -> Caution {
    match tries_left {
        0 | 1 => Caution::Last,
        2 => Caution::Low,
        _ => Caution::None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PinStep {
    #[default]
    Entering,
    /// "最後の1回です。…送信しますか？"
    Confirming,
}

/// A PIN on its way out, numbered so the pad hands each one over exactly once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub seq: u32,
    pub pin: PinDigits,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PinPad {
    pub digits: PinDigits,
    pub step: PinStep,
    /// Submit was pressed with fewer than 4 digits.
    pub incomplete: bool,
    pub outgoing: Option<Outgoing>,
    sent: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinAction {
    Digit(u8),
    Backspace,
    Clear,
    /// Enter or the send button, with the tries the card has left.
    Submit {
        tries_left: u8,
    },
    /// Leave the last-try confirmation without sending (digits are kept).
    Back,
    /// The pad handed outgoing PIN `seq` to the request.
    Delivered(u32),
}

impl PinPad {
    pub fn apply(&self, action: PinAction) -> Option<PinPad> {
        let mut next = self.clone();
        match action {
            PinAction::Digit(digit) => {
                if self.step == PinStep::Confirming || !next.digits.push(digit) {
                    return None;
                }
                next.incomplete = false;
            }
            PinAction::Backspace => {
                if self.step == PinStep::Confirming || !next.digits.pop() {
                    return None;
                }
            }
            PinAction::Clear => {
                if self.digits.is_empty() && self.step == PinStep::Entering && !self.incomplete {
                    return None;
                }
                next.digits.wipe();
                next.step = PinStep::Entering;
                next.incomplete = false;
            }
            PinAction::Submit { tries_left } => {
                if tries_left == 0 {
                    return None;
                }
                if !self.digits.is_complete() {
                    next.incomplete = true;
                } else if caution(tries_left) == Caution::Last && self.step == PinStep::Entering {
                    next.step = PinStep::Confirming;
                } else {
                    next.sent += 1;
                    next.outgoing = Some(Outgoing {
                        seq: next.sent,
                        pin: std::mem::take(&mut next.digits),
                    });
                    next.step = PinStep::Entering;
                }
            }
            PinAction::Back => {
                if self.step != PinStep::Confirming {
                    return None;
                }
                next.step = PinStep::Entering;
            }
            PinAction::Delivered(seq) => {
                if self.outgoing.as_ref().map(|o| o.seq) != Some(seq) {
                    return None;
                }
                next.outgoing = None;
            }
        }
        Some(next)
    }
}

impl Reducible for PinPad {
    type Action = PinAction;

    fn reduce(self: Rc<Self>, action: PinAction) -> Rc<Self> {
        match self.apply(action) {
            Some(next) => Rc::new(next),
            None => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pad: PinPad, actions: impl IntoIterator<Item = PinAction>) -> PinPad {
        actions
            .into_iter()
            .fold(pad, |p, a| p.apply(a).unwrap_or(p))
    }

    fn typed(digits: &[u8]) -> PinPad {
        run(
            PinPad::default(),
            digits.iter().map(|d| PinAction::Digit(*d)),
        )
    }

    #[test]
    fn at_most_four_digits_and_backspace() {
        let pad = typed(&[1, 2, 3, 4, 5]);
        assert_eq!(pad.digits.reveal(), "1234");
        assert!(pad.apply(PinAction::Digit(6)).is_none());
        assert!(pad.apply(PinAction::Digit(10)).is_none(), "not a digit");
        let pad = run(pad, [PinAction::Backspace]);
        assert_eq!(pad.digits.reveal(), "123");
        let pad = run(pad, [PinAction::Clear]);
        assert!(pad.digits.is_empty());
        assert!(pad.apply(PinAction::Backspace).is_none());
    }

    #[test]
    fn nothing_is_sent_until_submit_and_never_short() {
        let pad = typed(&[1, 2, 3, 4]);
        assert!(pad.outgoing.is_none(), "no auto-submit at four digits");
        let short = run(typed(&[1, 2]), [PinAction::Submit { tries_left: 3 }]);
        assert!(short.incomplete);
        assert!(short.outgoing.is_none());
        let short = run(short, [PinAction::Digit(3)]);
        assert!(!short.incomplete, "typing clears the hint");
    }

    #[test]
    fn sending_wipes_the_digits_at_once() {
        let pad = run(typed(&[9, 8, 7, 6]), [PinAction::Submit { tries_left: 3 }]);
        assert!(pad.digits.is_empty());
        let out = pad.outgoing.clone().expect("outgoing");
        assert_eq!(out.pin.reveal(), "9876");
        assert_eq!(out.seq, 1);
        let pad = run(pad, [PinAction::Delivered(1)]);
        assert!(pad.outgoing.is_none());
        assert!(pad.apply(PinAction::Delivered(1)).is_none());
    }

    #[test]
    fn warnings_at_two_and_confirmation_at_one() {
        assert_eq!(caution(3), Caution::None);
        assert_eq!(caution(2), Caution::Low);
        assert_eq!(caution(1), Caution::Last);
        // Two left: a warning, but one press sends.
        let pad = run(typed(&[1, 2, 3, 4]), [PinAction::Submit { tries_left: 2 }]);
        assert!(pad.outgoing.is_some());
        // One left: the first press only asks.
        let pad = run(typed(&[1, 2, 3, 4]), [PinAction::Submit { tries_left: 1 }]);
        assert_eq!(pad.step, PinStep::Confirming);
        assert!(pad.outgoing.is_none());
        assert!(
            pad.apply(PinAction::Digit(5)).is_none(),
            "locked while asking"
        );
        // Back keeps the digits; confirming sends.
        let back = run(pad.clone(), [PinAction::Back]);
        assert_eq!(back.step, PinStep::Entering);
        assert_eq!(back.digits.len(), 4);
        let sent = run(pad, [PinAction::Submit { tries_left: 1 }]);
        assert!(sent.outgoing.is_some());
        assert_eq!(sent.step, PinStep::Entering);
    }

    #[test]
    fn a_blocked_card_takes_no_pin() {
        let pad = typed(&[1, 2, 3, 4]);
        assert!(pad.apply(PinAction::Submit { tries_left: 0 }).is_none());
    }

    #[test]
    fn debug_never_shows_the_digits() {
        let pad = typed(&[1, 2, 3, 4]);
        let printed = format!("{pad:?}");
        assert!(!printed.contains("1234"), "{printed}");
        assert!(!printed.contains("[1, 2"), "{printed}");
        assert!(printed.contains("4 of 4, hidden"));
    }
}
