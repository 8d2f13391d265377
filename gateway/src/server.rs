//! Assembling and running the HTTP service.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use axum::{middleware, Router};
use onshi_core::api::GatewayMode;
use onshi_core::roles::Capability;
#[cfg(feature = "sim")]
use onshi_sim::national::NationalSide;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::access_log::log_requests;
use crate::api_error;
use crate::audit::{Auditor, CheckpointPolicy};
use crate::auth::{authenticate, require, Auth};
use crate::card_session::CardSessions;
use crate::config::{ensure_loopback, Config, Mode};
use crate::desk::heartbeat::Heartbeat;
use crate::error::GatewayError;
use crate::face_watch::{FaceFolders, FaceWatcher};
use crate::keys::GatewayKey;
use crate::limits::{limit_requests, CappedListener, RequestLimits};
use crate::reception::Reception;
use crate::routes::audit::audit_log;
use crate::routes::card_sessions::{
    cancel_session, enter_pin, get_session, start_session, visual_check,
};
use crate::routes::consents::{give_consent, list_consents, withdraw_consent};
use crate::routes::events::{events, issue_ticket, reception_queue};
use crate::routes::health::health;
use crate::routes::keys::keys;
use crate::routes::qualifications::{check_qualification, queue_place};
#[cfg(feature = "sim")]
use crate::routes::sim_cards::{insert_card, list_cards, remove_card};
#[cfg(feature = "sim")]
use crate::routes::sim_faces::drop_face_result;
use crate::security::{guard, SecurityPolicy};
#[cfg(feature = "sim")]
use crate::sim::{EmbeddedSim, SimFaces};
#[cfg(feature = "sim")]
use crate::sim_cards::SimCards;
use crate::store::spawn_prober;
use crate::terminal_link::{Admissions, LinkLimits, TerminalLink};

/// How often the audit log is asked whether a time-based checkpoint is due.
const AUDIT_CHECKPOINT_TICK: Duration = Duration::from_secs(60);

/// What handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    pub mode: GatewayMode,
    pub institution_code: Arc<str>,
    pub link: Arc<TerminalLink>,
    pub reception: Arc<Reception>,
    /// The simulated face reader; `Some` in `--sim` mode only, which is also what
    /// registers `POST /v1/sim/face-results`.
    #[cfg(feature = "sim")]
    pub sim_faces: Option<Arc<SimFaces>>,
    /// Card sessions on PC/SC readers; `None` with `--terminal-dir` (no national side to
    /// send a card authentication to: the routes answer 503).
    pub card_sessions: Option<CardSessions>,
    /// The virtual cards; `Some` in `--sim` mode only, which registers `/v1/sim/cards…`.
    #[cfg(feature = "sim")]
    pub sim_cards: Option<Arc<SimCards>>,
    pub sse_keep_alive: Duration,
    /// One permit per open `GET /v1/events` stream ([`crate::limits::stream_slot`]).
    pub event_streams: Arc<Semaphore>,
    /// This desk's heartbeat: which other desks share the terminal folder.
    pub desks: Arc<Heartbeat>,
    /// Trusted issuer keys and event-stream tickets.
    pub auth: Arc<Auth>,
    /// The access log every patient-data access is written to first; holds the desk's
    /// signing key (`GET /v1/keys`, answer tokens).
    pub audit: Arc<Auditor>,
    /// The clock of consents (`Config::clock`).
    pub clock: crate::clock::Clock,
    /// `Config::consent_session_max_age`.
    pub consent_session_max_age: Duration,
}

