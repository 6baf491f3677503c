//! Benchmarks of chainrs. `loadgen` (a binary) drives a chat server the way Chainlit's web
//! client does and reports latencies, throughput and the server's CPU and memory;
//! `run.sh` runs it side by side against chainrs and Chainlit.
