//! What the tools share: the port reservation (also used by cargo test, through tests/common).
pub mod ports;
