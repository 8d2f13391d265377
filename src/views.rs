//! Yew components. They read state and dispatch actions; wording and decisions come
//! from [`crate::present`], [`crate::form`] and [`crate::i18n`].

mod access_panel;
mod card_panel;
mod error_panel;
mod field;
mod form;
mod in_flight;
mod lang_switch;
pub mod pin_pad;
mod queue_panel;
mod reception;
mod result_card;
mod status_strip;

pub use access_panel::AccessPanel;
pub use lang_switch::LangSwitch;
pub use pin_pad::PinPadView;
pub use queue_panel::queue_entry_item;
pub use reception::ReceptionView;
pub use status_strip::StatusStrip;
