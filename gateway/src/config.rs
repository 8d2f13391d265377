//! What a running gateway is configured with, independent of how it was started
//! (command line, tests, scripts).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::error::GatewayError;
use crate::store::StoreLocation;
use crate::terminal_link::LinkTimings;

/// Origins of the demo pages (`npm start`), allowed in `--sim` mode only.
pub const DEMO_ORIGINS: [&str; 2] = ["http://127.0.0.1:8080", "http://localhost:8080"];
/// The real terminal accepts this many sessions at once.
pub const DEFAULT_MAX_EXCHANGES: usize = 20;
/// Requests queued for a terminal session beyond the running ones; more fail at once (503).
pub const DEFAULT_MAX_WAITING: usize = 20;
/// The browser component abandons a qualification request after this long, so the
/// terminal timeout (`--terminal-timeout-secs`) must stay below it.
pub const COMPONENT_DEADLINE: Duration = Duration::from_secs(40);
/// A query is a few hundred bytes; anything much larger is not one.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;
/// 医療機関コード written into requests in `--sim` mode when none is given (synthetic).
pub const SIM_INSTITUTION_CODE: &str = "1319999999";
/// How often a desk refreshes its heartbeat in the terminal share and reads the others'.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(15);
/// SSE keep-alive comment interval: under the idle timeouts of proxies and of browsers
/// (which give up on a silent EventSource after about 45 s in some versions).
pub const DEFAULT_SSE_KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Longest time a request may take to be answered (to its response headers: an event
/// stream's body is not cut). Above the longest terminal timeout (39 s) plus the wait for
/// a terminal session, so it only ends requests that hang for another reason.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(45);
/// Requests being handled at once; more are refused at once (503 `busy`) rather than
/// queued without end. A desk needs a handful; a clinic's desks each have their own
/// gateway. Above the terminal's sessions plus their waiting line (40).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 128;
/// Open `GET /v1/events` streams; a page holds one (a few with several tabs). More are
/// refused (503 `too_many_streams`), so a page that keeps opening streams (or
/// `<img src=…/v1/events>` on a foreign page) cannot pin the gateway's memory.
pub const DEFAULT_MAX_EVENT_STREAMS: usize = 32;
/// Open TCP connections; beyond this new ones wait in the listen backlog until one
/// closes. Room for every event stream and every in-flight request.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;

/// Where qualification requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The embedded simulator plays the terminal in `<data_dir>/sim-terminal`.
    #[cfg(feature = "sim")]
    Sim {
        /// How long the simulated terminal takes to answer.
        latency: Duration,
    },
    /// A real terminal folder (or share) holding `req/`, `res/` and `face/`.
    Terminal { dir: PathBuf },
}

#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    /// Exact origins (`scheme://host[:port]`) whose pages may call the API.
    pub allowed_origins: Vec<String>,
    /// Holds the SQLite store (unless `store` says PostgreSQL), `rejected/` (unreadable
    /// terminal answers), `face-archive/` and, in sim mode, the sim terminal; owner-only
    /// ([`crate::data_dir`]).
    pub data_dir: PathBuf,
    /// Where the reception queue is kept (`--store`): SQLite in `data_dir` by default, or a
    /// PostgreSQL database the clinic's desks share.
    pub store: StoreLocation,
    /// 10 digits, written into every request.
    pub institution_code: String,
    pub link: LinkTimings,
    pub max_concurrent_exchanges: usize,
    /// Requests that may wait for one of the `max_concurrent_exchanges`; beyond this a
    /// request fails at once with 503 (terminal busy).
    pub max_waiting_exchanges: usize,
    pub max_body_bytes: usize,
    /// How often `face/` is polled.
    pub face_poll_interval: Duration,
    /// `--sim` only: the simulated reader drops a face result this often (`None`: never).
    pub sim_face_every: Option<Duration>,
    pub sse_keep_alive: Duration,
    /// How often this desk's heartbeat in the terminal share is refreshed.
    pub heartbeat_interval: Duration,
    /// Timings of card sessions (PC/SC).
    pub card_sessions: crate::card_session::CardSessionSettings,
    /// `--sim` only: vpcd port of the virtual reader the demo's cards go into
    /// (35963 = "Virtual PCD 00 00").
    #[cfg(feature = "sim")]
    pub sim_vpcd_port: u16,
    /// The host EMR's issuer keys (`--trust-keys`): every route but health needs a
    /// credential one of them signed. Empty refuses to start.
    pub trusted_keys: onshi_core::jose::KeySet,
    /// The `aud` credentials must name (`--audience`).
    pub audience: String,
    /// [`DEFAULT_REQUEST_TIMEOUT`]: a request not answered by then gets 503
    /// `request_timeout`.
    pub request_timeout: Duration,
    /// [`DEFAULT_MAX_IN_FLIGHT`]: requests handled at once (event streams not counted once
    /// they have started).
    pub max_in_flight: usize,
    /// [`DEFAULT_MAX_EVENT_STREAMS`]: open `GET /v1/events` streams.
    pub max_event_streams: usize,
    /// [`DEFAULT_MAX_CONNECTIONS`]: open TCP connections.
    pub max_connections: usize,
    /// The clock consents are given, expire and are withdrawn by (the system clock; tests
    /// put a [`crate::clock::ManualClock`] here).
    pub clock: crate::clock::Clock,
    /// How long after a card session confirmed its patient a kiosk may still give, read or
    /// withdraw consents on it ([`crate::routes::consents::SESSION_MAX_AGE`], 10 minutes).
    pub consent_session_max_age: Duration,
}

