//! Japanese era (和暦) rendering of dates.
//!
//! STUB: the numbers helper implements it.
