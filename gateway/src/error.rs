//! Errors that stop the gateway from starting or serving (as opposed to per-request
//! failures, which are [`crate::api_error::ApiFailure`]s).

use std::io;
use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum GatewayError {
    /// Without issuer keys nobody could call, so the gateway would be useless; say why.
    #[error(
        "no issuer keys: every route but GET /v1/health needs a credential signed by the \
         host EMR's server; give its public keys as a JWK Set file with --trust-keys FILE"
    )]
    NoTrustedKeys,
    #[error("--trust-keys {path}: {reason}")]
    TrustKeys { path: String, reason: String },
    #[error("--audience must not be empty")]
    EmptyAudience,
    /// The desk's signing key (answers, audit checkpoints) cannot be used.
    #[error("the gateway's signing key: {0}")]
    Key(#[from] crate::keys::KeyError),
    /// The gateway must never be reachable from the network: it hands out health data.
    #[error(
        "refusing to listen on {addr}: the gateway only listens on a loopback address \
         (127.0.0.1, [::1] or localhost)"
    )]
    NotLoopback { addr: String },
    #[error("invalid --listen address {value:?}: expected IP:PORT such as 127.0.0.1:7611")]
    BadListenAddress { value: String },
    #[error("invalid --allow-origin {value:?}: {reason}")]
    BadOrigin { value: String, reason: &'static str },
    #[error(
        "--terminal-timeout-secs {secs} is too long: the browser component gives up on a \
         request after {limit} s, so the gateway must answer before that; use at most {} \
         (the default is 30)", limit - 1
    )]
    TimeoutTooLong { secs: u64, limit: u64 },
    #[error("invalid --institution-code: expected 10 digits (医療機関コード), got {got_chars} characters")]
    BadInstitutionCode { got_chars: usize },
    #[error(
        "--institution-code is required with --terminal-dir: the terminal answers only \
         requests carrying the clinic's own 医療機関コード"
    )]
    MissingInstitutionCode,
    #[error("{option} works only with --sim: a real terminal's reader is not ours to drive")]
    SimOnly { option: &'static str },
    /// A build without the `sim` feature carries no simulator (nor its test keys).
    #[error("this build has no simulator; build with --features sim, or use --terminal-dir")]
    NoSimulator,
    #[error(
        "no home folder is known for this user, so there is no default data folder; \
         pass --data-dir DIR (a private folder on a local disk)"
    )]
    NoDefaultDataDir,
    #[error("cannot open the reception store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("cannot prepare folder {path}: {source}")]
    Folder {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot start the simulated terminal in {path}: {source}")]
    Simulator {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot prepare the simulated cards and national side: {0}")]
    SimCards(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: io::Error,
    },
    #[error("the HTTP server stopped: {0}")]
    Serve(#[source] io::Error),
}