/// The API with its security, limits and logging layers, for a gateway listening on `port`.
pub fn app(
    state: AppState,
    policy: SecurityPolicy,
    limits: RequestLimits,
    max_body_bytes: usize,
) -> Router {
    // Each group names the capability of the role table (onshi_core::roles) it needs; the
    // event stream decides inside what each caller may see.
    let needs = |capability| {
        middleware::from_fn_with_state((capability, Arc::clone(&state.audit)), require)
    };
    let qualify = Router::new()
        .route("/v1/qualifications", post(check_qualification))
        .route("/v1/qualifications/queue/{reference}", get(queue_place))
        .route_layer(needs(Capability::Qualify));
    let queue = Router::new()
        .route("/v1/reception-queue", get(reception_queue))
        .route_layer(needs(Capability::ReceptionQueue));
    let cards = Router::new()
        .route("/v1/card-sessions", post(start_session))
        .route(
            "/v1/card-sessions/{id}",
            get(get_session).delete(cancel_session),
        )
        .route("/v1/card-sessions/{id}/pin", post(enter_pin))
        .route("/v1/card-sessions/{id}/visual-check", post(visual_check))
        .route_layer(needs(Capability::CardSession));
    let consents = Router::new()
        .route("/v1/consents", post(give_consent).get(list_consents))
        .route("/v1/consents/{id}", delete(withdraw_consent))
        .route_layer(needs(Capability::Consent));
    let keys_and_log = Router::new()
        .route("/v1/keys", get(keys))
        .route_layer(needs(Capability::GatewayKeys))
        .merge(
            Router::new()
                .route("/v1/audit", get(audit_log))
                .route_layer(needs(Capability::AuditLog)),
        );
    #[cfg_attr(not(feature = "sim"), allow(unused_mut))]
    let mut router = Router::new()
        .route("/v1/health", get(health))
        .route("/v1/events", get(events))
        .route("/v1/event-tickets", post(issue_ticket))
        .merge(qualify)
        .merge(queue)
        .merge(cards)
        .merge(consents)
        .merge(keys_and_log);
    #[cfg(feature = "sim")]
    if state.sim_faces.is_some() {
        router = router.route("/v1/sim/face-results", post(drop_face_result));
    }
    #[cfg(feature = "sim")]
    if state.sim_cards.is_some() {
        router = router
            .route("/v1/sim/cards", get(list_cards))
            .route("/v1/sim/cards/{id}/insert", post(insert_card))
            .route("/v1/sim/cards/remove", post(remove_card));
    }
    let auth = Arc::clone(&state.auth);
    router
        .fallback(api_error::not_found)
        .method_not_allowed_fallback(api_error::method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(state)
        .layer(middleware::from_fn_with_state(
            Arc::new(limits),
            limit_requests,
        ))
        // Inside the Origin/Host guard, so preflights and foreign pages are answered first.
        .layer(middleware::from_fn_with_state(auth, authenticate))
        .layer(middleware::from_fn_with_state(Arc::new(policy), guard))
        .layer(middleware::from_fn(log_requests))
}

/// A gateway bound to its listener and ready to serve.
///
/// ```no_run
/// # async fn demo(config: onshi_gateway::Config) -> Result<(), onshi_gateway::GatewayError> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let gateway = onshi_gateway::Gateway::bind(config, listener).await?;
/// println!("{}", gateway.url());
/// gateway.run(std::future::pending()).await
/// # }
/// ```
pub struct Gateway {
    router: Router,
    listener: TcpListener,
    addr: SocketAddr,
    max_connections: usize,
    #[cfg(feature = "sim")]
    sim: Option<EmbeddedSim>,
    reception: Arc<Reception>,
    watcher: FaceWatcher,
    /// `--sim-face-every-secs`: the simulated reader and its pace.
    #[cfg(feature = "sim")]
    face_ticker: Option<(Arc<SimFaces>, Duration)>,
    card_sessions: Option<CardSessions>,
    #[cfg(feature = "sim")]
    sim_cards: Option<Arc<SimCards>>,
    link: Arc<TerminalLink>,
    heartbeat: Arc<Heartbeat>,
    audit: Arc<Auditor>,
}

impl Gateway {
    /// Checks the configuration, prepares the folders and (in sim mode) starts the
    /// simulated terminal. Refuses a listener that is not on loopback.
    pub async fn bind(config: Config, listener: TcpListener) -> Result<Self, GatewayError> {
        let addr = listener.local_addr().map_err(|source| GatewayError::Bind {
            addr: "the given listener".to_string(),
            source,
        })?;
        ensure_loopback(addr)?;
        config.validate()?;
        crate::data_dir::prepare(
            &config.data_dir,
            &[config.rejected_dir(), config.face_archive_dir()],
        )?;
        let reception = Arc::new(Reception::open(&config.store, &config.data_dir).await?);
        let terminal_dir = config.terminal_dir();
        let (mode, sim) = match &config.mode {
            #[cfg(feature = "sim")]
            Mode::Sim { latency } => (
                GatewayMode::Sim,
                Some(EmbeddedSim::start(
                    &terminal_dir,
                    *latency,
                    &config.institution_code,
                )?),
            ),
            Mode::Terminal { .. } => (GatewayMode::Terminal, None::<Simulator>),
        };
        let desk_id = crate::desk::load_or_create(&config.data_dir)?;
        // The desk's own key signs its answers and the audit log's checkpoints.
        let key = GatewayKey::load_or_create(&config.data_dir)?;
        let audit = Arc::new(Auditor::new(
            Arc::clone(reception.store()),
            &desk_id,
            key,
            CheckpointPolicy::default(),
        ));
        // The terminal's sessions are counted in the store, so every desk sharing it shares
        // the count.
        let admissions: Admissions = Arc::clone(reception.store()) as _;
        let link = Arc::new(
            TerminalLink::new(
                &terminal_dir,
                &config.rejected_dir(),
                &desk_id,
                config.link,
                LinkLimits {
                    max_sessions: config.max_concurrent_exchanges,
                    max_waiting: config.max_waiting_exchanges,
                },
            )
            .with_clinic_admission(admissions),
        );
        let heartbeat = Arc::new(Heartbeat::new(
            &terminal_dir,
            &desk_id,
            reception.store().identity(),
            config.heartbeat_interval,
        ));
        #[cfg(feature = "sim")]
        let sim_faces = sim.as_ref().map(EmbeddedSim::faces);
        let watcher = FaceWatcher::new(
            FaceFolders {
                face: terminal_dir.join("face"),
                archive: config.face_archive_dir(),
                rejected: config.rejected_dir(),
            },
            config.face_poll_interval,
            Arc::clone(&reception),
        )
        .storing_consents_as(&desk_id);
        #[cfg(feature = "sim")]
        let face_ticker = sim_faces
            .clone()
            .zip(config.sim_face_every.filter(|every| !every.is_zero()));
        #[cfg(feature = "sim")]
        let (card_sessions, sim_cards) = match &sim {
            Some(sim) => {
                let national = Arc::new(NationalSide::new(
                    sim.population(),
                    &config.institution_code,
                    challenge_seed()?,
                ));
                let sessions =
                    CardSessions::new(national, Arc::clone(&reception), config.card_sessions);
                let cards = SimCards::new(sim.population(), config.sim_vpcd_port)
                    .map_err(|err| GatewayError::SimCards(err.to_string()))?;
                (Some(sessions), Some(Arc::new(cards)))
            }
            None => (None, None),
        };
        // No national side without the simulator: card sessions answer 503.
        #[cfg(not(feature = "sim"))]
        let card_sessions = sim.map(|never| match never {});
        let state = AppState {
            mode,
            institution_code: config.institution_code.as_str().into(),
            link: Arc::clone(&link),
            reception: Arc::clone(&reception),
            #[cfg(feature = "sim")]
            sim_faces,
            card_sessions: card_sessions.clone(),
            #[cfg(feature = "sim")]
            sim_cards: sim_cards.clone(),
            sse_keep_alive: config.sse_keep_alive,
            event_streams: Arc::new(Semaphore::new(config.max_event_streams.max(1))),
            desks: Arc::clone(&heartbeat),
            auth: Arc::new(Auth::new(
                config.trusted_keys.clone(),
                &config.audience,
                Arc::clone(&audit),
            )),
            audit: Arc::clone(&audit),
            clock: config.clock.clone(),
            consent_session_max_age: config.consent_session_max_age,
        };
        let policy = SecurityPolicy::new(addr.port(), config.allowed_origins.iter().cloned());
        let limits = RequestLimits::new(config.request_timeout, config.max_in_flight);
        Ok(Self {
            router: app(state, policy, limits, config.max_body_bytes),
            listener,
            addr,
            max_connections: config.max_connections,
            #[cfg(feature = "sim")]
            sim,
            reception,
            watcher,
            #[cfg(feature = "sim")]
            face_ticker,
            card_sessions,
            #[cfg(feature = "sim")]
            sim_cards,
            link,
            heartbeat,
            audit,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (or `http://[::1]:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Watches `face/` and serves until `shutdown` completes, then ends the event streams,
    /// lets open requests finish and stops the watcher.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), GatewayError> {
        self.link.reclaim_leftovers().await;
        let watcher = self.watcher.spawn();
        let sweeper = self.link.spawn_sweeper(self.reception.closing());
        let heartbeat = self.heartbeat.spawn(self.reception.closing());
        // Checkpoints on time even when no access comes (the row count rule needs none).
        let checkpoints = self.audit.spawn_checkpoints(AUDIT_CHECKPOINT_TICK);
        let prober = spawn_prober(Arc::clone(self.reception.store()), self.reception.closing());
        #[cfg(feature = "sim")]
        let ticker = self
            .face_ticker
            .map(|(faces, every)| faces.spawn_ticker(every, self.reception.closing()));
        let reception = Arc::clone(&self.reception);
        // SSE responses never end by themselves; without this the server would wait for
        // every open reception screen before shutting down.
        let shutdown = async move {
            shutdown.await;
            reception.close();
        };
        let listener = CappedListener::new(self.listener, self.max_connections);
        let result = axum::serve(listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(GatewayError::Serve);
        self.reception.close();
        if let Some(sessions) = &self.card_sessions {
            sessions.shutdown();
        }
        #[cfg(feature = "sim")]
        if let Some(cards) = &self.sim_cards {
            let _ = cards.remove().await;
        }
        let _ = watcher.await;
        let _ = sweeper.await;
        let _ = heartbeat.await;
        checkpoints.abort();
        let _ = prober.await;
        #[cfg(feature = "sim")]
        if let Some(ticker) = ticker {
            let _ = ticker.await;
        }
        #[cfg(feature = "sim")]
        if let Some(sim) = self.sim {
            sim.stop().await;
        }
        result
    }
}

/// What `--sim` runs; nothing in a build without the simulator.
#[cfg(feature = "sim")]
type Simulator = EmbeddedSim;
#[cfg(not(feature = "sim"))]
enum Simulator {}

/// OS randomness for the simulated national side's challenges.
#[cfg(feature = "sim")]
fn challenge_seed() -> Result<[u8; 32], GatewayError> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|err| GatewayError::SimCards(err.to_string()))?;
    Ok(seed)
}

/// [`Gateway::bind`] then [`Gateway::run`].
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), GatewayError> {
    Gateway::bind(config, listener).await?.run(shutdown).await
}
