//! `--sim` only: the virtual My Number Cards of `onshi-sim`, put into pcscd's first
//! virtual reader through vsmartcard's vpcd, so the demo page can "insert" a card into the
//! reader the gateway then reads over real PC/SC.
//!
//! A card keeps its state (PIN tries left) for the life of the gateway, as a real card
//! would between visits; only one card is in the reader at a time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use onshi_sim::card::{CardVariant, VirtualCard, CARDS};
use onshi_sim::national::card_labels;
use onshi_sim::vpcd::{self, InsertedCard, VpcdError};
use onshi_sim::Population;
use serde::Serialize;
use thiserror::Error;
use tracing::{info, warn};

use crate::card_reader::{Presence, Readers};

/// How long pcscd may take to notice a virtual card left (vpcd is polled).
const SETTLE: Duration = Duration::from_secs(3);

/// One virtual card as `GET /v1/sim/cards` lists it. The PIN is synthetic test data, shown
/// so the demo can be driven; real PINs never leave the card holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimCardView {
    pub id: String,
    pub label_ja: String,
    pub label_en: String,
    pub variant: CardVariant,
    pub pin: String,
    pub tries_left: u8,
    pub inserted: bool,
}

/// `GET /v1/sim/cards`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimCardList {
    pub cards: Vec<SimCardView>,
    /// The card in the reader, if any.
    pub inserted: Option<String>,
}

#[derive(Debug, Error)]
pub enum SimCardError {
    #[error("no virtual card is named {0:?}; see GET /v1/sim/cards")]
    UnknownCard(String),
    #[error(transparent)]
    Vpcd(#[from] VpcdError),
    #[error("the virtual card thread failed: {0}")]
    Worker(String),
}

struct Slot {
    id: String,
    link: InsertedCard,
}

pub struct SimCards {
    vpcd_port: u16,
    population: Arc<Population>,
    cards: HashMap<&'static str, Arc<Mutex<VirtualCard>>>,
    slot: Mutex<Option<Slot>>,
}

impl std::fmt::Debug for SimCards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimCards")
            .field("vpcd_port", &self.vpcd_port)
            .finish()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SimCards {
    /// Loads every card of the catalog (from committed fixtures; no key generation).
    pub fn new(population: Arc<Population>, vpcd_port: u16) -> Result<Self, SimCardError> {
        let mut cards = HashMap::new();
        for spec in CARDS {
            let card = VirtualCard::from_spec(spec)
                .map_err(|err| SimCardError::Worker(format!("card {}: {err}", spec.id)))?;
            cards.insert(spec.id, Arc::new(Mutex::new(card)));
        }
        Ok(Self {
            vpcd_port,
            population,
            cards,
            slot: Mutex::new(None),
        })
    }

    pub fn list(&self) -> SimCardList {
        let inserted = self.inserted();
        let cards = CARDS
            .iter()
            .map(|spec| {
                let (label_ja, label_en) = card_labels(spec, &self.population);
                let tries_left = self
                    .cards
                    .get(spec.id)
                    .map_or(0, |card| lock(card).tries_left());
                SimCardView {
                    id: spec.id.to_string(),
                    label_ja,
                    label_en,
                    variant: spec.variant,
                    pin: spec.pin.to_string(),
                    tries_left,
                    inserted: inserted.as_deref() == Some(spec.id),
                }
            })
            .collect();
        SimCardList { cards, inserted }
    }

    /// The card in the reader, if its link is still up.
    fn inserted(&self) -> Option<String> {
        lock(&self.slot)
            .as_ref()
            .filter(|slot| slot.link.is_connected())
            .map(|slot| slot.id.clone())
    }

    /// pcscd's name of the reader behind our vpcd port (35963 → "Virtual PCD 00 00").
    fn reader_name(&self) -> String {
        let index = self.vpcd_port.saturating_sub(vpcd::DEFAULT_PORT);
        format!("Virtual PCD 00 {index:02}")
    }

    /// Blocks until PC/SC reports the reader empty (at most [`SETTLE`]): a card swapped
    /// in faster than pcscd polls vpcd would look like the same card to it.
    fn wait_until_empty(&self) {
        let reader = self.reader_name();
        let deadline = Instant::now() + SETTLE;
        let Ok(readers) = Readers::establish() else {
            return;
        };
        while Instant::now() < deadline {
            match readers.watch(&reader, Duration::from_millis(200)) {
                Ok(Presence::Absent) => return,
                Ok(Presence::Present) => {}
                Err(err) => {
                    warn!("cannot watch {reader}: {err}");
                    return;
                }
            }
        }
    }

    /// Takes out whatever card is in, then puts `id` in.
    pub async fn insert(self: &Arc<Self>, id: &str) -> Result<SimCardList, SimCardError> {
        let card = self
            .cards
            .get_key_value(id)
            .map(|(id, card)| (*id, Arc::clone(card)))
            .ok_or_else(|| SimCardError::UnknownCard(id.to_string()))?;
        let cards = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let (id, card) = card;
            let mut slot = lock(&cards.slot);
            if let Some(old) = slot.take() {
                let _ = old.link.remove();
                cards.wait_until_empty();
            }
            let link = vpcd::insert(card, vpcd::local(cards.vpcd_port))?;
            info!(card = id, "virtual card inserted");
            *slot = Some(Slot {
                id: id.to_string(),
                link,
            });
            Ok::<_, SimCardError>(())
        })
        .await
        .map_err(|err| SimCardError::Worker(err.to_string()))??;
        Ok(self.list())
    }

    /// Takes the card out (nothing happens when the reader is empty).
    pub async fn remove(self: &Arc<Self>) -> Result<SimCardList, SimCardError> {
        let cards = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            if let Some(old) = lock(&cards.slot).take() {
                let _ = old.link.remove();
                cards.wait_until_empty();
                info!(card = %old.id, "virtual card removed");
            }
        })
        .await
        .map_err(|err| SimCardError::Worker(err.to_string()))?;
        Ok(self.list())
    }
}
