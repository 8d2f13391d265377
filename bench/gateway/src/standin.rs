//! A terminal stand-in that answers every request file at once: the fastest terminal the
//! gateway could ever face, so what the gateway adds on top of it is all that varies.
//!
//! It shares no code with the gateway or with `gateway/tests/common/standin.rs`: plain
//! string handling and its own answer template.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub const REQUEST_PREFIX: &str = "OQSsiquc01req_";
pub const ANSWER_PREFIX: &str = "OQSsiquc01res_";

pub struct StandIn {
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl StandIn {
    /// Answers `<share>/req/OQSsiquc01req_*.xml` into `<share>/res/` until stopped, looking
    /// at `req/` every `poll`.
    pub fn start(share: &Path, poll: Duration) -> Self {
        let (req, res) = (share.join("req"), share.join("res"));
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let thread = {
            let (stop, answered, failed) = (stop.clone(), answered.clone(), failed.clone());
            std::thread::Builder::new()
                .name("standin".into())
                .spawn(move || {
                    while !stop.load(Ordering::Acquire) {
                        for name in requests_in(&req) {
                            match answer(&req, &res, &name) {
                                Ok(true) => answered.fetch_add(1, Ordering::AcqRel),
                                // Taken back by its sender between the listing and the read.
                                Ok(false) => 0,
                                Err(err) => {
                                    eprintln!("bench stand-in: cannot answer {name}: {err}");
                                    failed.fetch_add(1, Ordering::AcqRel)
                                }
                            };
                        }
                        std::thread::sleep(poll);
                    }
                })
                .expect("spawn the stand-in thread")
        };
        Self {
            stop,
            answered,
            failed,
            thread: Some(thread),
        }
    }

    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Acquire)
    }

    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Acquire)
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn requests_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    // Hidden temp files (the gateway's, the baseline client's, health probes) are not
    // requests yet: only the final names count.
    entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(REQUEST_PREFIX) && n.ends_with(".xml"))
        .collect()
}

/// Answers one request; `Ok(false)` when it was already gone.
fn answer(req: &Path, res: &Path, name: &str) -> io::Result<bool> {
    let path = req.join(name);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(err) => return Err(err),
    };
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("no {what}"));
    let identifier = element(&text, "ArbitraryFileIdentifier").ok_or_else(|| bad("identifier"))?;
    let institution =
        element(&text, "MedicalInstitutionCode").ok_or_else(|| bad("institution code"))?;
    let search = block(&text, "QualificationConfirmSearchInfo").ok_or_else(|| bad("search"))?;
    let field = |tag: &str| element(search, tag).unwrap_or("");
    let xml = answer_xml(
        identifier,
        institution,
        search,
        [
            field("InsurerNumber"),
            field("InsuredCardSymbol"),
            field("InsuredIdentificationNumber"),
            field("InsuredBranchNumber"),
            field("Birthdate"),
        ],
    );
    // The terminal consumes its requests; the gateway then finds req/ clean.
    match std::fs::remove_file(&path) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(false),
        other => other?,
    }
    let suffix = &name[REQUEST_PREFIX.len()..];
    let target: PathBuf = res.join(format!("{ANSWER_PREFIX}{suffix}"));
    // Whole or not at all: the reader never sees half a file, so "answers at once" holds
    // for any reader, however it polls.
    let temp = res.join(format!(".{suffix}.bench-standin.tmp"));
    std::fs::write(&temp, xml)?;
    std::fs::rename(&temp, &target)?;
    Ok(true)
}

/// The text of the first `<tag>…</tag>`.
pub fn element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(&xml[start..end])
}

/// The first `<tag>…</tag>`, tags included.
fn block<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{tag}>"))?;
    let close = format!("</{tag}>");
    let end = xml[start..].find(&close)? + start + close.len();
    Some(&xml[start..end])
}

/// A final, valid answer: one insured person, born on the birthdate asked, with the
/// request's header values and search block echoed as the terminal does.
fn answer_xml(identifier: &str, institution: &str, search: &str, keys: [&str; 5]) -> String {
    let [insurer, symbol, number, branch, birthdate] = keys;
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<XmlMsg>
  <MessageHeader>
    <ProcessExecutionTime>20261201091500</ProcessExecutionTime>
    <QualificationConfirmationDate>20261201</QualificationConfirmationDate>
    <MedicalInstitutionCode>{institution}</MedicalInstitutionCode>
    <ArbitraryFileIdentifier>{identifier}</ArbitraryFileIdentifier>
    <ReferenceClassification>2</ReferenceClassification>
    <SegmentOfResult>1</SegmentOfResult>
    <CharacterCodeIdentifier>0</CharacterCodeIdentifier>
  </MessageHeader>
  <MessageBody>
    {search}
    <ProcessingResultStatus>1</ProcessingResultStatus>
    <QualificationValidity>1</QualificationValidity>
    <ResultList>
      <ResultOfQualificationConfirmation>
        <InsuredCardClassification>01</InsuredCardClassification>
        <InsurerNumber>{insurer}</InsurerNumber>
        <InsuredCardSymbol>{symbol}</InsuredCardSymbol>
        <InsuredIdentificationNumber>{number}</InsuredIdentificationNumber>
        <InsuredBranchNumber>{branch}</InsuredBranchNumber>
        <PersonalFamilyClassification>1</PersonalFamilyClassification>
        <Name>ベンチ　患者{number}</Name>
        <Sex1>1</Sex1>
        <Birthdate>{birthdate}</Birthdate>
        <InsurerName>ベンチ健康保険組合</InsurerName>
      </ResultOfQualificationConfirmation>
    </ResultList>
  </MessageBody>
</XmlMsg>
"#
    )
}
