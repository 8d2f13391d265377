//! The synthetic population the simulated national system knows.
//!
//! Generation is deterministic for a seed and a "today": ages, 負担割合 and certificate
//! windows are worked out relative to that day, so the population stays plausible
//! whenever it is built. The curated sample people are always part of it.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::Date;
use unicode_normalization::UnicodeNormalization;

use onshi_core::codes::{
    LimitCategory, PersonalFamily, ReasonOfLoss, Sex, SpecificDiseaseCategory,
};
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

    /// The person a request is about: insurer, 記号, 番号, 枝番 and birthdate must all
    /// match (a request without 枝番 only matches a card without one). Values are compared
    /// after NFKC and trimming, since cards and keyboards differ in width and padding.
    pub fn find(&self, request: &QualificationRequest) -> Option<&SimPerson> {
        let wanted = [
            normalise(&request.insurer_number),
            normalise(&request.symbol),
            normalise(&request.number),
            normalise(&request.branch),
            normalise(&request.birthdate),
        ];
        self.people.iter().find(|person| {
            let key = [
                person.insurer_number(),
                person.symbol(),
                person.number(),
                person.branch(),
                person.birthdate(),
            ];
            key.iter()
                .zip(&wanted)
                .all(|(have, want)| normalise(have) == *want)
        })
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

fn normalise(value: &str) -> String {
    value.nfkc().collect::<String>().trim().to_string()
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