impl Config {
    /// Defaults for `mode`; origins empty.
    pub fn new(mode: Mode, data_dir: impl Into<PathBuf>, institution_code: &str) -> Self {
        Self {
            mode,
            allowed_origins: Vec::new(),
            data_dir: data_dir.into(),
            store: StoreLocation::default(),
            institution_code: institution_code.to_string(),
            link: LinkTimings::default(),
            max_concurrent_exchanges: DEFAULT_MAX_EXCHANGES,
            max_waiting_exchanges: DEFAULT_MAX_WAITING,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            face_poll_interval: crate::face_watch::DEFAULT_FACE_POLL,
            sim_face_every: None,
            sse_keep_alive: DEFAULT_SSE_KEEP_ALIVE,
            heartbeat_interval: DEFAULT_HEARTBEAT,
            card_sessions: crate::card_session::CardSessionSettings::default(),
            #[cfg(feature = "sim")]
            sim_vpcd_port: onshi_sim::vpcd::DEFAULT_PORT,
            trusted_keys: onshi_core::jose::KeySet::default(),
            audience: onshi_core::credential::DEFAULT_AUDIENCE.to_string(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            max_event_streams: DEFAULT_MAX_EVENT_STREAMS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            clock: crate::clock::Clock::system(),
            consent_session_max_age: crate::routes::consents::SESSION_MAX_AGE,
        }
    }

    /// The folder holding `req/`, `res/` and `face/`.
    pub fn terminal_dir(&self) -> PathBuf {
        match &self.mode {
            #[cfg(feature = "sim")]
            Mode::Sim { .. } => self.data_dir.join("sim-terminal"),
            Mode::Terminal { dir } => dir.clone(),
        }
    }

    pub fn rejected_dir(&self) -> PathBuf {
        self.data_dir.join("rejected")
    }

    /// Face results already on the queue, as the terminal wrote them.
    pub fn face_archive_dir(&self) -> PathBuf {
        self.data_dir.join("face-archive")
    }

    /// Checks what the type system cannot: code shape, origin syntax, a terminal timeout
    /// the browser component still waits for.
    pub fn validate(&self) -> Result<(), GatewayError> {
        check_institution_code(&self.institution_code)?;
        if self.link.timeout >= COMPONENT_DEADLINE {
            return Err(GatewayError::TimeoutTooLong {
                secs: self.link.timeout.as_secs(),
                limit: COMPONENT_DEADLINE.as_secs(),
            });
        }
        for origin in &self.allowed_origins {
            check_origin(origin)?;
        }
        if self.trusted_keys.is_empty() {
            return Err(GatewayError::NoTrustedKeys);
        }
        if self.audience.trim().is_empty() {
            return Err(GatewayError::EmptyAudience);
        }
        Ok(())
    }
}

/// Parses `--listen`: `IP:PORT` or `localhost:PORT`, loopback only.
pub fn parse_listen(value: &str) -> Result<SocketAddr, GatewayError> {
    let addr = match value.parse::<SocketAddr>() {
        Ok(addr) => addr,
        Err(_) => {
            // Other host names are refused: DNS could point them anywhere.
            let port = value
                .strip_prefix("localhost:")
                .and_then(|p| p.parse::<u16>().ok())
                .ok_or_else(|| GatewayError::BadListenAddress {
                    value: value.to_string(),
                })?;
            SocketAddr::from(([127, 0, 0, 1], port))
        }
    };
    ensure_loopback(addr)?;
    Ok(addr)
}

pub fn ensure_loopback(addr: SocketAddr) -> Result<(), GatewayError> {
    let loopback = match addr.ip() {
        IpAddr::V4(ip) => ip.is_loopback(),
        IpAddr::V6(ip) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    };
    if loopback {
        Ok(())
    } else {
        Err(GatewayError::NotLoopback {
            addr: addr.to_string(),
        })
    }
}

pub fn check_institution_code(code: &str) -> Result<(), GatewayError> {
    if code.len() == 10 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(GatewayError::BadInstitutionCode {
            got_chars: code.chars().count(),
        })
    }
}

