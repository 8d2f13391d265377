//! Talking to the local gateway.
//!
//! The component only sees the object-safe [`GatewayClient`] trait, so browser tests can
//! script answers and the real [`HttpGateway`] stays a thin layer over `fetch`.

mod error;
mod http;

use futures::future::LocalBoxFuture;
use onshi_core::api::{QualificationAnswer, QualificationQuery};

pub use error::{read_answer, ClientError};
pub use http::{AbortGuard, HttpGateway, CLIENT_TIMEOUT_MS};

/// Asks the gateway for qualifications.
///
/// Dropping the returned future cancels the request: implementations must not keep
/// working (or keep a connection open) for an answer nobody waits for.
pub trait GatewayClient {
    fn qualify(
        &self,
        query: QualificationQuery,
    ) -> LocalBoxFuture<'static, Result<QualificationAnswer, ClientError>>;
}
