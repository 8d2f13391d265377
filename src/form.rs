//! The reception form as data: what was typed, what was touched, and the verdict of
//! the shared validation in `onshi_core::query` on it.

use std::collections::BTreeMap;

use onshi_core::api::{QualificationQuery, QueryMethod};
use onshi_core::codes::Lang;
use onshi_core::query::{self, FieldProblem};
use onshi_core::wareki;

/// The inputs of the form, in screen order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    InsurerNumber,
    Symbol,
    Number,
    Branch,
    Birthdate,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::InsurerNumber,
        Field::Symbol,
        Field::Number,
        Field::Branch,
        Field::Birthdate,
    ];

    /// The JSON field name of [`QualificationQuery`] (also the key of API field errors).
    pub fn key(self) -> &'static str {
        match self {
            Field::InsurerNumber => query::FIELD_INSURER_NUMBER,
            Field::Symbol => query::FIELD_SYMBOL,
            Field::Number => query::FIELD_NUMBER,
            Field::Branch => query::FIELD_BRANCH,
            Field::Birthdate => query::FIELD_BIRTHDATE,
        }
    }

    pub fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Everything typed so far. Kept across errors and cancels so nothing is retyped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FormState {
    values: [String; 5],
    touched: [bool; 5],
    /// A submit was attempted: show every problem, not only those of touched fields.
    pub submitted: bool,
    /// The receptionist confirmed the number is printed this way despite its check digit.
    pub override_check_digit: bool,
    /// Problems the gateway reported (422), until the field is edited.
    pub server_problems: BTreeMap<Field, FieldProblem>,
    /// The patient agreed to share their 限度額適用認定証 / 特定疾病療養受療証 details
    /// (sent as `limit_consent`). Off for every new patient.
    pub limit_consent: bool,
}

/// What the form would do on submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Send this (normalised) query.
    Ready(QualificationQuery),
    /// Only check digits fail: warn, and offer "send as printed".
    CheckDigitOnly,
    /// Something must be corrected first.
    Invalid,
}

/// The verdict plus the problem of each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub problems: BTreeMap<Field, FieldProblem>,
    pub verdict: Verdict,
}

impl FormState {
    pub fn value(&self, field: Field) -> &str {
        &self.values[field.index()]
    }

    pub fn is_touched(&self, field: Field) -> bool {
        self.touched[field.index()]
    }

    /// A new value for `field`. Editing a number withdraws an earlier check-digit
    /// override: it was given for the number as it was then.
    pub fn edit(&mut self, field: Field, value: String) {
        if matches!(field, Field::InsurerNumber | Field::Number) && self.value(field) != value {
            self.override_check_digit = false;
        }
        self.values[field.index()] = value;
        self.server_problems.remove(&field);
    }

    pub fn touch(&mut self, field: Field) {
        self.touched[field.index()] = true;
    }

    /// Whether the problem of `field` should be visible yet (after blur or submit).
    pub fn shows_problem(&self, field: Field) -> bool {
        self.submitted || self.is_touched(field) || self.server_problems.contains_key(&field)
    }

    /// Puts the gateway's per-field codes back on the fields; unknown field names and
    /// codes are dropped (the general error still tells the user something is wrong).
    pub fn set_server_problems(&mut self, fields: &BTreeMap<String, String>) {
        self.server_problems = fields
            .iter()
            .filter_map(|(key, code)| Some((Field::from_key(key)?, problem_from_code(code)?)))
            .collect();
        self.submitted = true;
    }

    /// The query as typed, with the birthdate in the API's `YYYY-MM-DD` when readable.
    fn raw_query(&self) -> QualificationQuery {
        let birthdate_input = self.value(Field::Birthdate);
        let birthdate = query::parse_birthdate(birthdate_input)
            .map(|d| dashed(&d))
            .unwrap_or_else(|_| birthdate_input.to_string());
        QualificationQuery {
            method: QueryMethod::InsuranceCard,
            insurer_number: self.value(Field::InsurerNumber).to_string(),
            symbol: self.value(Field::Symbol).to_string(),
            number: self.value(Field::Number).to_string(),
            branch: self.value(Field::Branch).to_string(),
            birthdate,
            override_check_digit: self.override_check_digit,
            limit_consent: self.limit_consent,
        }
    }

