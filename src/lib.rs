//! onshi: the browser component (placeholder until the component helper lands it).
