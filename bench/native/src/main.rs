//! Native micro timings for `npm run bench` (bench/run.mjs runs the release build and
//! reads the one JSON line it prints). Built with the root's shipping release profile
//! (opt-level "z", LTO), i.e. what the gateway runs.
//!
//! - `parse_response` on the sample terminal answer vs quick-xml's raw event iteration
//!   over the same bytes (baseline: the cost of only reading the XML);
//! - `query::validate` on a full-width typed query (NFKC, check digit, birthdate).

use std::hint::black_box;
use std::time::Instant;

use onshi_core::api::{QualificationQuery, QueryMethod};
use quick_xml::events::Event;
use quick_xml::Reader;

const RESPONSE: &[u8] =
    include_bytes!("../../../core/tests/fixtures/OQSsiquc01res_20261125_0001.xml");
const ROUNDS: usize = 21;
const ROUND_NS: u128 = 20_000_000; // ~20 ms per round

fn raw_events(bytes: &[u8], buf: &mut Vec<u8>) -> usize {
    let mut reader = Reader::from_reader(bytes);
    let mut n = 0;
    loop {
        buf.clear();
        match reader.read_event_into(buf) {
            Ok(Event::Eof) => return n,
            Ok(e) => {
                black_box(&e);
                n += 1;
            }
            Err(e) => panic!("sample XML: {e}"),
        }
    }
}

/// Iterations per round so one round takes about `ROUND_NS`.
fn calibrate(f: &mut dyn FnMut()) -> u64 {
    let mut iters = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..iters {
            f();
        }
        let ns = t.elapsed().as_nanos();
        if ns >= ROUND_NS / 4 {
            return ((iters as u128 * ROUND_NS) / ns.max(1)).max(1) as u64;
        }
        iters *= 2;
    }
}

fn round(iters: u64, f: &mut dyn FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    t.elapsed().as_nanos() as f64 / iters as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Alternates rounds of `a` and `b`; median ns/op of each.
fn pair(a: &mut dyn FnMut(), b: &mut dyn FnMut()) -> (f64, f64) {
    let (ia, ib) = (calibrate(a), calibrate(b));
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        ta.push(round(ia, a));
        tb.push(round(ib, b));
    }
    (median(ta), median(tb))
}

fn main() {
    // Sanity: both sides really read the file.
    let parsed = onshi_core::oqs::parse_response(RESPONSE).expect("sample response parses");
    black_box(&parsed);
    let mut buf = Vec::with_capacity(256);
    let events = raw_events(RESPONSE, &mut buf);

    let (parse_ns, raw_ns) = pair(
        &mut || {
            black_box(onshi_core::oqs::parse_response(black_box(RESPONSE)).unwrap());
        },
        &mut || {
            black_box(raw_events(black_box(RESPONSE), &mut buf));
        },
    );

    let query = QualificationQuery {
        method: QueryMethod::InsuranceCard,
        insurer_number: "01130012".into(),
        symbol: "１２－３４".into(),
        number: "５６７８".into(),
        branch: "01".into(),
        birthdate: "1978-02-14".into(),
        override_check_digit: false,
        limit_consent: false,
    };
    onshi_core::query::validate(&query, "20261125").expect("sample query is valid");
    let mut validate = || {
        black_box(onshi_core::query::validate(black_box(&query), black_box("20261125")).ok());
    };
    let iters = calibrate(&mut validate);
    let validate_ns = median((0..ROUNDS).map(|_| round(iters, &mut validate)).collect());

    println!(
        "{{\"response_bytes\":{},\"xml_events\":{},\"parse_response_ns\":{:.0},\"quick_xml_events_ns\":{:.0},\"validate_ns\":{:.0},\"rounds\":{}}}",
        RESPONSE.len(),
        events,
        parse_ns,
        raw_ns,
        validate_ns,
        ROUNDS
    );
}
