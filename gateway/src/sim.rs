//! The simulated terminal that `--sim` runs inside the gateway process.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use onshi_sim::{Population, SimTerminal, SimTerminalHandle, TerminalConfig};

use crate::error::GatewayError;

/// Fixed so the demo's sample patients are the same on every start.
pub const SIM_SEED: u64 = 1;

/// Runs until [`EmbeddedSim::stop`] (or drop).
pub struct EmbeddedSim {
    handle: SimTerminalHandle,
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
        std::fs::create_dir_all(terminal_dir).map_err(err)?;
        let config = TerminalConfig {
            latency,
            institution_code: institution_code.to_string(),
            ..TerminalConfig::default()
        };
        let population = Arc::new(Population::generate(SIM_SEED));
        let handle = SimTerminal::start(terminal_dir, population, config).map_err(err)?;
        Ok(Self { handle })
    }

    /// Stopping joins the simulator's thread, which must not happen on a runtime worker.
    pub async fn stop(self) {
        let handle = self.handle;
        let _ = tokio::task::spawn_blocking(move || drop(handle)).await;
    }
}
