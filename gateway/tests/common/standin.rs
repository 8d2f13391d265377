//! An independent terminal stand-in for tests: it reads request files and writes answer
//! files with its own string handling and a hand-written XML template, never with
//! `onshi_core::oqs`, so a test built on it does not check the gateway's codec against
//! itself.
//!
//! Each request is answered at once with one person whose name and birthdate derive from
//! what was asked ([`patient_name`]), echoing the header and the search block as the real
//! terminal does. `misroute` picks requests to answer with another patient's data.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StandIn {
    /// Answers every request in `<share>/req` into `<share>/res` until dropped.
    pub fn start(share: &Path, misroute: Option<Misroute>) -> Self {
        let (req, res) = (share.join("req"), share.join("res"));
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (stop, answered) = (Arc::clone(&stop), Arc::clone(&answered));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Acquire) {
                    for name in requests_in(&req) {
                        if answer(&req, &res, &name, misroute.as_ref()) {
                            answered.fetch_add(1, Ordering::AcqRel);
                        }
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        };
        Self {
            stop,
            answered,
            thread: Some(thread),
        }
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

/// Answers one request file; `false` when it was gone or unreadable.
fn answer(req: &Path, res: &Path, name: &str, misroute: Option<&Misroute>) -> bool {
    let Ok(bytes) = std::fs::read(req.join(name)) else {
        return false;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return false;
    };
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
    if std::fs::remove_file(req.join(name)).is_err() {
        return false;
    }
    let person = misroute
        .and_then(|m| m(&asked))
        .unwrap_or_else(|| asked.clone());
    let suffix = &name["OQSsiquc01req_".len()..];
    let target: PathBuf = res.join(format!("OQSsiquc01res_{suffix}"));
    let temp = res.join(format!(".{suffix}.standin.tmp"));
    std::fs::write(&temp, answer_xml(&asked, &person)).unwrap();
    std::fs::rename(&temp, &target).unwrap();
    true
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
