//! The qualification terminal's XML files.
//!
//! STUB: the XML helper implements it.
