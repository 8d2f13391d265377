//! Yew components. They read state and dispatch actions; wording and decisions come
//! from [`crate::present`], [`crate::form`] and [`crate::i18n`].

mod error_panel;
mod field;
mod form;
mod in_flight;
mod lang_switch;
mod reception;
mod result_card;

pub use lang_switch::LangSwitch;
pub use reception::ReceptionView;
