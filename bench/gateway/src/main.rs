//! The `gateway-overhead` lines of `npm run bench` (bench/run.mjs starts the gateways, runs
//! this and reads the one JSON line it prints on stdout; progress goes to stderr).
//!
//! ```text
//! onshi-bench-gateway --share DIR [--gateway 127.0.0.1:PORT]... [--rate 200] [--count 2000]
//!     [--warmup 200] [--baseline-count 1000] [--poll-ms 50] [--standin-poll-ms 1]
//! ```
//!
//! With a stand-in terminal on `DIR` that answers every request at once, in this order:
//!
//! 1. `baseline_fine`: a client writes request files straight into `req/` (temp + rename)
//!    and looks for the answer every millisecond: the stand-in's bare round trip;
//! 2. `baseline_poll`: the same, but watching `res/` exactly as the gateway does (sleep
//!    `--poll-ms`, stat, read once size and time stamp are the same on two polls): the
//!    quickest any client bound to that watching rule could answer;
//! 3. `gateway`: `POST /v1/qualifications` through the gateways, alternating between them.
//!
//! All three are open-loop at `--rate` requests/s: request i is due at start + i/rate, and
//! its latency counts from when it was due, so a client (or gateway) that falls behind
//! shows up in the figures instead of quietly lowering the rate. Any failed request makes
//! the run exit with status 1 after the JSON line.

mod http;
mod standin;

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use standin::{StandIn, ANSWER_PREFIX, REQUEST_PREFIX};

/// A synthetic clinic, the one the bench's gateways are started with.
const INSTITUTION_CODE: &str = "1319999999";
/// Far above any latency seen here, far below the gateway's own terminal timeout: a request
/// that takes this long is an error, not a slow sample.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Enough threads that requests never wait for a free one at 200/s and ~100 ms each (≈20
/// in flight); a backlog would still show, as lag.
const WORKERS: usize = 64;

struct Options {
    share: PathBuf,
    gateways: Vec<SocketAddr>,
    rate: f64,
    count: usize,
    warmup: usize,
    baseline_count: usize,
    poll: Duration,
    standin_poll: Duration,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        share: PathBuf::new(),
        gateways: Vec::new(),
        rate: 200.0,
        count: 2000,
        warmup: 200,
        baseline_count: 1000,
        poll: Duration::from_millis(50),
        standin_poll: Duration::from_millis(1),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|_| format!("{flag}: {v}?"));
        match flag.as_str() {
            "--share" => options.share = PathBuf::from(value()?),
            "--gateway" => {
                let v = value()?;
                let addr: SocketAddr = v.parse().map_err(|_| format!("--gateway {v}?"))?;
                // Loopback only: this sends synthetic load, never anywhere else.
                if !addr.ip().is_loopback() {
                    return Err(format!("--gateway {v}: not a loopback address"));
                }
                options.gateways.push(addr);
            }
            "--rate" => options.rate = number(value()?)? as f64,
            "--count" => options.count = number(value()?)? as usize,
            "--warmup" => options.warmup = number(value()?)? as usize,
            "--baseline-count" => options.baseline_count = number(value()?)? as usize,
            "--poll-ms" => options.poll = Duration::from_millis(number(value()?)?),
            "--standin-poll-ms" => options.standin_poll = Duration::from_millis(number(value()?)?),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if options.share.as_os_str().is_empty() {
        return Err("--share DIR is required".into());
    }
    if options.rate <= 0.0 || options.count == 0 {
        return Err("--rate and --count must be above 0".into());
    }
    Ok(options)
}

/// One request's fate.
struct Outcome {
    /// From when it was due to when its answer was complete.
    latency: Duration,
    /// From when it was due to when a worker started it (the client's own delay).
    lag: Duration,
    result: Result<(), String>,
}

/// Runs `op(state, i)` for i in 0..count, request i due at start + i/rate, on `WORKERS`
/// threads that each keep their own `state` (connections).
fn open_loop<S>(
    count: usize,
    rate: f64,
    init: &(dyn Fn() -> S + Sync),
    op: &(dyn Fn(&mut S, usize) -> Result<(), String> + Sync),
) -> Vec<Outcome> {
    let (tx, rx) = mpsc::channel::<(usize, Instant)>();
    let rx = Mutex::new(rx);
    let outcomes = Mutex::new(Vec::with_capacity(count));
    std::thread::scope(|scope| {
        for _ in 0..WORKERS.min(count) {
            scope.spawn(|| {
                let mut state = init();
                loop {
                    let job = rx.lock().unwrap().recv();
                    let Ok((i, due)) = job else { return };
                    let started = Instant::now();
                    let result = op(&mut state, i);
                    let outcome = Outcome {
                        latency: due.elapsed(),
                        lag: started.saturating_duration_since(due),
                        result,
                    };
                    outcomes.lock().unwrap().push(outcome);
                }
            });
        }
        let start = Instant::now() + Duration::from_millis(20);
        for i in 0..count {
            let due = start + Duration::from_secs_f64(i as f64 / rate);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
            tx.send((i, due)).expect("workers outlive the dispatcher");
        }
        drop(tx);
    });
    outcomes.into_inner().unwrap()
}

