//! 保険者番号 and 後期高齢者 被保険者番号: shapes and the 保険者番号設定要領 check digit.
//!
//! STUB: signatures fixed; the numbers helper implements the bodies.

/// A syntactically valid insurer number: 8 digits, or 6 digits for 国保.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InsurerNumber(String);

impl InsurerNumber {
    /// The digits as entered (6 or 8).
    pub fn digits(&self) -> &str {
        &self.0
    }
    /// As it travels in OQS XML: 8 characters, a 6-digit number left-padded with spaces.
    pub fn wire(&self) -> String {
        format!("{:>8}", self.0)
    }
}
