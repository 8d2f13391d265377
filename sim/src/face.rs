//! What the 顔認証付きカードリーダー leaves in the terminal's `face/` folder: after a
//! patient confirms with their My Number Card and answers the consent screens, the
//! terminal writes the 資格確認 result (ReferenceClassification 1) there, unasked.
//!
//! [`FaceReader`] plays the patients walking up to the reader: a deterministic sequence of
//! people from the [`Population`], each with the consents a patient typically gives.
//! Building results needs no files or threads (it works on wasm32); writing them into a
//! folder is [`drop_face_result`] (feature `terminal`).
//!
//! File names: the real face files' names are not documented publicly (oqs-interface.md
//! §2 only says they arrive in `face/`). The simulator uses
//! `OQSsiquc01res_face_<yyyyMMddHHmmss>_<nnnn>.xml`: the 資格確認 answer prefix, because
//! the content is that answer, plus a marker and a time stamp so names sort by arrival.
//! Readers must not depend on this pattern.

use std::sync::Arc;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::PrimitiveDateTime;

use onshi_core::codes::PrescriptionIssueSelect;
use onshi_core::qualification::{QualificationRecord, QualificationResponse};

use crate::answer::{card_confirmation, ConsentAnswers};
use crate::clock::ymdhms;
use crate::population::Population;

/// Start of every face result file name the simulator writes.
pub const FACE_FILE_PREFIX: &str = "OQSsiquc01res_face_";

/// Chance that a patient consents, per category. 薬剤 and 特定健診 are shown by default
/// and most patients accept; 診療 and 手術 are off by default in many clinics and, when
/// shown, accepted less often (oqs-interface.md §3).
const P_MEDICATIONS: f64 = 0.85;
const P_CHECKUPS: f64 = 0.8;
const P_DIAGNOSES: f64 = 0.3;
const P_OPERATIONS: f64 = 0.2;
/// 限度額 / 特定疾病 information is asked for separately; most patients allow it.
const P_LIMIT: f64 = 0.7;
/// 電子処方箋 against paper: roughly even while the rollout goes on.
const P_ELECTRONIC_PRESCRIPTION: f64 = 0.5;

/// Patients confirming at the face-recognition reader, one after the other.
///
/// The same population, seed and times give the same results.
#[derive(Debug, Clone)]
pub struct FaceReader {
    population: Arc<Population>,
    rng: ChaCha8Rng,
    institution_code: String,
}

impl FaceReader {
    pub fn new(population: Arc<Population>, seed: u64, institution_code: &str) -> Self {
        Self {
            population,
            rng: ChaCha8Rng::seed_from_u64(seed),
            institution_code: institution_code.to_string(),
        }
    }

    /// The result for the next patient, confirmed at `now` (Japan time).
    ///
    /// An empty population (never built by [`Population::generate`]) gives a result with
    /// validity 4 and no record, which is what the terminal would say.
    pub fn next_result(&mut self, now: PrimitiveDateTime) -> QualificationResponse {
        let person = self.population.people().choose(&mut self.rng).cloned();
        let prescription = if self.rng.gen_bool(P_ELECTRONIC_PRESCRIPTION) {
            PrescriptionIssueSelect::Electronic
        } else {
            PrescriptionIssueSelect::Paper
        };
        let (validity, results) = match person {
            Some(person) => {
                let record = self.with_consents(person.record, now);
                (person.validity, vec![record])
            }
            None => (
                onshi_core::codes::QualificationValidity::NotFound,
                Vec::new(),
            ),
        };
        card_confirmation(
            &self.institution_code,
            now,
            validity,
            Some(prescription),
            results,
        )
    }

    /// The patient's answers on the reader's consent screens applied to their record.
    fn with_consents(
        &mut self,
        record: QualificationRecord,
        now: PrimitiveDateTime,
    ) -> QualificationRecord {
        let answers = ConsentAnswers {
            medications: self.rng.gen_bool(P_MEDICATIONS),
            checkups: self.rng.gen_bool(P_CHECKUPS),
            diagnoses: self.rng.gen_bool(P_DIAGNOSES),
            operations: self.rng.gen_bool(P_OPERATIONS),
            // Without consent the national side leaves the certificates out (see answer.rs).
            limit: self.rng.gen_bool(P_LIMIT),
        };
        answers.apply(record, now)
    }
}

/// `OQSsiquc01res_face_<yyyyMMddHHmmss>_<nnnn>.xml`.
pub fn face_file_name(at: PrimitiveDateTime, n: u64) -> String {
    format!("{FACE_FILE_PREFIX}{}_{n:04}.xml", ymdhms(at))
}

#[cfg(feature = "terminal")]
pub use drop::drop_face_result;

#[cfg(feature = "terminal")]
mod drop {
    use std::path::Path;

    use onshi_core::oqs::{write_response, XmlEncoding};

    use super::{face_file_name, FaceReader};
    use crate::clock::now_jst;
    use crate::terminal::{write_atomically, TerminalError};