struct Summary {
    count: usize,
    errors: usize,
    error_kinds: BTreeMap<String, usize>,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    p99_lag_ms: f64,
    max_lag_ms: f64,
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn summarize(outcomes: &[Outcome]) -> Summary {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut latencies: Vec<f64> = outcomes.iter().map(|o| ms(o.latency)).collect();
    latencies.sort_by(f64::total_cmp);
    let mut lags: Vec<f64> = outcomes.iter().map(|o| ms(o.lag)).collect();
    lags.sort_by(f64::total_cmp);
    let mut error_kinds = BTreeMap::new();
    for o in outcomes {
        if let Err(kind) = &o.result {
            *error_kinds.entry(kind.clone()).or_insert(0) += 1;
        }
    }
    Summary {
        count: outcomes.len(),
        errors: error_kinds.values().sum(),
        error_kinds,
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
        max_ms: latencies.last().copied().unwrap_or(0.0),
        p99_lag_ms: percentile(&lags, 0.99),
        max_lag_ms: lags.last().copied().unwrap_or(0.0),
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Summary {
    fn json(&self) -> String {
        let kinds: Vec<String> = self
            .error_kinds
            .iter()
            .map(|(k, n)| format!("{}:{n}", json_string(k)))
            .collect();
        format!(
            "{{\"count\":{},\"errors\":{},\"error_kinds\":{{{}}},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"max_ms\":{:.3},\"p99_lag_ms\":{:.3},\"max_lag_ms\":{:.3}}}",
            self.count,
            self.errors,
            kinds.join(","),
            self.p50_ms,
            self.p99_ms,
            self.max_ms,
            self.p99_lag_ms,
            self.max_lag_ms
        )
    }
}

// ---------------------------------------------------------------------------------------
// Baseline: straight into the terminal folders

/// The request the gateway would write for this query, same elements and order.
fn request_xml(identifier: &str, number: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<XmlMsg><MessageHeader><QualificationConfirmationDate>20261201</QualificationConfirmationDate><MedicalInstitutionCode>{INSTITUTION_CODE}</MedicalInstitutionCode><ArbitraryFileIdentifier>{identifier}</ArbitraryFileIdentifier></MessageHeader><MessageBody><QualificationConfirmSearchInfo><InsurerNumber>06139999</InsurerNumber><InsuredCardSymbol>1234</InsuredCardSymbol><InsuredIdentificationNumber>{number}</InsuredIdentificationNumber><InsuredBranchNumber>01</InsuredBranchNumber><Birthdate>19800102</Birthdate><LimitApplicationCertificateRelatedConsFlg>0</LimitApplicationCertificateRelatedConsFlg></QualificationConfirmSearchInfo></MessageBody></XmlMsg>
"#
    )
}

/// How the baseline client watches `res/`.
#[derive(Clone, Copy)]
enum Watch {
    /// Read as soon as the file is there (the stand-in writes whole files by rename).
    Fine(Duration),
    /// The gateway's rule: sleep, stat, read once two polls in a row saw the same size
    /// and time stamp.
    LikeGateway(Duration),
}

/// Writes one request straight into `req/` and waits for its answer.
fn direct_exchange(
    share: &Path,
    identifier: &str,
    number: &str,
    watch: Watch,
) -> Result<(), String> {
    let req = share.join("req");
    let temp = req.join(format!(".{identifier}.bench-client.tmp"));
    // No fsync, unlike the gateway: durability of the request file is the gateway's own
    // choice (security.md §5), so it belongs to what is measured, not to the baseline.
    std::fs::write(&temp, request_xml(identifier, number)).map_err(|e| format!("write: {e}"))?;
    std::fs::rename(&temp, req.join(format!("{REQUEST_PREFIX}{identifier}.xml")))
        .map_err(|e| format!("rename: {e}"))?;
    let answer = share
        .join("res")
        .join(format!("{ANSWER_PREFIX}{identifier}.xml"));
    let deadline = Instant::now() + REQUEST_TIMEOUT;
    let mut last: Option<(u64, Option<SystemTime>)> = None;
    let text = loop {
        if Instant::now() >= deadline {
            return Err("timeout".into());
        }
        match watch {
            Watch::Fine(poll) => {
                std::thread::sleep(poll);
                match std::fs::read_to_string(&answer) {
                    Ok(text) => break text,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(format!("read: {e}")),
                }
            }
            Watch::LikeGateway(poll) => {
                std::thread::sleep(poll);
                let meta = match std::fs::metadata(&answer) {
                    Ok(meta) => meta,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        last = None;
                        continue;
                    }
                    Err(e) => return Err(format!("stat: {e}")),
                };
                let seen = (meta.len(), meta.modified().ok());
                if last != Some(seen) {
                    last = Some(seen);
                    continue;
                }
                match std::fs::read_to_string(&answer) {
                    Ok(text) if text.len() as u64 == seen.0 => break text,
                    Ok(_) => last = None,
                    Err(e) => return Err(format!("read: {e}")),
                }
            }
        }
    };
    // Like the gateway: the answer is checked before it counts, then removed.
    let ok = standin::element(&text, "ArbitraryFileIdentifier") == Some(identifier);
    let _ = std::fs::remove_file(&answer);
    if ok {
        Ok(())
    } else {
        Err("answer names another request".into())
    }
}

fn baseline(options: &Options, name: &str, watch: Watch) -> Summary {
    eprintln!(
        "bench gateway: {name}: {} direct requests",
        options.baseline_count
    );
    let share = options.share.as_path();
    let outcomes = open_loop(options.baseline_count, options.rate, &|| (), &|_, i| {
        direct_exchange(
            share,
            &format!("bench_{name}_{i:05}"),
            &format!("{}", 2_000_000 + i),
            watch,
        )
    });
    summarize(&outcomes)
}

// ---------------------------------------------------------------------------------------
// Through the gateways

fn query_json(number: &str) -> String {
    format!(
        r#"{{"method":"insurance_card","insurer_number":"06139999","symbol":"1234","number":"{number}","branch":"01","birthdate":"1980-01-02","override_check_digit":true}}"#
    )
}

fn through_gateways(options: &Options, count: usize, first_number: usize) -> Vec<Outcome> {
    let gateways = &options.gateways;
    let init = || -> Vec<http::Connection> {
        gateways.iter().map(|&a| http::Connection::new(a)).collect()
    };
    open_loop(count, options.rate, &init, &|connections, i| {
        // Alternating: each desk gets every other request, so each sees rate/2.
        let connection = &mut connections[i % gateways.len()];
        let number = format!("{}", first_number + i);
        let response = connection
            .post_json("/v1/qualifications", &query_json(&number), REQUEST_TIMEOUT)
            .map_err(|e| format!("io {:?}", e.kind()))?;
        if response.status != 200 {
            // The error code only: messages carry request-specific file names.
            let code = response
                .body
                .split("\"code\":\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or("?");
            return Err(format!("HTTP {} {code}", response.status));
        }
        // The answer of this very request, not a neighbour's.
        if !response.body.contains(&format!("\"{number}\"")) {
            return Err("200 with another patient's answer".into());
        }
        Ok(())
    })
}

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| entries.count())
}

