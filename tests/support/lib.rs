//! Shared helpers of the chainrs integration tests.