/// An allowlisted origin must be exactly what a browser sends: `scheme://host[:port]`.
pub fn check_origin(origin: &str) -> Result<(), GatewayError> {
    let bad = |reason| GatewayError::BadOrigin {
        value: origin.to_string(),
        reason,
    };
    if origin == "*" || origin.eq_ignore_ascii_case("null") {
        return Err(bad("wildcards and null origins are never allowed"));
    }
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| bad("must start with http:// or https://"))?;
    if rest.is_empty() || rest.contains('/') || rest.contains('?') || rest.contains('#') {
        return Err(bad(
            "must be scheme://host[:port] with no path (no trailing slash)",
        ));
    }
    if rest
        .bytes()
        .any(|b| b.is_ascii_uppercase() || b.is_ascii_whitespace())
    {
        return Err(bad("browsers send origins in lower case without spaces"));
    }
    // The port is what follows the last ':' outside an IPv6 literal's brackets.
    let host_end = rest.rfind(']').map_or(0, |i| i + 1);
    if let Some(colon) = rest[host_end..].rfind(':') {
        let port = &rest[host_end + colon + 1..];
        let https = origin.starts_with("https://");
        if port.is_empty()
            || !port.bytes().all(|b| b.is_ascii_digit())
            || port.starts_with('0')
            || port.parse::<u16>().is_err()
        {
            return Err(bad(
                "the port must be a number from 1 to 65535 without leading zeros",
            ));
        }
        if (https && port == "443") || (!https && port == "80") {
            return Err(bad(
                "browsers never send the default port (443 for https, 80 for http): drop the \
                 port, e.g. https://emr.example.jp rather than https://emr.example.jp:443",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_accepts_loopback_forms() {
        assert_eq!(
            parse_listen("127.0.0.1:7611").unwrap(),
            "127.0.0.1:7611".parse().unwrap()
        );
        assert_eq!(
            parse_listen("localhost:8000").unwrap(),
            "127.0.0.1:8000".parse().unwrap()
        );
        assert!(parse_listen("[::1]:7611").is_ok());
    }

    #[test]
    fn listen_refuses_the_network() {
        for value in ["0.0.0.0:7611", "192.168.1.20:7611", "[::]:7611"] {
            assert!(
                matches!(parse_listen(value), Err(GatewayError::NotLoopback { .. })),
                "{value}"
            );
        }
        assert!(matches!(
            parse_listen("example.test:7611"),
            Err(GatewayError::BadListenAddress { .. })
        ));
    }

    #[test]
    fn origins_must_be_exact() {
        assert!(check_origin("http://localhost:8080").is_ok());
        assert!(check_origin("https://emr.example.jp").is_ok());
        for bad in [
            "*",
            "null",
            "localhost:8080",
            "http://localhost:8080/",
            "https://EMR.example.jp",
            "http://localhost:",
            "http://localhost:08080",
            "http://localhost:70000",
        ] {
            assert!(check_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn default_ports_are_refused_with_a_hint() {
        for bad in [
            "https://emr.example.jp:443",
            "http://emr.example.jp:80",
            "https://[::1]:443",
        ] {
            let err = check_origin(bad).unwrap_err().to_string();
            assert!(err.contains("drop the port"), "{bad}: {err}");
        }
        // The other scheme's default port is a real, explicit port.
        assert!(check_origin("https://emr.example.jp:80").is_ok());
        assert!(check_origin("http://emr.example.jp:443").is_ok());
        assert!(check_origin("http://[::1]:8080").is_ok());
        assert!(check_origin("https://[::1]").is_ok());
    }

    #[test]
    fn a_terminal_timeout_beyond_the_component_deadline_is_refused() {
        let mut config = Config::new(
            Mode::Terminal {
                dir: "share".into(),
            },
            "data",
            "1319999999",
        );
        assert!(matches!(
            config.validate(),
            Err(GatewayError::NoTrustedKeys)
        ));
        config.trusted_keys = crate::cli::load_trusted_keys(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/cli-test-issuer.jwks.json"
        )))
        .unwrap();
        config.link.timeout = Duration::from_secs(39);
        assert!(config.validate().is_ok());
        config.link.timeout = Duration::from_secs(40);
        let err = config.validate().unwrap_err();
        assert!(matches!(
            err,
            GatewayError::TimeoutTooLong {
                secs: 40,
                limit: 40
            }
        ));
        assert!(err.to_string().contains("40"), "{err}");
    }

    #[test]
    fn institution_code_is_ten_digits() {
        assert!(check_institution_code("1319999999").is_ok());
        assert!(check_institution_code("131999999").is_err());
        assert!(check_institution_code("13199999a9").is_err());
    }
}
