//! The command line (`onshi-gateway serve …`) and its translation into a [`Config`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::config::{parse_listen, Config, Mode};
#[cfg(feature = "sim")]
use crate::config::{DEMO_ORIGINS, SIM_INSTITUTION_CODE};
use crate::error::GatewayError;
use crate::store::StoreLocation;

#[derive(Debug, Parser)]
#[command(
    name = "onshi-gateway",
    version,
    about = "Local loopback gateway to the オンライン資格確認 terminal"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API on a loopback address.
    Serve(ServeArgs),
    /// The access log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the audit log's hash chain and check its signed checkpoints; exit status
    /// 0 if intact, 1 naming the first broken row.
    Verify(AuditVerifyArgs),
}

#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    /// The gateway's data folder (holding the SQLite store); the platform's data folder
    /// for onshi-gateway when not given, as for `serve`.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The store: `sqlite` (<data-dir>/onshi.sqlite3) or the desks' PostgreSQL URL.
    #[arg(long, value_name = "URL", default_value = "sqlite")]
    pub store: String,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("terminal").required(true).args(["sim", "terminal_dir"]))]
pub struct ServeArgs {
    /// Play the terminal with the embedded simulator (in <data-dir>/sim-terminal); only in
    /// builds with the `sim` feature.
    #[arg(long)]
    pub sim: bool,
    /// The terminal's shared folder holding req/, res/ and face/.
    #[arg(long, value_name = "DIR")]
    pub terminal_dir: Option<PathBuf>,
    /// Loopback address to listen on (IP:PORT or localhost:PORT).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7611")]
    pub listen: String,
    /// An origin (scheme://host[:port]) whose pages may call the gateway; repeatable.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origin: Vec<String>,
    /// Folder for the SQLite store, taken-in and rejected files and the simulator's
    /// terminal folder; on a local disk, kept owner-only (0700). Default: the user's local
    /// data folder (~/.local/share/onshi-gateway on Linux,
    /// %LOCALAPPDATA%\onshi\onshi-gateway\data on Windows).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Where the reception queue is kept: `sqlite` (the default, <data-dir>/onshi.sqlite3,
    /// one desk) or a PostgreSQL URL (postgres://user@host:port/database) that every desk's
    /// gateway of the clinic points at.
    #[arg(long, value_name = "URL", default_value = "sqlite")]
    pub store: String,
    /// How long one qualification may wait for the terminal, 処理中 rounds included; below
    /// 40 (the browser component's own deadline).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub terminal_timeout_secs: u64,
    /// 医療機関コード (10 digits) written into requests; required with --terminal-dir.
    #[arg(long, value_name = "CODE")]
    pub institution_code: Option<String>,
    /// How long the simulated terminal takes to answer (--sim only).
    #[arg(long, value_name = "MS", default_value_t = 300)]
    pub sim_latency_ms: u64,
    /// Let the simulated face-recognition reader drop a result every N seconds (--sim
    /// only; 0 = never).
    #[arg(long, value_name = "SECS", default_value_t = 0)]
    pub sim_face_every_secs: u64,
    /// The host EMR's public issuer keys, a JWK Set file (EC P-256, ES256, each with a
    /// kid): credentials signed by one of them are accepted. Required, in --sim mode too.
    #[arg(long, value_name = "FILE")]
    pub trust_keys: Option<PathBuf>,
    /// The audience (`aud`) credentials must name.
    #[arg(long, value_name = "AUD", default_value = onshi_core::credential::DEFAULT_AUDIENCE)]
    pub audience: String,
}

