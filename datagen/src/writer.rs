//! Output files: buffered, optionally gzipped with a fixed header (no file name, mtime 0,
//! OS "unknown"), so the same content always gives the same bytes; and the tally of what
//! was written for the [`Summary`](super::Summary).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::{Compression, GzBuilder, write::GzEncoder};

/// Buffer in front of the compressor / the file.
const BUFFER: usize = 1 << 20;

enum Inner {
    Gz(BufWriter<GzEncoder<File>>),
    Plain(BufWriter<File>),
}

/// One file being written.
pub struct Sink {
    path: PathBuf,
    inner: Inner,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Gz(w) => w.write(buf),
            Inner::Plain(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.inner {
            Inner::Gz(w) => w.write_all(buf),
            Inner::Plain(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Gz(w) => w.flush(),
            Inner::Plain(w) => w.flush(),
        }
    }
}

fn into_inner<W: Write>(w: BufWriter<W>) -> io::Result<W> {
    w.into_inner().map_err(|e| e.into_error())
}

/// The files of one run, relative to the output directory.
#[derive(Debug)]
pub struct Files {
    out_dir: PathBuf,
    pub written: Vec<PathBuf>,
    pub bytes: u64,
}

impl Files {
    pub fn new(out_dir: &Path) -> Files {
        Files {
            out_dir: out_dir.to_path_buf(),
            written: Vec::new(),
            bytes: 0,
        }
    }

    /// Creates `out_dir/rel` (and its directories); gzipped when `rel` ends in `.gz`.
    pub fn create(&self, rel: &str) -> io::Result<Sink> {
        let path = self.out_dir.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = File::create(&path)?;
        let inner = if rel.ends_with(".gz") {
            let gz = GzBuilder::new()
                .mtime(0)
                .operating_system(255)
                .write(file, Compression::best());
            Inner::Gz(BufWriter::with_capacity(BUFFER, gz))
        } else {
            Inner::Plain(BufWriter::with_capacity(BUFFER, file))
        };
        Ok(Sink { path, inner })
    }

    /// Flushes and closes `sink`, and counts its size on disk.
    pub fn finish(&mut self, sink: Sink) -> io::Result<()> {
        let file = match sink.inner {
            Inner::Gz(w) => into_inner(w)?.finish()?,
            Inner::Plain(w) => into_inner(w)?,
        };
        drop(file);
        self.bytes += std::fs::metadata(&sink.path)?.len();
        self.written.push(sink.path);
        Ok(())
    }
}
