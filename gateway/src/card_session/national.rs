//! What a card session needs from the national side (オンライン資格確認等システム): a
//! challenge for the card to sign, then a check of the signature (or, after a visual
//! check, of the certificate alone) that answers the holder's qualification.
//!
//! A trait, so that card sessions build without the simulator: today only `--sim` has a
//! national side (the `sim` feature's `onshi_sim::national::NationalSide`); a real one
//! reaches the national system through the terminal's vendor software, which documents
//! no way in for us (see the README), so `--terminal-dir` runs no card sessions.

use onshi_core::qualification::QualificationResponse;

pub use onshi_core::national::{Challenge, NationalError, CHALLENGE_LEN};

/// The national side as card sessions use it; shared by every session's thread.
pub trait NationalSide: Send + Sync {
    /// A fresh random challenge, remembered until used or withdrawn.
    fn issue_challenge(&self) -> Challenge;

    /// Forgets a challenge that will not be used (session cancelled or failed).
    fn withdraw(&self, challenge_id: u64);

    /// Checks the card's signature over challenge `challenge_id` with its authentication
    /// certificate (DER), now, and answers for its holder. The challenge is consumed
    /// whatever the outcome.
    fn authenticate(
        &self,
        challenge_id: u64,
        certificate_der: &[u8],
        signature: &[u8],
    ) -> Result<QualificationResponse, NationalError>;

    /// 目視確認 (staff compared face and card photo): checks the certificate alone, now,
    /// and answers for its holder.
    fn confirm_certificate(
        &self,
        certificate_der: &[u8],
    ) -> Result<QualificationResponse, NationalError>;
}