    /// Writes the next patient's result into `face_dir` (temp file, then rename, so a
    /// watcher never reads half a file) and returns the file's name.
    ///
    /// `seq` numbers the files; it is advanced past names already taken in the folder.
    pub fn drop_face_result(
        face_dir: &Path,
        reader: &mut FaceReader,
        seq: &mut u64,
    ) -> Result<String, TerminalError> {
        let now = now_jst();
        let bytes = write_response(&reader.next_result(now), XmlEncoding::Utf8)?;
        let name = loop {
            *seq += 1;
            let name = face_file_name(now, *seq);
            if !face_dir.join(&name).exists() {
                break name;
            }
        };
        write_atomically(face_dir, &name, &bytes)?;
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::date;
    use onshi_core::codes::{ConsentFlag, ReferenceClassification, SegmentOfResult};
    use onshi_core::oqs::{parse_response, write_response, XmlEncoding};
    use time::Time;

    fn now() -> PrimitiveDateTime {
        PrimitiveDateTime::new(date(2026, 11, 25), Time::from_hms(8, 30, 11).unwrap())
    }

    fn reader(seed: u64) -> FaceReader {
        let population = Arc::new(Population::generate_on(1, date(2026, 11, 25)));
        FaceReader::new(population, seed, "1319999999")
    }

    #[test]
    fn same_seed_gives_the_same_patients() {
        let (mut a, mut b) = (reader(7), reader(7));
        for _ in 0..5 {
            assert_eq!(a.next_result(now()), b.next_result(now()));
        }
        let mut c = reader(8);
        let names = |r: &mut FaceReader| -> Vec<Option<String>> {
            (0..5)
                .map(|_| r.next_result(now()).results[0].person.name.clone())
                .collect()
        };
        assert_ne!(names(&mut reader(7)), names(&mut c));
    }

    #[test]
    fn result_is_a_my_number_card_answer_with_24_hour_consents() {
        let response = reader(3).next_result(now());
        assert_eq!(
            response.header.reference_classification,
            Some(ReferenceClassification::MyNumberCard)
        );
        assert_eq!(
            response.header.segment_of_result,
            Some(SegmentOfResult::Completed)
        );
        assert!(response.header.arbitrary_file_identifier.is_none());
        assert!(response.prescription_issue_select.is_some());
        let record = &response.results[0];
        let consents = &record.viewing_consents;
        for consent in [
            &consents.medications,
            &consents.checkups,
            &consents.diagnoses,
            &consents.operations,
        ] {
            let consent = consent.as_ref().expect("every category is asked");
            match consent.flag {
                Some(ConsentFlag::Given) => {
                    assert_eq!(consent.consent_time.as_deref(), Some("20261125083011"));
                    assert_eq!(consent.available_time.as_deref(), Some("20261126083011"));
                }
                Some(ConsentFlag::NotGiven) => {
                    assert!(consent.consent_time.is_none() && consent.available_time.is_none());
                }
                ref other => panic!("unexpected flag {other:?}"),
            }
        }
        assert!(record.limit.consent.is_some());
    }

    #[test]
    fn medications_and_checkups_are_mostly_given_diagnoses_and_operations_sometimes() {
        let mut reader = reader(11);
        let mut given = [0u32; 4];
        let rounds = 400;
        for _ in 0..rounds {
            let response = reader.next_result(now());
            let c = &response.results[0].viewing_consents;
            for (count, consent) in
                given
                    .iter_mut()
                    .zip([&c.medications, &c.checkups, &c.diagnoses, &c.operations])
            {
                if consent.as_ref().and_then(|c| c.flag.as_ref()) == Some(&ConsentFlag::Given) {
                    *count += 1;
                }
            }
        }
        let share = |n: u32| f64::from(n) / f64::from(rounds);
        assert!(share(given[0]) > 0.7, "medications {given:?}");
        assert!(share(given[1]) > 0.65, "checkups {given:?}");
        assert!((0.1..0.5).contains(&share(given[2])), "diagnoses {given:?}");
        assert!(
            (0.05..0.4).contains(&share(given[3])),
            "operations {given:?}"
        );
    }

    #[test]
    fn refused_limit_consent_hides_the_certificates() {
        let mut reader = reader(5);
        let mut seen_refusal = false;
        for _ in 0..200 {
            let response = reader.next_result(now());
            let record = &response.results[0];
            if record.limit.consent == Some(ConsentFlag::NotGiven) {
                seen_refusal = true;
                assert!(record.limit.certificate.is_none());
                assert!(record.specific_diseases.certificates.is_empty());
                assert!(record.limit.consent_time.is_none());
            }
        }
        assert!(seen_refusal);
    }

    #[test]
    fn written_file_reads_back_equal() {
        let response = reader(2).next_result(now());
        let bytes = write_response(&response, XmlEncoding::Utf8).unwrap();
        assert_eq!(parse_response(&bytes).unwrap(), response);
    }

    #[test]
    fn file_names_sort_by_time_and_number() {
        assert_eq!(
            face_file_name(now(), 7),
            "OQSsiquc01res_face_20261125083011_0007.xml"
        );
        assert!(face_file_name(now(), 2) < face_file_name(now(), 10));
    }
}
