//! `onshi-sim`: the simulator on the command line.
//!
//! `onshi-sim patients [--json]` lists the sample patients; `onshi-sim terminal --dir DIR`
//! plays the 資格確認端末 on a folder so the gateway's `--terminal-dir` mode can run
//! against it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use unicode_width::UnicodeWidthStr;

use onshi_sim::{Population, SamplePatient, SimTerminal, TerminalConfig};

#[derive(Parser)]
#[command(
    name = "onshi-sim",
    version,
    about = "Simulated qualification terminal and population"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the sample patients (query fields and expected outcome).
    Patients {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Answer request files in DIR/req with response files in DIR/res until Ctrl-C.
    Terminal {
        /// Shared root folder; req/, res/ and face/ are created in it.
        #[arg(long)]
        dir: PathBuf,
        /// Time from picking up a request to writing its answer.
        #[arg(long, default_value_t = 300)]
        latency_ms: u64,
        /// Seed of the synthetic population.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Patients { json } => patients(json),
        Command::Terminal {
            dir,
            latency_ms,
            seed,
        } => terminal(dir, latency_ms, seed),
    }
}

fn patients(json: bool) -> ExitCode {
    let samples = Population::samples();
    if json {
        match serde_json::to_string_pretty(&samples) {
            Ok(text) => println!("{text}"),
            Err(error) => {
                eprintln!("onshi-sim: cannot write JSON: {error}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{}", table(&samples));
    }
    ExitCode::SUCCESS
}

/// Columns padded by display width: a kanji takes two cells, half-width kana one.
fn table(samples: &[SamplePatient]) -> String {
    let header = [
        "key",
        "insurer",
        "symbol",
        "number",
        "branch",
        "birthdate",
        "expected",
        "name",
    ];
    let rows: Vec<[String; 8]> = samples
        .iter()
        .map(|s| {
            [
                s.key.clone(),
                s.insurer_number.clone(),
                s.symbol.clone(),
                s.number.clone(),
                s.branch.clone(),
                s.birthdate.clone(),
                s.expected.clone(),
                format!("{} ({})", s.label_ja, s.name.as_deref().unwrap_or("-")),
            ]
        })
        .collect();
    let mut widths = header.map(UnicodeWidthStr::width);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let mut out = String::new();
    let header = header.map(str::to_string);
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| pad(cell, width))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn terminal(dir: PathBuf, latency_ms: u64, seed: u64) -> ExitCode {
    let population = Arc::new(Population::generate(seed));
    let config = TerminalConfig {
        latency: Duration::from_millis(latency_ms),
        ..TerminalConfig::default()
    };
    let (interrupted, wait) = mpsc::channel();
    if let Err(error) = ctrlc::set_handler(move || {
        let _ = interrupted.send(());
    }) {
        eprintln!("onshi-sim: cannot catch Ctrl-C: {error}");
        return ExitCode::FAILURE;
    }
    let handle = match SimTerminal::start(&dir, population.clone(), config) {
        Ok(handle) => handle,
        Err(error) => {
            eprintln!(
                "onshi-sim: cannot start the terminal on {}: {error}",
                dir.display()
            );
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        dir = %dir.display(),
        people = population.len(),
        latency_ms,
        "simulated terminal running; Ctrl-C stops it"
    );
    let _ = wait.recv();
    drop(handle);
    tracing::info!("simulated terminal stopped");
    ExitCode::SUCCESS
}

/// `text` padded with spaces to `width` terminal cells.
fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_columns_line_up_by_display_width() {
        let samples = onshi_sim::Population::samples_on(onshi_sim::clock::date(2026, 11, 25));
        let text = table(&samples);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), samples.len() + 1);
        // The "expected" column starts at the same cell on every line, kanji or not.
        let cell = |line: &str, text: &str| line[..line.find(text).unwrap()].width();
        assert_eq!(cell(lines[0], "expected"), cell(lines[1], "valid"));
        assert!(lines.iter().any(|l| l.contains("見本　太郎")));
    }
}