impl ServeArgs {
    /// The configuration and the address to listen on.
    pub fn into_config(self) -> Result<(Config, SocketAddr), GatewayError> {
        let listen = parse_listen(&self.listen)?;
        #[cfg_attr(not(feature = "sim"), allow(unused_mut))]
        let mut origins = self.allow_origin;
        let sim_face_every =
            (self.sim_face_every_secs > 0).then(|| Duration::from_secs(self.sim_face_every_secs));
        let (mode, code) = match self.terminal_dir {
            Some(_) if !self.sim && sim_face_every.is_some() => {
                return Err(GatewayError::SimOnly {
                    option: "--sim-face-every-secs",
                })
            }
            Some(dir) if !self.sim => (
                Mode::Terminal { dir },
                self.institution_code
                    .ok_or(GatewayError::MissingInstitutionCode)?,
            ),
            #[cfg(not(feature = "sim"))]
            _ => return Err(GatewayError::NoSimulator),
            #[cfg(feature = "sim")]
            _ => {
                for demo in DEMO_ORIGINS {
                    if !origins.iter().any(|o| o == demo) {
                        origins.push(demo.to_string());
                    }
                }
                let latency = Duration::from_millis(self.sim_latency_ms);
                let code = self
                    .institution_code
                    .unwrap_or_else(|| SIM_INSTITUTION_CODE.to_string());
                (Mode::Sim { latency }, code)
            }
        };
        let data_dir = match self.data_dir {
            Some(dir) => dir,
            None => crate::data_dir::default_data_dir()?,
        };
        let mut config = Config::new(mode, data_dir, &code);
        if let Some(path) = &self.trust_keys {
            config.trusted_keys = load_trusted_keys(path)?;
        }
        config.audience = self.audience;
        config.store = StoreLocation::parse(&self.store)?;
        config.allowed_origins = origins;
        config.link.timeout = Duration::from_secs(self.terminal_timeout_secs.max(1));
        config.sim_face_every = sim_face_every;
        config.validate()?;
        Ok((config, listen))
    }
}