fn main() {
    let options = match parse_args() {
        Ok(options) => options,
        Err(err) => {
            eprintln!("onshi-bench-gateway: {err}");
            std::process::exit(2);
        }
    };
    for dir in ["req", "res", "face"] {
        std::fs::create_dir_all(options.share.join(dir)).expect("create the share's folders");
    }
    let standin = StandIn::start(&options.share, options.standin_poll);

    let fine = baseline(&options, "baseline_fine", Watch::Fine(options.standin_poll));
    let poll = baseline(&options, "baseline_poll", Watch::LikeGateway(options.poll));
    let mut sent = 2 * options.baseline_count;

    let (warmup, gateway) = if options.gateways.is_empty() {
        (None, None)
    } else {
        eprintln!(
            "bench gateway: {} warm-up + {} requests over {} gateways",
            options.warmup,
            options.count,
            options.gateways.len()
        );
        let warmup = summarize(&through_gateways(&options, options.warmup, 1_000_000));
        let measured = summarize(&through_gateways(&options, options.count, 3_000_000));
        sent += options.warmup + options.count;
        (Some(warmup), Some(measured))
    };

    let answered = standin.answered();
    let standin_failed = standin.failed();
    drop(standin);
    let leftovers = files_in(&options.share.join("req")) + files_in(&options.share.join("res"));

    let or_null = |s: &Option<Summary>| s.as_ref().map_or("null".to_string(), Summary::json);
    println!(
        "{{\"rate\":{},\"gateways\":{},\"poll_ms\":{},\"standin_poll_ms\":{},\"baseline_fine\":{},\"baseline_poll\":{},\"warmup\":{},\"gateway\":{},\"sent\":{sent},\"standin_answered\":{answered},\"standin_failed\":{standin_failed},\"leftover_files\":{leftovers}}}",
        options.rate,
        options.gateways.len(),
        options.poll.as_millis(),
        options.standin_poll.as_millis(),
        fine.json(),
        poll.json(),
        or_null(&warmup),
        or_null(&gateway),
    );

    let errors = [Some(&fine), Some(&poll), warmup.as_ref(), gateway.as_ref()]
        .into_iter()
        .flatten()
        .map(|s| s.errors)
        .sum::<usize>();
    if errors > 0 || standin_failed > 0 || answered != sent as u64 || leftovers > 0 {
        eprintln!(
            "onshi-bench-gateway: FAILED: {errors} failed requests, {standin_failed} stand-in failures, \
             {answered} of {sent} requests answered, {leftovers} files left in req/ and res/"
        );
        std::process::exit(1);
    }
}
