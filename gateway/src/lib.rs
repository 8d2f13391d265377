//! onshi-gateway (placeholder).
