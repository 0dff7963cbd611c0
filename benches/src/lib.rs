//! Benchmark harness (issue 4).
