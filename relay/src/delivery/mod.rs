//! Delivering spooled messages through Graph.
