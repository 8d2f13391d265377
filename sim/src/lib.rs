//! onshi-sim (placeholder).
