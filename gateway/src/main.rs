//! `onshi-gateway serve …` and `onshi-gateway audit verify`; see the library docs for what
//! they do.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use onshi_gateway::cli::{Cli, Command, ServeArgs};
use onshi_gateway::{Gateway, GatewayError};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("onshi-gateway: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match cli.command {
        Command::Serve(args) => runtime.block_on(run(args)).map(|()| ExitCode::SUCCESS),
        Command::Audit(command) => runtime.block_on(onshi_gateway::audit::run_command(command)),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("onshi-gateway: {err}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: ServeArgs) -> Result<(), GatewayError> {
    let (config, listen) = args.into_config()?;
    let mode = if matches!(config.mode, onshi_gateway::Mode::Terminal { .. }) {
        "terminal"
    } else {
        "sim"
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| GatewayError::Bind {
            addr: listen.to_string(),
            source,
        })?;
    let gateway = Gateway::bind(config, listener).await?;
    // Scripts wait for this exact line.
    println!("onshi-gateway listening on {} (mode {mode})", gateway.url());
    let _ = std::io::stdout().flush();
    gateway.run(shutdown_signal()).await
}

/// Ctrl-C, or SIGTERM from a service manager.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
