//! The simulated terminal that `--sim` runs inside the gateway process, including the
//! face-recognition reader that drops results into its `face/` folder.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use onshi_core::qualification::QualificationResponse;
use onshi_sim::face::drop_face_result;
use onshi_sim::national;
use onshi_sim::{FaceReader, Population, SimTerminal, SimTerminalHandle, TerminalConfig};
use thiserror::Error;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use tracing::{info, warn};

use crate::card_session::national::{Challenge, NationalError, NationalSide};
use crate::error::GatewayError;
use crate::reception::closed;

/// Fixed so the demo's sample patients are the same on every start.
pub const SIM_SEED: u64 = 1;

/// Runs until [`EmbeddedSim::stop`] (or drop).
pub struct EmbeddedSim {
    handle: SimTerminalHandle,
    faces: Arc<SimFaces>,
    population: Arc<Population>,
}

impl EmbeddedSim {
    pub fn start(
        terminal_dir: &Path,
        latency: Duration,
        institution_code: &str,
    ) -> Result<Self, GatewayError> {
        let err = |source| GatewayError::Simulator {
            path: PathBuf::from(terminal_dir),
            source,
        };
        // Inside the data folder, and like it owner-only: the simulated answers name
        // (synthetic) patients.
        crate::data_dir::ensure_private_folder(terminal_dir).map_err(err)?;
        let config = TerminalConfig {
            latency,
            institution_code: institution_code.to_string(),
            ..TerminalConfig::default()
        };
        let population = Arc::new(Population::generate(SIM_SEED));
        let faces = Arc::new(SimFaces {
            face_dir: terminal_dir.join("face"),
            reader: Mutex::new((
                FaceReader::new(Arc::clone(&population), SIM_SEED, institution_code),
                0,
            )),
        });
        let handle =
            SimTerminal::start(terminal_dir, Arc::clone(&population), config).map_err(err)?;
        Ok(Self {
            handle,
            faces,
            population,
        })
    }

    /// The simulated face-recognition reader.
    pub fn faces(&self) -> Arc<SimFaces> {
        Arc::clone(&self.faces)
    }

    /// The simulated population (the national side's and the virtual cards' holders).
    pub fn population(&self) -> Arc<Population> {
        Arc::clone(&self.population)
    }

    /// Stopping joins the simulator's thread, which must not happen on a runtime worker.
    pub async fn stop(self) {
        let handle = self.handle;
        let _ = tokio::task::spawn_blocking(move || drop(handle)).await;
    }
}

#[derive(Debug, Error)]
pub enum SimFaceError {
    #[error("the simulated reader could not write its result: {0}")]
    Write(#[from] onshi_sim::TerminalError),
    #[error("the simulated reader is unusable: {0}")]
    Worker(String),
}

/// The simulated 顔認証付きカードリーダー: each call is one patient confirming.
#[derive(Debug)]
pub struct SimFaces {
    face_dir: PathBuf,
    /// The patient sequence and the file counter.
    reader: Mutex<(FaceReader, u64)>,
}

impl SimFaces {
    /// Drops the next patient's result into `face/` and returns its file name.
    pub async fn drop_one(self: &Arc<Self>) -> Result<String, SimFaceError> {
        let faces = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut guard = faces
                .reader
                .lock()
                .map_err(|_| SimFaceError::Worker("an earlier drop panicked".to_string()))?;
            let (reader, seq) = &mut *guard;
            Ok(drop_face_result(&faces.face_dir, reader, seq)?)
        })
        .await
        .map_err(|err| SimFaceError::Worker(err.to_string()))?
    }

    /// Drops a result every `every` until `closing` turns true (the demo's steady trickle
    /// of patients at the reader).
    pub fn spawn_ticker(
        self: &Arc<Self>,
        every: Duration,
        mut closing: tokio::sync::watch::Receiver<bool>,
    ) -> JoinHandle<()> {
        let faces = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
            // The first tick is immediate; the demo starts with an empty reader.
            tick.tick().await;
            loop {
                tokio::select! {
                    () = closed(&mut closing) => break,
                    _ = tick.tick() => match faces.drop_one().await {
                        Ok(file) => info!(%file, "simulated reader dropped a face result"),
                        Err(err) => warn!("simulated reader: {err}"),
                    },
                }
            }
        })
    }
}

/// The simulated national side behind card sessions, at the current time.
impl NationalSide for national::NationalSide {
    fn issue_challenge(&self) -> Challenge {
        national::NationalSide::issue_challenge(self)
    }

    fn withdraw(&self, challenge_id: u64) {
        national::NationalSide::withdraw(self, challenge_id);
    }

    fn authenticate(
        &self,
        challenge_id: u64,
        certificate_der: &[u8],
        signature: &[u8],
    ) -> Result<QualificationResponse, NationalError> {
        national::NationalSide::authenticate(
            self,
            challenge_id,
            certificate_der,
            signature,
            SystemTime::now(),
            onshi_sim::clock::now_jst(),
        )
        .map(|confirmation| confirmation.response)
    }

    fn confirm_certificate(
        &self,
        certificate_der: &[u8],
    ) -> Result<QualificationResponse, NationalError> {
        national::NationalSide::confirm_certificate(
            self,
            certificate_der,
            SystemTime::now(),
            onshi_sim::clock::now_jst(),
        )
        .map(|confirmation| confirmation.response)
    }
}
