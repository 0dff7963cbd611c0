//! The benchmark harness of sessio: a loopback server in its own process, the
//! clients compared (raw hyper-util, the floor, sessio, reqwest), and timing with a counting
//! allocator. The `compare` binary prints the comparison table; see the README.

pub mod clients;
pub mod floor;
pub mod measure;
pub mod server;
