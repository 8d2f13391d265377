//! Why a face file was refused, in words safe to log and to show at reception: the
//! codec's fixed reasons ([`OqsError::safe_reason`]), never the parser's own text.

use onshi_core::oqs::OqsError;

pub fn refusal_reason(err: &OqsError) -> String {
    err.safe_reason()
}