/// Reads a JWK Set file of issuer keys.
pub fn load_trusted_keys(path: &std::path::Path) -> Result<onshi_core::jose::KeySet, GatewayError> {
    let failed = |reason: String| GatewayError::TrustKeys {
        path: path.display().to_string(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|err| failed(err.to_string()))?;
    onshi_core::jose::KeySet::from_jwks(&bytes).map_err(|err| failed(err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A public issuer key set (no private part anywhere in the repo).
    const TRUST: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cli-test-issuer.jwks.json"
    );

    fn serve_args(args: &[&str]) -> Result<ServeArgs, clap::Error> {
        let mut argv = vec!["--trust-keys", TRUST];
        argv.extend_from_slice(args);
        serve_args_as_given(&argv)
    }

    fn serve_args_as_given(args: &[&str]) -> Result<ServeArgs, clap::Error> {
        let mut argv = vec!["onshi-gateway", "serve"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).map(|cli| match cli.command {
            Command::Serve(args) => args,
            Command::Audit(_) => unreachable!("parsed as serve"),
        })
    }

    #[cfg(feature = "sim")]
    #[test]
    fn sim_adds_the_demo_origins() {
        let (config, listen) = serve_args(&["--sim", "--allow-origin", "https://emr.example.jp"])
            .unwrap()
            .into_config()
            .unwrap();
        assert_eq!(listen, "127.0.0.1:7611".parse().unwrap());
        assert!(matches!(config.mode, Mode::Sim { .. }));
        assert_eq!(
            config.allowed_origins,
            vec![
                "https://emr.example.jp".to_string(),
                DEMO_ORIGINS[0].to_string(),
                DEMO_ORIGINS[1].to_string()
            ]
        );
        assert_eq!(
            config.terminal_dir(),
            crate::data_dir::default_data_dir()
                .unwrap()
                .join("sim-terminal")
        );
    }

    #[cfg(not(feature = "sim"))]
    #[test]
    fn a_build_without_the_simulator_refuses_sim() {
        let refused = serve_args(&["--sim"]).unwrap().into_config();
        assert!(matches!(refused, Err(GatewayError::NoSimulator)));
    }

    #[test]
    fn the_data_dir_defaults_to_the_platform_folder() {
        let args = [
            "--terminal-dir",
            "share",
            "--institution-code",
            "1319999999",
        ];
        let (config, _) = serve_args(&args).unwrap().into_config().unwrap();
        let default = crate::data_dir::default_data_dir().unwrap();
        assert_eq!(config.data_dir, default);
        assert!(default.is_absolute(), "{}", default.display());
        assert!(
            default.iter().any(|part| part == "onshi-gateway"),
            "{}",
            default.display()
        );
        let (config, _) = serve_args(&[&args[..], &["--data-dir", "here"]].concat())
            .unwrap()
            .into_config()
            .unwrap();
        assert_eq!(config.data_dir, PathBuf::from("here"));
    }

    #[test]
    fn terminal_mode_takes_no_demo_origins_and_needs_a_code() {
        let missing = serve_args(&["--terminal-dir", "share"])
            .unwrap()
            .into_config();
        assert!(matches!(missing, Err(GatewayError::MissingInstitutionCode)));
        let (config, _) = serve_args(&[
            "--terminal-dir",
            "share",
            "--institution-code",
            "1319999999",
            "--terminal-timeout-secs",
            "5",
        ])
        .unwrap()
        .into_config()
        .unwrap();
        assert!(config.allowed_origins.is_empty());
        assert_eq!(config.link.timeout, Duration::from_secs(5));
        assert_eq!(config.terminal_dir(), PathBuf::from("share"));
    }

    #[cfg(feature = "sim")]
    #[test]
    fn face_drops_are_off_by_default_and_sim_only() {
        let (config, _) = serve_args(&["--sim"]).unwrap().into_config().unwrap();
        assert_eq!(config.sim_face_every, None);
        let (config, _) = serve_args(&["--sim", "--sim-face-every-secs", "45"])
            .unwrap()
            .into_config()
            .unwrap();
        assert_eq!(config.sim_face_every, Some(Duration::from_secs(45)));
        let terminal = serve_args(&[
            "--terminal-dir",
            "share",
            "--institution-code",
            "1319999999",
            "--sim-face-every-secs",
            "45",
        ])
        .unwrap()
        .into_config();
        assert!(matches!(terminal, Err(GatewayError::SimOnly { .. })));
    }

    #[cfg(feature = "sim")]
    #[test]
    fn the_store_is_sqlite_unless_a_postgres_url_is_given() {
        let (config, _) = serve_args(&["--sim"]).unwrap().into_config().unwrap();
        assert_eq!(config.store, StoreLocation::Sqlite);
        let url = "postgres://onshi@db.clinic.example:5432/onshi";
        let (config, _) = serve_args(&["--sim", "--store", url])
            .unwrap()
            .into_config()
            .unwrap();
        assert_eq!(config.store, StoreLocation::Postgres(url.to_string()));
        let file = serve_args(&["--sim", "--store", "/srv/onshi.sqlite3"])
            .unwrap()
            .into_config();
        assert!(matches!(file, Err(GatewayError::Store(_))));
    }

    #[test]
    fn issuer_keys_are_required_and_read() {
        let (config, _) = serve_args(&["--sim", "--audience", "desk-3"])
            .unwrap()
            .into_config()
            .unwrap();
        assert_eq!(
            config.trusted_keys.kids().collect::<Vec<_>>(),
            ["cli-test-issuer"]
        );
        assert_eq!(config.audience, "desk-3");
        let none = serve_args_as_given(&["--sim"]).unwrap().into_config();
        assert!(matches!(none, Err(GatewayError::NoTrustedKeys)));
        let missing = serve_args_as_given(&["--sim", "--trust-keys", "no/such/file.json"])
            .unwrap()
            .into_config();
        assert!(matches!(missing, Err(GatewayError::TrustKeys { .. })));
    }

    #[test]
    fn exactly_one_terminal_source() {
        assert!(serve_args(&[]).is_err());
        assert!(serve_args(&["--sim", "--terminal-dir", "share"]).is_err());
    }

    #[cfg(feature = "sim")]
    #[test]
    fn bad_values_are_refused_with_reasons() {
        let wide = serve_args(&["--sim", "--listen", "0.0.0.0:7611"])
            .unwrap()
            .into_config();
        assert!(matches!(wide, Err(GatewayError::NotLoopback { .. })));
        let star = serve_args(&["--sim", "--allow-origin", "*"])
            .unwrap()
            .into_config();
        assert!(matches!(star, Err(GatewayError::BadOrigin { .. })));
        let slow = serve_args(&["--sim", "--terminal-timeout-secs", "40"])
            .unwrap()
            .into_config();
        assert!(matches!(slow, Err(GatewayError::TimeoutTooLong { .. })));
        let code = serve_args(&["--sim", "--institution-code", "12"])
            .unwrap()
            .into_config();
        assert!(matches!(code, Err(GatewayError::BadInstitutionCode { .. })));
    }
}
