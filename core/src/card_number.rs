//! 記号・番号・枝番 normalisation.
//!
//! STUB: the numbers helper implements it.
