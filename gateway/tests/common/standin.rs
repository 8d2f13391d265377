//! An independent terminal stand-in for tests: it reads request files and writes answer
//! files with its own string handling and a hand-written XML template, never with
//! `onshi_core::oqs`, so a test built on it does not check the gateway's codec against
//! itself.
//!
//! Each request is answered (at once, or after a set delay, as a busy terminal would) with
//! one person whose name and birthdate derive from
//! what was asked ([`patient_name`]), echoing the header and the search block as the real
//! terminal does. `misroute` picks requests to answer with another patient's data.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The synthetic patient name the stand-in returns for 番号 `number`.
pub fn patient_name(number: &str) -> String {
    format!("試験　患者{number}")
}

/// What the stand-in answers for one request, from the fields it read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub file_identifier: String,
    pub institution_code: String,
    pub insurer_number: String,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    pub birthdate: String,
}

/// Replaces the person answered for a request (a misplaced answer); `None` answers
/// faithfully.
pub type Misroute = Arc<dyn Fn(&Asked) -> Option<Asked> + Send + Sync>;

pub struct StandIn {
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
    max_outstanding: Arc<AtomicUsize>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StandIn {
    /// Answers every request in `<share>/req` into `<share>/res` at once, until dropped.
    pub fn start(share: &Path, misroute: Option<Misroute>) -> Self {
        Self::start_with(share, misroute, Duration::ZERO)
    }

    /// Like [`Self::start`], each answer written `delay` after the request was taken.
    pub fn start_with(share: &Path, misroute: Option<Misroute>, delay: Duration) -> Self {
        let (req, res) = (share.join("req"), share.join("res"));
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicUsize::new(0));
        let max_outstanding = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (stop, answered, max_outstanding) = (
                Arc::clone(&stop),
                Arc::clone(&answered),
                Arc::clone(&max_outstanding),
            );
            std::thread::spawn(move || {
                // Taken requests and when their answers are due.
                let mut taken: Vec<(Instant, String, Asked)> = Vec::new();
                while !stop.load(Ordering::Acquire) {
                    for name in requests_in(&req) {
                        if let Some(asked) = take(&req, &name) {
                            taken.push((Instant::now() + delay, name, asked));
                        }
                    }
                    max_outstanding.fetch_max(taken.len(), Ordering::AcqRel);
                    let now = Instant::now();
                    let (due, later): (Vec<_>, Vec<_>) =
                        taken.drain(..).partition(|(at, _, _)| *at <= now);
                    taken = later;
                    for (_, name, asked) in due {
                        answer(&res, &name, &asked, misroute.as_ref());
                        answered.fetch_add(1, Ordering::AcqRel);
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        };
        Self {
            stop,
            answered,
            max_outstanding,
            thread: Some(thread),
        }
    }

    /// The most requests the stand-in held at once (taken, not yet answered): what the
    /// terminal's session limit is about.
    pub fn max_outstanding(&self) -> usize {
        self.max_outstanding.load(Ordering::Acquire)
    }

    /// Requests answered so far.
    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::Acquire)
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
    entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("OQSsiquc01req_") && n.ends_with(".xml"))
        .collect()
}

/// Reads and removes one request file; `None` when it was gone or unreadable.
fn take(req: &Path, name: &str) -> Option<Asked> {
    let text = String::from_utf8(std::fs::read(req.join(name)).ok()?).ok()?;
    let field = |tag: &str| element(&text, tag).unwrap_or_default();
    let asked = Asked {
        file_identifier: field("ArbitraryFileIdentifier"),
        institution_code: field("MedicalInstitutionCode"),
        insurer_number: field("InsurerNumber"),
        symbol: field("InsuredCardSymbol"),
        number: field("InsuredIdentificationNumber"),
        branch: field("InsuredBranchNumber"),
        birthdate: field("Birthdate"),
    };
    std::fs::remove_file(req.join(name)).ok()?;
    Some(asked)
}

/// Writes the answer to the request file `name` (atomically: temp name, then rename).
fn answer(res: &Path, name: &str, asked: &Asked, misroute: Option<&Misroute>) {
    let person = misroute
        .and_then(|m| m(asked))
        .unwrap_or_else(|| asked.clone());
    let suffix = &name["OQSsiquc01req_".len()..];
    let target: PathBuf = res.join(format!("OQSsiquc01res_{suffix}"));
    let temp = res.join(format!(".{suffix}.standin.tmp"));
    std::fs::write(&temp, answer_xml(asked, &person)).unwrap();
    std::fs::rename(&temp, &target).unwrap();
}

/// The text of the first `<tag>…</tag>`.
fn element(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].to_string())
}

/// A completed, valid answer for `person`, with the header of `asked`'s request.
fn answer_xml(asked: &Asked, person: &Asked) -> String {
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
    <QualificationConfirmSearchInfo>
      <InsurerNumber>{insurer}</InsurerNumber>
      <InsuredCardSymbol>{symbol}</InsuredCardSymbol>
      <InsuredIdentificationNumber>{number}</InsuredIdentificationNumber>
      <InsuredBranchNumber>{branch}</InsuredBranchNumber>
      <Birthdate>{birthdate}</Birthdate>
    </QualificationConfirmSearchInfo>
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
        <Name>{name}</Name>
        <Sex1>2</Sex1>
        <Birthdate>{birthdate}</Birthdate>
        <InsurerName>試験健康保険組合</InsurerName>
      </ResultOfQualificationConfirmation>
    </ResultList>
  </MessageBody>
</XmlMsg>
"#,
        institution = asked.institution_code,
        identifier = asked.file_identifier,
        insurer = person.insurer_number,
        symbol = person.symbol,
        number = person.number,
        branch = person.branch,
        birthdate = person.birthdate,
        name = patient_name(&person.number),
    )
}