    /// Runs the shared validation. `today` is `yyyyMMdd`.
    pub fn assess(&self, today: &str) -> Assessment {
        let raw = self.raw_query();
        let mut problems: BTreeMap<Field, FieldProblem> = BTreeMap::new();
        let mut ready = None;
        match query::validate(&raw, today) {
            Ok(valid) => {
                ready = Some(QualificationQuery {
                    method: QueryMethod::InsuranceCard,
                    insurer_number: valid.insurer.digits().to_string(),
                    symbol: valid.symbol,
                    number: valid.number,
                    branch: valid.branch,
                    birthdate: dashed(&valid.birthdate),
                    override_check_digit: self.override_check_digit,
                    limit_consent: self.limit_consent,
                })
            }
            Err(found) => {
                for (key, problem) in found.fields {
                    if let Some(field) = Field::from_key(&key) {
                        problems.insert(field, problem);
                    }
                }
            }
        }
        // The lenient parser knows better than the strict API check why a typed date fails.
        if let Err(problem) = query::parse_birthdate(self.value(Field::Birthdate)) {
            problems.insert(Field::Birthdate, problem);
        }
        for (field, problem) in &self.server_problems {
            problems.entry(*field).or_insert(*problem);
        }
        let verdict = match ready {
            Some(query) if problems.is_empty() => Verdict::Ready(query),
            _ if problems.values().all(|p| *p == FieldProblem::CheckDigit)
                && !problems.is_empty() =>
            {
                if self.override_check_digit {
                    // Only the gateway still objects; the override is the user's answer.
                    match ready {
                        Some(query) => Verdict::Ready(query),
                        None => Verdict::CheckDigitOnly,
                    }
                } else {
                    Verdict::CheckDigitOnly
                }
            }
            _ => Verdict::Invalid,
        };
        Assessment { problems, verdict }
    }
}

/// Reads an API problem code such as `"check_digit"`.
pub fn problem_from_code(code: &str) -> Option<FieldProblem> {
    serde_json::from_value(serde_json::Value::String(code.to_string())).ok()
}

/// `yyyyMMdd` → `YYYY-MM-DD`.
fn dashed(compact: &str) -> String {
    if compact.len() == 8 && compact.is_ascii() {
        format!("{}-{}-{}", &compact[..4], &compact[4..6], &compact[6..])
    } else {
        compact.to_string()
    }
}

