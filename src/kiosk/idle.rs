//! The idle timer as data: after [`Timing::idle_ms`] without input a warning counts
//! down [`Timing::warning_ms`]; input during the warning extends; when it runs out the
//! kiosk goes back to the start. Times are milliseconds of the browser's clock, passed
//! in, so every rule is tested natively.

/// How long the kiosk waits (milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Without input this long, the warning appears.
    pub idle_ms: u64,
    /// The warning's countdown.
    pub warning_ms: u64,
    /// The done screen goes back to the start after this long.
    pub done_ms: u64,
    /// How often the authenticated card session is asked whether the card is still there.
    pub watch_ms: u32,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            idle_ms: 60_000,
            warning_ms: 20_000,
            done_ms: 15_000,
            watch_ms: crate::card::POLL_FALLBACK_MS,
        }
    }
}

/// Where the idle timer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleState {
    /// Not counting (nobody's data is on screen).
    Off,
    Active,
    /// The warning is up, with the whole seconds left (rounded up).
    Warning {
        seconds_left: u32,
    },
    /// Time is up: back to the start.
    Expired,
}

/// The idle timer: armed while a patient's data is on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Idle {
    /// The latest input, while armed.
    last_input: Option<u64>,
    /// Asked to count from the next clock reading or input (a card report carries no
    /// time).
    pending: bool,
}

impl Idle {
    /// Starts counting at the next [`Self::clock`] or [`Self::input`], unless counting.
    pub fn start(&mut self) {
        if self.last_input.is_none() {
            self.pending = true;
        }
    }

    /// The clock read `now`: a pending start begins here.
    pub fn clock(&mut self, now: u64) {
        if self.pending {
            self.pending = false;
            self.last_input = Some(now);
        }
    }

    /// Starts counting from `now` (or keeps counting when armed already).
    pub fn arm(&mut self, now: u64) {
        self.last_input.get_or_insert(now);
    }

    pub fn disarm(&mut self) {
        self.last_input = None;
        self.pending = false;
    }

    pub fn is_armed(&self) -> bool {
        self.last_input.is_some() || self.pending
    }

    /// A touch or a key at `now`; `false` when it changes nothing (not armed).
    pub fn input(&mut self, now: u64) -> bool {
        if self.pending {
            self.clock(now);
            return true;
        }
        match &mut self.last_input {
            Some(last) if *last < now => {
                *last = now;
                true
            }
            _ => false,
        }
    }

    pub fn state(&self, now: u64, timing: &Timing) -> IdleState {
        let Some(last) = self.last_input else {
            return if self.pending {
                IdleState::Active
            } else {
                IdleState::Off
            };
        };
        let quiet = now.saturating_sub(last);
        if quiet < timing.idle_ms {
            return IdleState::Active;
        }
        let total = timing.idle_ms + timing.warning_ms;
        if quiet >= total {
            return IdleState::Expired;
        }
        let left_ms = total - quiet;
        IdleState::Warning {
            seconds_left: left_ms.div_ceil(1000) as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timing = Timing {
        idle_ms: 60_000,
        warning_ms: 20_000,
        done_ms: 15_000,
        watch_ms: 2_000,
    };

    #[test]
    fn off_until_armed() {
        let mut idle = Idle::default();
        assert_eq!(idle.state(1_000_000, &T), IdleState::Off);
        assert!(!idle.input(5), "input does not arm it");
        idle.arm(1_000);
        assert_eq!(idle.state(1_000, &T), IdleState::Active);
        idle.arm(50_000);
        assert_eq!(
            idle.state(61_000, &T),
            IdleState::Warning { seconds_left: 20 },
            "arming again keeps the start"
        );
    }

    #[test]
    fn warning_after_sixty_seconds_counts_down_twenty_then_expires() {
        let mut idle = Idle::default();
        idle.arm(0);
        assert_eq!(idle.state(59_999, &T), IdleState::Active);
        assert_eq!(
            idle.state(60_000, &T),
            IdleState::Warning { seconds_left: 20 }
        );
        assert_eq!(
            idle.state(60_001, &T),
            IdleState::Warning { seconds_left: 20 }
        );
        assert_eq!(
            idle.state(79_000, &T),
            IdleState::Warning { seconds_left: 1 }
        );
        assert_eq!(idle.state(80_000, &T), IdleState::Expired);
        assert_eq!(idle.state(u64::MAX, &T), IdleState::Expired);
    }

    #[test]
    fn a_start_without_a_time_counts_from_the_next_clock_reading_or_input() {
        let mut idle = Idle::default();
        idle.start();
        assert!(idle.is_armed());
        assert_eq!(idle.state(1_000_000, &T), IdleState::Active);
        idle.clock(500_000);
        assert_eq!(
            idle.state(560_000, &T),
            IdleState::Warning { seconds_left: 20 }
        );
        idle.start();
        idle.clock(900_000);
        assert_eq!(
            idle.state(560_000, &T),
            IdleState::Warning { seconds_left: 20 },
            "already counting"
        );
        let mut idle = Idle::default();
        idle.start();
        assert!(idle.input(7_000));
        assert_eq!(
            idle.state(67_000, &T),
            IdleState::Warning { seconds_left: 20 }
        );
    }

    #[test]
    fn input_extends_even_during_the_warning() {
        let mut idle = Idle::default();
        idle.arm(0);
        assert!(idle.input(70_000));
        assert_eq!(idle.state(80_000, &T), IdleState::Active);
        assert!(!idle.input(70_000), "the same instant changes nothing");
        idle.disarm();
        assert_eq!(idle.state(80_000, &T), IdleState::Off);
    }
}
