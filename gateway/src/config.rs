//! What a running gateway is configured with, independent of how it was started
//! (command line, tests, scripts).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::GatewayError;
use crate::terminal_link::LinkTimings;

/// Data folder used when `--data-dir` is not given, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = ".onshi-data";
/// Origins of the demo pages (`npm start`), allowed in `--sim` mode only.
pub const DEMO_ORIGINS: [&str; 2] = ["http://127.0.0.1:8080", "http://localhost:8080"];
/// The real terminal accepts this many sessions at once.
pub const DEFAULT_MAX_EXCHANGES: usize = 20;
/// A query is a few hundred bytes; anything much larger is not one.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;
/// 医療機関コード written into requests in `--sim` mode when none is given (synthetic).
pub const SIM_INSTITUTION_CODE: &str = "1319999999";
/// SSE keep-alive comment interval: under the idle timeouts of proxies and of browsers
/// (which give up on a silent EventSource after about 45 s in some versions).
pub const DEFAULT_SSE_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Where qualification requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The embedded simulator plays the terminal in `<data_dir>/sim-terminal`.
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
    /// Holds `rejected/` (unreadable terminal answers) and, in sim mode, the sim terminal.
    pub data_dir: PathBuf,
    /// 10 digits, written into every request.
    pub institution_code: String,
    pub link: LinkTimings,
    pub max_concurrent_exchanges: usize,
    pub max_body_bytes: usize,
    /// How often `face/` is polled.
    pub face_poll_interval: Duration,
    /// `--sim` only: the simulated reader drops a face result this often (`None`: never).
    pub sim_face_every: Option<Duration>,
    pub sse_keep_alive: Duration,
}

impl Config {
    /// Defaults for `mode`; origins empty.
    pub fn new(mode: Mode, data_dir: impl Into<PathBuf>, institution_code: &str) -> Self {
        Self {
            mode,
            allowed_origins: Vec::new(),
            data_dir: data_dir.into(),
            institution_code: institution_code.to_string(),
            link: LinkTimings::default(),
            max_concurrent_exchanges: DEFAULT_MAX_EXCHANGES,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            face_poll_interval: crate::face_watch::DEFAULT_FACE_POLL,
            sim_face_every: None,
            sse_keep_alive: DEFAULT_SSE_KEEP_ALIVE,
        }
    }

    /// The folder holding `req/`, `res/` and `face/`.
    pub fn terminal_dir(&self) -> PathBuf {
        match &self.mode {
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

    /// Checks what the type system cannot: code shape and origin syntax.
    pub fn validate(&self) -> Result<(), GatewayError> {
        check_institution_code(&self.institution_code)?;
        for origin in &self.allowed_origins {
            check_origin(origin)?;
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
    Ok(())
}

/// Creates `path` (and parents) with a typed error naming it.
pub fn ensure_folder(path: &Path) -> Result<(), GatewayError> {
    std::fs::create_dir_all(path).map_err(|source| GatewayError::Folder {
        path: path.to_path_buf(),
        source,
    })
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
        ] {
            assert!(check_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn institution_code_is_ten_digits() {
        assert!(check_institution_code("1319999999").is_ok());
        assert!(check_institution_code("131999999").is_err());
        assert!(check_institution_code("13199999a9").is_err());
    }
}
