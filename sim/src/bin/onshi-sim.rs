//! `onshi-sim`: the simulator on the command line.
//!
//! `onshi-sim patients [--json]` lists the sample patients; `onshi-sim terminal --dir DIR`
//! plays the 資格確認端末 on a folder so the gateway's `--terminal-dir` mode can run
//! against it; `onshi-sim face --dir DIR [--count N]` drops face-recognition reader results
//! into DIR/face, as if patients had just confirmed at the reader.
//! `onshi-sim gen-cards --out DIR` writes the virtual cards' keys and certificates;
//! `onshi-sim card --card ID [--port 35963]` puts one into pcscd's vpcd reader.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use unicode_width::UnicodeWidthStr;

use onshi_sim::face::drop_face_result;
use onshi_sim::{FaceReader, Population, SamplePatient, SimTerminal, TerminalConfig};

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
    /// Write face-recognition reader results into DIR/face and print their file names.
    Face {
        /// Shared root folder; face/ is created in it.
        #[arg(long)]
        dir: PathBuf,
        /// How many results to write.
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// Seed of the synthetic population and of the patient sequence.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// 医療機関コード written into the results.
        #[arg(long, default_value = "1319999999")]
        institution_code: String,
    },
    /// Generate the virtual cards' keys and certificates (the sim/fixtures/cards files).
    GenCards {
        /// Folder to write into.
        #[arg(long)]
        out: PathBuf,
        /// Seed of the key generator; the committed fixtures use the default.
        #[arg(long, default_value_t = onshi_sim::card::generate::FIXTURE_SEED)]
        seed: u64,
    },
    /// Insert a virtual My Number Card into pcscd's vpcd reader until Ctrl-C.
    Card {
        /// Card id (see sim/fixtures/cards/index.json), e.g. card-01, blocked, android.
        #[arg(long)]
        card: String,
        /// vpcd port: 35963 is "Virtual PCD 00 00", 35964 "Virtual PCD 00 01".
        #[arg(long, default_value_t = onshi_sim::vpcd::DEFAULT_PORT)]
        port: u16,
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
        Command::Face {
            dir,
            count,
            seed,
            institution_code,
        } => face(dir, count, seed, &institution_code),
        Command::GenCards { out, seed } => gen_cards(out, seed),
        Command::Card { card, port } => card_in_reader(&card, port),
    }
}

fn face(dir: PathBuf, count: u32, seed: u64, institution_code: &str) -> ExitCode {
    let face_dir = dir.join("face");
    if let Err(error) = std::fs::create_dir_all(&face_dir) {
        eprintln!("onshi-sim: cannot create {}: {error}", face_dir.display());
        return ExitCode::FAILURE;
    }
    let population = Arc::new(Population::generate(seed));
    let mut reader = FaceReader::new(population, seed, institution_code);
    let mut seq = 0;
    for _ in 0..count {
        match drop_face_result(&face_dir, &mut reader, &mut seq) {
            Ok(name) => println!("{name}"),
            Err(error) => {
                eprintln!("onshi-sim: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
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

fn gen_cards(out: PathBuf, seed: u64) -> ExitCode {
    match onshi_sim::card::generate::write_fixtures(&out, seed) {
        Ok(paths) => {
            for path in paths {
                println!("{}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("onshi-sim: {error}");
            ExitCode::FAILURE
        }
    }
}

fn card_in_reader(id: &str, port: u16) -> ExitCode {
    use onshi_sim::card::VirtualCard;
    use onshi_sim::vpcd;

    let card = match VirtualCard::open(id) {
        Ok(card) => Arc::new(std::sync::Mutex::new(card)),
        Err(error) => {
            eprintln!("onshi-sim: {error}");
            return ExitCode::FAILURE;
        }
    };
    let (interrupted, wait) = mpsc::channel();
    if let Err(error) = ctrlc::set_handler(move || {
        let _ = interrupted.send(());
    }) {
        eprintln!("onshi-sim: cannot catch Ctrl-C: {error}");
        return ExitCode::FAILURE;
    }
    let inserted = match vpcd::insert(card, vpcd::local(port)) {
        Ok(inserted) => inserted,
        Err(error) => {
            eprintln!("onshi-sim: {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(card = id, addr = %inserted.addr(), "virtual card inserted; Ctrl-C removes it");
    // Poll so that pcscd going away ends the command too, not only Ctrl-C.
    let mut interrupted = false;
    while inserted.is_connected() && !interrupted {
        interrupted = wait.recv_timeout(Duration::from_millis(200)).is_ok();
    }
    match inserted.remove() {
        Ok(()) if interrupted => {
            tracing::info!("virtual card removed");
            ExitCode::SUCCESS
        }
        Ok(()) => {
            eprintln!("onshi-sim: pcscd closed the virtual reader's connection");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("onshi-sim: {error}");
            ExitCode::FAILURE
        }
    }
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
