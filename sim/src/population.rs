//! The synthetic population the simulated national system knows.
//!
//! Generation is deterministic for a seed and a "today": ages, 負担割合 and certificate
//! windows are worked out relative to that day, so the population stays plausible
//! whenever it is built. The curated sample people are always part of it.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::Date;

use onshi_core::card_number;
use onshi_core::codes::{
    LimitCategory, PersonalFamily, ReasonOfLoss, Sex, SpecificDiseaseCategory,
};
use onshi_core::insurer::InsurerNumber;
use onshi_core::oqs::request::QualificationRequest;

use crate::clock::{add_days, add_years, date, today_jst};
use crate::config::Behaviour;
use crate::insurers::{self, with_check_digit, Insurer, InsurerKind};
use crate::names;
use crate::person::{Draft, Loss, SimPerson};
use crate::samples::{self, SamplePatient};

/// Households are added until at least this many people exist.
pub const MIN_PEOPLE: usize = 1_200;

/// The people the simulated national system knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Population {
    seed: u64,
    today: Date,
    people: Vec<SimPerson>,
}

impl Population {
    /// The population for `seed`, built around today's date in Japan.
    pub fn generate(seed: u64) -> Self {
        Self::generate_on(seed, today_jst())
    }

    /// The population for `seed`, built around `today`; the same inputs give the same people.
    pub fn generate_on(seed: u64, today: Date) -> Self {
        let mut drafts = samples::sample_drafts(today);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut generator = Generator {
            today,
            next_number: 1_001,
        };
        while drafts.len() < MIN_PEOPLE {
            drafts.extend(generator.household(&mut rng));
        }
        let people = drafts
            .into_iter()
            .zip(1u32..)
            .map(|(draft, id)| draft.build(id, today))
            .collect();
        Self {
            seed,
            today,
            people,
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The day the population was built around.
    pub fn today(&self) -> Date {
        self.today
    }

    pub fn people(&self) -> &[SimPerson] {
        &self.people
    }

    pub fn len(&self) -> usize {
        self.people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// The people a request is about: the national side's matching, as far as the
    /// simulator plays it.
    ///
    /// - 保険者番号: the same number as core reads it (width, the space-padded wire form and
    ///   a zero-padded 国保 number all denote the same insurer);
    /// - 記号 and 番号: [`card_number::equivalent`] (NFKC, dashes, trimming, leading zeros);
    /// - 枝番: equal; an empty 枝番 in the request matches any, because older cards have
    ///   none printed and the national side then tells people apart by the other fields;
    /// - 生年月日: equal.
    ///
    /// Usually one person; several when only the 枝番 would have told them apart (family
    /// members sharing 記号・番号 and a birthdate), which answers validity 5 (複数該当).
    pub fn matches(&self, request: &QualificationRequest) -> Vec<&SimPerson> {
        let insurer = insurer_key(&request.insurer_number);
        let branch = card_number::normalize(&request.branch);
        let birthdate = card_number::normalize(&request.birthdate);
        self.people
            .iter()
            .filter(|person| {
                insurer_key(person.insurer_number()) == insurer
                    && card_number::equivalent(person.symbol(), &request.symbol)
                    && card_number::equivalent(person.number(), &request.number)
                    && (branch.is_empty() || card_number::normalize(person.branch()) == branch)
                    && card_number::normalize(person.birthdate()) == birthdate
            })
            .collect()
    }

    /// The one person a request is about; `None` when nobody or several match (see
    /// [`Self::matches`]).
    pub fn find(&self, request: &QualificationRequest) -> Option<&SimPerson> {
        match self.matches(request).as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// The curated sample patients for today's date in Japan.
    pub fn samples() -> Vec<SamplePatient> {
        samples::sample_patients(today_jst())
    }

    /// The curated sample patients as of `today`.
    pub fn samples_on(today: Date) -> Vec<SamplePatient> {
        samples::sample_patients(today)
    }

    /// The sample patients of this population (same "today" as its people).
    pub fn sample_patients(&self) -> Vec<SamplePatient> {
        samples::sample_patients(self.today)
    }
}

/// An insurer number as core reads it, or its normalised text when it is not one (such a
/// request matches nobody, since every person has a well-formed number).
fn insurer_key(value: &str) -> String {
    InsurerNumber::parse(value).map_or_else(|_| card_number::normalize(value), |n| n.to_string())
}

/// Random households around a day. Numbers come from one counter so no two cards clash.
struct Generator {
    today: Date,
    next_number: u32,
}

impl Generator {
    fn number(&mut self) -> u32 {
        let n = self.next_number;
        self.next_number += 1;
        n
    }

    fn birth<R: Rng>(&self, rng: &mut R, age: i32) -> Date {
        // Up to 364 days before the birthday that makes `age` today keeps the age exact.
        add_days(add_years(self.today, -age), -rng.gen_range(0..365))
    }

    fn household<R: Rng>(&mut self, rng: &mut R) -> Vec<Draft> {
        let pref = insurers::random_prefecture(rng);
        let kind = match rng.gen_range(0..100) {
            0..=34 => InsurerKind::Kyokai,
            35..=56 => InsurerKind::Kumiai,
            57..=81 => InsurerKind::Kokuho,
            _ => InsurerKind::Kouki,
        };
        let mut drafts = match kind {
            InsurerKind::Kouki => vec![self.kouki_person(rng, pref)],
            _ => self.family(rng, kind, pref),
        };

        match rng.gen_range(0..100) {
            0..=5 => {
                let loss = self.loss(rng, &drafts, false);
                for draft in &mut drafts {
                    draft.loss = Some(loss.clone());
                }
            }
            6..=8 if kind != InsurerKind::Kouki => {
                let loss = self.loss(rng, &drafts, true);
                let moved = self.moved(rng, &drafts, &loss);
                for draft in &mut drafts {
                    draft.loss = Some(loss.clone());
                }
                drafts.extend(moved);
            }
            _ => {}
        }
        drafts
    }

    fn insurer_for<R: Rng>(rng: &mut R, kind: InsurerKind, pref: &str) -> Insurer {
        match kind {
            InsurerKind::Kyokai => insurers::kyokai(pref),
            InsurerKind::Kumiai => insurers::kumiai(rng.gen_range(0..insurers::kumiai_count())),
            InsurerKind::Kokuho => insurers::kokuho(pref, rng.gen_range(0..2)),
            InsurerKind::Kouki => insurers::kouki(pref),
        }
    }

    /// 記号 in the style of each kind; samples use ranges these never reach.
    fn symbol<R: Rng>(rng: &mut R, insurer: &Insurer) -> String {
        match insurer.kind {
            InsurerKind::Kyokai => rng.gen_range(10_000_000..=89_999_999u32).to_string(),
            InsurerKind::Kumiai => rng.gen_range(1..=899u32).to_string(),
            InsurerKind::Kokuho => match rng.gen_range(0..3) {
                0 => format!("{:02}-{:02}", rng.gen_range(1..=89), rng.gen_range(1..=99)),
                // Some cities print a kanji in the 記号.
                1 => format!(
                    "{}{}",
                    insurer.city.chars().next().unwrap_or('市'),
                    rng.gen_range(1..=89)
                ),
                _ => rng.gen_range(1..=89u32).to_string(),
            },
            InsurerKind::Kouki => String::new(),
        }
    }

    fn extras<R: Rng>(rng: &mut R, draft: &mut Draft, age: i32) {
        draft.working_income = age >= 70 && rng.gen_bool(0.15);
        draft.kouki_twenty = rng.gen_bool(0.2);
        if rng.gen_bool(0.08) {
            let categories: &[LimitCategory] = if age >= 70 {
                &[
                    LimitCategory::B01,
                    LimitCategory::B02,
                    LimitCategory::B03,
                    LimitCategory::B04,
                    LimitCategory::B05,
                    LimitCategory::B06,
                    LimitCategory::B07,
                    LimitCategory::B08,
                    LimitCategory::B09,
                    LimitCategory::B10,
                ]
            } else {
                &[
                    LimitCategory::A01,
                    LimitCategory::A02,
                    LimitCategory::A03,
                    LimitCategory::A04,
                    LimitCategory::A05,
                ]
            };
            draft.limit = categories.choose(rng).cloned();
        }
        if rng.gen_bool(0.02) {
            draft.disease = Some(if rng.gen_bool(0.8) {
                let self_pay = if age < 70 && rng.gen_bool(0.3) {
                    "20000"
                } else {
                    "10000"
                };
                (SpecificDiseaseCategory::ChronicRenalFailure, self_pay)
            } else {
                (SpecificDiseaseCategory::Haemophilia, "10000")
            });
        }
    }

    fn kouki_person<R: Rng>(&mut self, rng: &mut R, pref: &str) -> Draft {
        let insurer = insurers::kouki(pref);
        let age = 75 + rng.gen_range(0..=25).min(rng.gen_range(0..=25));
        let birth = self.birth(rng, age);
        let sex = if rng.gen_bool(0.55) {
            Sex::Female
        } else {
            Sex::Male
        };
        let name = names::full_name(
            names::surname(rng),
            &names::given_name(rng, sex == Sex::Male),
        );
        let number = with_check_digit(&format!("{:07}", 1_000_000 + self.number()));
        let qualified = add_years(birth, 75);
        let address = names::address(rng, &insurer.prefecture, &insurer.city);
        let mut draft = Draft {
            insurer,
            symbol: String::new(),
            number,
            branch: String::new(),
            family: PersonalFamily::Insured,
            insured_name: name.0.clone(),
            name,
            sex,
            birth,
            address,
            qualified,
            issued: qualified.max(date(self.today.year() - 1, 8, 1)),
            loss: None,
            working_income: false,
            kouki_twenty: false,
            limit: None,
            disease: None,
            behaviour: Behaviour::Normal,
        };
        Self::extras(rng, &mut draft, age);
        draft
    }

    fn family<R: Rng>(&mut self, rng: &mut R, kind: InsurerKind, pref: &str) -> Vec<Draft> {
        let insurer = Self::insurer_for(rng, kind, pref);
        let symbol = Self::symbol(rng, &insurer);
        let number = self.number().to_string();
        let with_branch = rng.gen_bool(0.9);
        let surname = names::surname(rng);
        let address = names::address(rng, &insurer.prefecture, &insurer.city);

        let head_age = if rng.gen_bool(0.1) {
            rng.gen_range(70..=74)
        } else {
            rng.gen_range(22..=69)
        };
        let head_male = rng.gen_bool(0.6);
        let mut members = vec![(head_age, head_male)];
        if rng.gen_bool(0.65) {
            let spouse_age = (head_age + rng.gen_range(-5..=5)).clamp(20, 74);
            members.push((spouse_age, !head_male));
        }
        if (25..60).contains(&head_age) {
            for _ in 0..rng.gen_range(0..=3) {
                let oldest = (head_age - 22).min(22);
                members.push((rng.gen_range(0..=oldest), rng.gen_bool(0.5)));
            }
        }

        let head_qualified = add_days(self.today, -rng.gen_range(30..=365 * 15));
        let mut head_name = String::new();
        let mut drafts = Vec::with_capacity(members.len());
        let mut births: Vec<Date> = Vec::new();
        for (index, (age, male)) in members.into_iter().enumerate() {
            let mut birth = self.birth(rng, age);
            // Without 枝番 the birthdate alone tells members apart (twins share the card
            // key otherwise), so keep them distinct.
            // Shifting towards younger never pushes anyone past 74 (that is 後期).
            while births.contains(&birth) {
                birth = if birth < self.today {
                    add_days(birth, 1)
                } else {
                    add_days(birth, -1)
                };
            }
            births.push(birth);
            let name = names::full_name(surname, &names::given_name(rng, male));
            if index == 0 {
                head_name = name.0.clone();
            }
            // 国保 has no dependants: every member is insured in their own right.
            let family = if index == 0 || kind == InsurerKind::Kokuho {
                PersonalFamily::Insured
            } else {
                PersonalFamily::Family
            };
            let branch = match (with_branch, kind) {
                (false, _) => String::new(),
                (true, InsurerKind::Kokuho) => format!("{:02}", index + 1),
                (true, _) => format!("{index:02}"),
            };
            let qualified = head_qualified.max(birth).max(if index == 0 {
                add_years(birth, 18)
            } else {
                birth
            });
            let mut draft = Draft {
                insurer: insurer.clone(),
                symbol: symbol.clone(),
                number: number.clone(),
                branch,
                family,
                name,
                sex: if male { Sex::Male } else { Sex::Female },
                birth,
                insured_name: head_name.clone(),
                address: address.clone(),
                qualified,
                issued: qualified.max(add_days(self.today, -rng.gen_range(30..=365 * 3))),
                loss: None,
                working_income: false,
                kouki_twenty: false,
                limit: None,
                disease: None,
                behaviour: Behaviour::Normal,
            };
            Self::extras(rng, &mut draft, age);
            drafts.push(draft);
        }
        drafts
    }

    fn loss<R: Rng>(&self, rng: &mut R, drafts: &[Draft], superseded: bool) -> Loss {
        let latest_start = drafts
            .iter()
            .map(|d| d.qualified)
            .max()
            .unwrap_or(self.today);
        let date = add_days(self.today, -rng.gen_range(10..=700)).max(add_days(latest_start, 1));
        let reason = if superseded {
            ReasonOfLoss::OtherInsurance
        } else {
            match rng.gen_range(0..20) {
                0..=11 => ReasonOfLoss::OtherInsurance,
                12..=16 => ReasonOfLoss::Other,
                _ => ReasonOfLoss::PublicAssistance,
            }
        };
        Loss {
            date: date.min(self.today),
            reason,
            superseded,
        }
    }

    /// The same household after changing jobs: a new insurer and new cards from the day
    /// after the old qualification ended.
    fn moved<R: Rng>(&mut self, rng: &mut R, drafts: &[Draft], loss: &Loss) -> Vec<Draft> {
        let old_kind = drafts
            .first()
            .map(|d| d.insurer.kind)
            .unwrap_or(InsurerKind::Kyokai);
        let kind = if old_kind == InsurerKind::Kyokai {
            InsurerKind::Kumiai
        } else {
            InsurerKind::Kyokai
        };
        let pref = insurers::random_prefecture(rng);
        let insurer = Self::insurer_for(rng, kind, pref);
        let symbol = Self::symbol(rng, &insurer);
        let number = self.number().to_string();
        let start = add_days(loss.date, 1).min(self.today);
        drafts
            .iter()
            .enumerate()
            .map(|(index, old)| Draft {
                insurer: insurer.clone(),
                symbol: symbol.clone(),
                number: number.clone(),
                branch: format!("{index:02}"),
                family: if index == 0 {
                    PersonalFamily::Insured
                } else {
                    PersonalFamily::Family
                },
                qualified: start.max(old.birth),
                issued: start.max(old.birth),
                loss: None,
                ..old.clone()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onshi_core::codes::QualificationValidity;
    use onshi_core::oqs::XmlEncoding;
    use time::{PrimitiveDateTime, Time};

    fn today() -> Date {
        date(2026, 11, 25)
    }

    fn now() -> PrimitiveDateTime {
        PrimitiveDateTime::new(today(), Time::from_hms(9, 0, 0).unwrap())
    }

    fn population() -> Population {
        Population::generate_on(21, today())
    }

    fn request_for(population: &Population, key: &str) -> QualificationRequest {
        let sample = population
            .sample_patients()
            .into_iter()
            .find(|s| s.key == key)
            .unwrap();
        QualificationRequest {
            insurer_number: format!("{:>8}", sample.insurer_number),
            symbol: sample.symbol,
            number: sample.number,
            branch: sample.branch,
            birthdate: sample.birthdate.replace('-', ""),
            ..QualificationRequest::default()
        }
    }

    fn key_of(person: &SimPerson) -> (String, String) {
        (person.number().to_string(), person.branch().to_string())
    }

    #[test]
    fn symbol_and_number_match_through_core_normalisation() {
        let population = population();
        let exact = request_for(&population, "kyokai_insured");
        let person = key_of(population.find(&exact).unwrap());
        for (symbol, number) in [
            ("９０１０２０３０", "１０１"),
            (" 90102030\u{3000}", "0101"),
            ("0090102030", "00000101"),
        ] {
            let request = QualificationRequest {
                symbol: symbol.into(),
                number: number.into(),
                ..exact.clone()
            };
            let found = population.find(&request).map(key_of);
            assert_eq!(found.as_ref(), Some(&person), "{symbol:?} {number:?}");
        }
        let request = QualificationRequest {
            number: "1010".into(),
            ..exact.clone()
        };
        assert!(population.matches(&request).is_empty());
        // 国保 numbers zero-padded to 8 digits or typed full-width are the same insurer.
        let kokuho = request_for(&population, "kokuho");
        let digits = kokuho.insurer_number.trim().to_string();
        for insurer in [
            format!("00{digits}"),
            digits.clone(),
            digits.replace('1', "１"),
        ] {
            let request = QualificationRequest {
                insurer_number: insurer.clone(),
                ..kokuho.clone()
            };
            assert!(population.find(&request).is_some(), "{insurer:?}");
        }
    }

    #[test]
    fn dashes_in_a_symbol_match_whatever_the_dash() {
        let population = population();
        let person = population
            .people()
            .iter()
            .find(|p| p.symbol().contains('-'))
            .expect("a 国保 記号 with a hyphen");
        let request = QualificationRequest {
            insurer_number: person.insurer_number().to_string(),
            symbol: person.symbol().replace('-', "\u{2212}"),
            number: person.number().to_string(),
            branch: person.branch().to_string(),
            birthdate: person.birthdate().to_string(),
            ..QualificationRequest::default()
        };
        assert_eq!(population.find(&request).map(|p| p.id), Some(person.id));
        let request = QualificationRequest {
            symbol: person.symbol().replace('-', "ｰ"),
            ..request
        };
        assert!(
            population.matches(&request).is_empty(),
            "ｰ is a kana, not a dash"
        );
    }

    #[test]
    fn an_empty_branch_matches_a_card_with_one() {
        let population = population();
        let mut request = request_for(&population, "kyokai_family");
        let person = key_of(population.find(&request).unwrap());
        assert_eq!(person.1, "01");
        request.branch.clear();
        assert_eq!(population.find(&request).map(key_of), Some(person));
        request.branch = "02".into();
        assert!(population.matches(&request).is_empty());

        let response = population.respond(
            &QualificationRequest {
                branch: String::new(),
                ..request
            },
            "1319999999",
            now(),
            XmlEncoding::Utf8,
        );
        assert_eq!(response.validity, Some(QualificationValidity::Valid));
        assert_eq!(response.results.len(), 1);
    }

    #[test]
    fn several_matches_answer_multiple_with_every_record() {
        let mut population = population();
        let request = request_for(&population, "kyokai_insured");
        let insured = population.find(&request).unwrap().clone();
        // A family member on the same 記号・番号 born on the same day (twins of the
        // insured person would do; here a family member's birthdate is made so).
        let twin = population
            .people
            .iter_mut()
            .find(|p| {
                p.insurer_number() == insured.insurer_number()
                    && p.symbol() == insured.symbol()
                    && p.number() == insured.number()
                    && p.id != insured.id
            })
            .expect("a family member of the sample");
        twin.record.person.birthdate = Some(insured.birthdate().to_string());
        let (twin_id, twin_branch) = (twin.id, twin.branch().to_string());

        // With the 枝番 they are told apart …
        assert_eq!(population.find(&request).map(|p| p.id), Some(insured.id));
        // … without it both match.
        let request = QualificationRequest {
            branch: String::new(),
            ..request
        };
        let ids: Vec<_> = population.matches(&request).iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&insured.id) && ids.contains(&twin_id));
        assert!(population.find(&request).is_none());

        let response = population.respond(&request, "1319999999", now(), XmlEncoding::Utf8);
        assert_eq!(response.validity, Some(QualificationValidity::Multiple));
        assert_eq!(response.results.len(), 2);
        let branches: Vec<_> = response
            .results
            .iter()
            .map(|r| r.insurance.branch.clone().unwrap_or_default())
            .collect();
        assert!(
            branches.contains(&insured.branch().to_string()),
            "{branches:?}"
        );
        assert!(branches.contains(&twin_branch), "{branches:?}");
        assert_ne!(insured.branch(), twin_branch);
    }
}
