//! The Jupyter messaging protocol, independent of what the kernel runs: the connection
//! file, message framing and signing, publishing on iopub, input requests on stdin, the
//! session history and `is_complete`. Nothing here knows cells, queries or the engine.

pub(crate) mod connection_file;
pub(crate) mod history;
pub(crate) mod iopub;
pub(crate) mod is_complete;
pub(crate) mod stdin;
pub(crate) mod wire;