/// What the typed birthdate reads as, in both calendars ("1985年4月12日（昭和60年4月12日）"),
/// so a slip between 西暦 and 和暦 is caught while typing. `None` until it is a date.
pub fn birthdate_preview(input: &str, lang: Lang) -> Option<String> {
    let compact = query::parse_birthdate(input).ok()?;
    let western = wareki::format_western(&compact, lang)?;
    Some(match wareki::to_wareki(&compact) {
        Some(era) => format!("{western}（{era}）"),
        None => western,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: &str = "20261125";

    fn filled() -> FormState {
        let mut form = FormState::default();
        form.edit(Field::InsurerNumber, "01130012".into());
        form.edit(Field::Symbol, "１２３".into());
        form.edit(Field::Number, "4567".into());
        form.edit(Field::Branch, "01".into());
        form.edit(Field::Birthdate, "1985/4/12".into());
        form
    }

    #[test]
    fn a_complete_form_is_ready_with_a_normalised_query() {
        let assessment = filled().assess(TODAY);
        assert!(assessment.problems.is_empty(), "{:?}", assessment.problems);
        let Verdict::Ready(query) = assessment.verdict else {
            panic!("not ready: {:?}", assessment.verdict)
        };
        assert_eq!(query.insurer_number, "01130012");
        assert_eq!(query.symbol, "123");
        assert_eq!(query.birthdate, "1985-04-12");
        assert!(!query.override_check_digit);
        assert!(!query.limit_consent, "no consent unless the box is ticked");
    }

    #[test]
    fn the_limit_consent_tick_is_carried_in_the_query() {
        let mut form = filled();
        form.limit_consent = true;
        let Verdict::Ready(query) = form.assess(TODAY).verdict else {
            panic!("not ready")
        };
        assert!(query.limit_consent);
        let json = serde_json::to_value(&query).unwrap();
        assert_eq!(json["limit_consent"], serde_json::Value::Bool(true));
    }

    #[test]
    fn empty_required_fields_are_reported_but_optional_ones_are_not() {
        let assessment = FormState::default().assess(TODAY);
        assert_eq!(assessment.verdict, Verdict::Invalid);
        assert_eq!(
            assessment.problems.get(&Field::InsurerNumber),
            Some(&FieldProblem::Required)
        );
        assert_eq!(
            assessment.problems.get(&Field::Birthdate),
            Some(&FieldProblem::Required)
        );
        assert!(!assessment.problems.contains_key(&Field::Symbol));
        assert!(!assessment.problems.contains_key(&Field::Branch));
    }

    #[test]
    fn a_wrong_check_digit_warns_and_the_override_sends_as_printed() {
        let mut form = filled();
        form.edit(Field::InsurerNumber, "01130013".into());
        assert_eq!(form.assess(TODAY).verdict, Verdict::CheckDigitOnly);
        form.override_check_digit = true;
        let Verdict::Ready(query) = form.assess(TODAY).verdict else {
            panic!("override should make it ready")
        };
        assert_eq!(query.insurer_number, "01130013");
        assert!(query.override_check_digit);
        // Changing the number withdraws the override.
        form.edit(Field::InsurerNumber, "01130014".into());
        assert!(!form.override_check_digit);
        assert_eq!(form.assess(TODAY).verdict, Verdict::CheckDigitOnly);
    }

    #[test]
    fn a_future_or_impossible_birthdate_is_a_date_problem() {
        let mut form = filled();
        form.edit(Field::Birthdate, "2030-01-01".into());
        assert_eq!(
            form.assess(TODAY).problems.get(&Field::Birthdate),
            Some(&FieldProblem::Date)
        );
        form.edit(Field::Birthdate, "1985-02-30".into());
        assert_eq!(form.assess(TODAY).verdict, Verdict::Invalid);
    }

    #[test]
    fn problems_show_after_blur_or_submit_only() {
        let mut form = FormState::default();
        assert!(!form.shows_problem(Field::Number));
        form.touch(Field::Number);
        assert!(form.shows_problem(Field::Number));
        assert!(!form.shows_problem(Field::Birthdate));
        form.submitted = true;
        assert!(form.shows_problem(Field::Birthdate));
    }

    #[test]
    fn server_problems_map_back_until_the_field_is_edited() {
        let mut form = filled();
        let fields = BTreeMap::from([
            ("number".to_string(), "too_long".to_string()),
            ("nonsense".to_string(), "format".to_string()),
            ("branch".to_string(), "new_code".to_string()),
        ]);
        form.set_server_problems(&fields);
        assert_eq!(
            form.server_problems,
            BTreeMap::from([(Field::Number, FieldProblem::TooLong)])
        );
        let assessment = form.assess(TODAY);
        assert_eq!(assessment.verdict, Verdict::Invalid);
        assert_eq!(
            assessment.problems.get(&Field::Number),
            Some(&FieldProblem::TooLong)
        );
        form.edit(Field::Number, "4568".into());
        assert!(matches!(form.assess(TODAY).verdict, Verdict::Ready(_)));
    }

    #[test]
    fn birthdate_preview_shows_both_calendars() {
        assert_eq!(
            birthdate_preview("19850412", Lang::Ja).as_deref(),
            Some("1985年4月12日（昭和60年4月12日）")
        );
        assert_eq!(
            birthdate_preview("２０１９－０５－０１", Lang::En).as_deref(),
            Some("2019-05-01（令和元年5月1日）")
        );
        assert_eq!(birthdate_preview("1985-04", Lang::Ja), None);
    }

    #[test]
    fn field_keys_round_trip() {
        for field in Field::ALL {
            assert_eq!(Field::from_key(field.key()), Some(field));
        }
        assert_eq!(
            problem_from_code("check_digit"),
            Some(FieldProblem::CheckDigit)
        );
        assert_eq!(problem_from_code("nope"), None);
    }
}
