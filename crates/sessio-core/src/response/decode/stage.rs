//! One coding: fed a slice at a time, it makes at most one buffer of output per
//! step, and reports what it consumed.

use std::io;
#[cfg(any(feature = "gzip", feature = "deflate", feature = "zstd"))]
use std::io::Write;

use bytes::BytesMut;

/// What one step did.
pub(super) struct Progress {
    /// Input bytes consumed.
    pub(super) consumed: usize,
    /// Whether the coding's stream is complete.
    pub(super) done: bool,
}

/// The largest zstd window accepted: 8 MiB, what RFC 8878 asks HTTP decoders to
/// support; a frame that needs more is an error instead of a huge allocation.
#[cfg(feature = "zstd")]
const ZSTD_WINDOW_LOG_MAX: u32 = 23;

/// Output made per brotli step.
#[cfg(feature = "brotli")]
const BROTLI_STEP: usize = 32 * 1024;

pub(super) enum Stage {
    #[cfg(feature = "gzip")]
    Gzip(flate2::write::MultiGzDecoder<Vec<u8>>),
    /// `deflate` before its first two bytes told zlib from raw deflate.
    #[cfg(feature = "deflate")]
    DeflateUnknown(Vec<u8>),
    #[cfg(feature = "deflate")]
    Zlib(flate2::write::ZlibDecoder<Vec<u8>>),
    #[cfg(feature = "deflate")]
    RawDeflate(flate2::write::DeflateDecoder<Vec<u8>>),
    #[cfg(feature = "brotli")]
    Brotli(Box<Brotli>),
    #[cfg(feature = "zstd")]
    Zstd(zstd::stream::write::Decoder<'static, Vec<u8>>),
    /// A build without decoders has no stage.
    #[cfg(not(any(
        feature = "gzip",
        feature = "deflate",
        feature = "brotli",
        feature = "zstd"
    )))]
    None(std::convert::Infallible),
}

/// brotli through its streaming API, one bounded output buffer per step.
#[cfg(feature = "brotli")]
pub(super) struct Brotli {
    state: brotli_decompressor::BrotliState<
        brotli_decompressor::StandardAlloc,
        brotli_decompressor::StandardAlloc,
        brotli_decompressor::StandardAlloc,
    >,
    buffer: Vec<u8>,
}

impl Stage {
    /// The stage for a coding of `super::CODINGS`.
    pub(super) fn new(kind: &str) -> io::Result<Stage> {
        Ok(match kind {
            #[cfg(feature = "gzip")]
            "gzip" => Stage::Gzip(flate2::write::MultiGzDecoder::new(Vec::new())),
            #[cfg(feature = "deflate")]
            "deflate" => Stage::DeflateUnknown(Vec::new()),
            #[cfg(feature = "brotli")]
            "br" => {
                use brotli_decompressor::StandardAlloc;
                // Standard brotli (RFC 7932): windows of at most 16 MiB.
                let state = brotli_decompressor::BrotliState::new_strict(
                    StandardAlloc::default(),
                    StandardAlloc::default(),
                    StandardAlloc::default(),
                );
                Stage::Brotli(Box::new(Brotli {
                    state,
                    buffer: vec![0; BROTLI_STEP],
                }))
            }
            #[cfg(feature = "zstd")]
            "zstd" => {
                let mut decoder = zstd::stream::write::Decoder::new(Vec::new())?;
                decoder.window_log_max(ZSTD_WINDOW_LOG_MAX)?;
                Stage::Zstd(decoder)
            }
            other => {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    format!("no decoder for {other}"),
                ));
            }
        })
    }

    /// One step: feeds `input` (empty and `end` once the input is over) and
    /// appends what it decoded to `output`.
    pub(super) fn run(
        &mut self,
        input: &[u8],
        end: bool,
        output: &mut BytesMut,
    ) -> io::Result<Progress> {
        let progress = match self {
            #[cfg(feature = "gzip")]
            Stage::Gzip(d) => flate_step(d, input, end)?,
            #[cfg(feature = "deflate")]
            Stage::DeflateUnknown(head) => {
                if end {
                    return match head.is_empty() {
                        true => Ok(Progress {
                            consumed: 0,
                            done: true,
                        }),
                        false => Err(truncated()),
                    };
                }
                let take = input.len().min(2 - head.len());
                head.extend_from_slice(&input[..take]);
                if head.len() == 2 {
                    let head = std::mem::take(head);
                    *self = if is_zlib_header(head[0], head[1]) {
                        Stage::Zlib(flate2::write::ZlibDecoder::new(Vec::new()))
                    } else {
                        Stage::RawDeflate(flate2::write::DeflateDecoder::new(Vec::new()))
                    };
                    // The two bytes go first; the rest of `input` in later steps.
                    let mut fed = 0;
                    while fed < head.len() {
                        fed += self.run(&head[fed..], false, output)?.consumed;
                    }
                }
                return Ok(Progress {
                    consumed: take,
                    done: false,
                });
            }
            #[cfg(feature = "deflate")]
            Stage::Zlib(d) => flate_step(d, input, end)?,
            #[cfg(feature = "deflate")]
            Stage::RawDeflate(d) => flate_step(d, input, end)?,
            #[cfg(feature = "brotli")]
            Stage::Brotli(b) => b.step(input, end, output)?,
            #[cfg(feature = "zstd")]
            Stage::Zstd(d) => {
                if end {
                    d.flush()?;
                    Progress {
                        consumed: 0,
                        done: true,
                    }
                } else {
                    Progress {
                        consumed: d.write(input)?,
                        done: false,
                    }
                }
            }
            #[cfg(not(any(
                feature = "gzip",
                feature = "deflate",
                feature = "brotli",
                feature = "zstd"
            )))]
            Stage::None(never) => match *never {},
        };
        self.drain(output);
        Ok(progress)
    }

    /// Moves what the writer-based decoders made into `output`.
    fn drain(&mut self, output: &mut BytesMut) {
        if let Some(made) = self.writer_output() {
            output.extend_from_slice(made);
            made.clear();
        }
    }

    /// The output buffer of a writer-based decoder (brotli writes straight to
    /// the output).
    fn writer_output(&mut self) -> Option<&mut Vec<u8>> {
        match self {
            #[cfg(feature = "gzip")]
            Stage::Gzip(d) => Some(d.get_mut()),
            #[cfg(feature = "deflate")]
            Stage::Zlib(d) => Some(d.get_mut()),
            #[cfg(feature = "deflate")]
            Stage::RawDeflate(d) => Some(d.get_mut()),
            #[cfg(feature = "zstd")]
            Stage::Zstd(d) => Some(d.get_mut()),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }
}

/// One step of a flate2 writer: `write` (not `write_all`) consumes only as much
/// input as one internal buffer of output (32 KiB) holds.
#[cfg(any(feature = "gzip", feature = "deflate"))]
fn flate_step<W: FlateWriter>(decoder: &mut W, input: &[u8], end: bool) -> io::Result<Progress> {
    if end {
        decoder.try_finish()?;
        return Ok(Progress {
            consumed: 0,
            done: true,
        });
    }
    Ok(Progress {
        consumed: decoder.write(input)?,
        done: false,
    })
}

/// The flate2 write decoders, for [`flate_step`].
#[cfg(any(feature = "gzip", feature = "deflate"))]
trait FlateWriter: Write {
    fn try_finish(&mut self) -> io::Result<()>;
}

#[cfg(feature = "gzip")]
impl FlateWriter for flate2::write::MultiGzDecoder<Vec<u8>> {
    fn try_finish(&mut self) -> io::Result<()> {
        flate2::write::MultiGzDecoder::try_finish(self)
    }
}

#[cfg(feature = "deflate")]
impl FlateWriter for flate2::write::ZlibDecoder<Vec<u8>> {
    fn try_finish(&mut self) -> io::Result<()> {
        flate2::write::ZlibDecoder::try_finish(self)
    }
}

#[cfg(feature = "deflate")]
impl FlateWriter for flate2::write::DeflateDecoder<Vec<u8>> {
    fn try_finish(&mut self) -> io::Result<()> {
        flate2::write::DeflateDecoder::try_finish(self)
    }
}

#[cfg(feature = "brotli")]
impl Brotli {
    /// One call of the streaming decoder, with one output buffer.
    fn step(&mut self, input: &[u8], end: bool, output: &mut BytesMut) -> io::Result<Progress> {
        use brotli_decompressor::{BrotliDecompressStream, BrotliResult};
        let mut available_in = input.len();
        let mut input_offset = 0;
        let mut available_out = self.buffer.len();
        let mut output_offset = 0;
        let mut total_out = 0;
        let result = BrotliDecompressStream(
            &mut available_in,
            &mut input_offset,
            input,
            &mut available_out,
            &mut output_offset,
            &mut self.buffer,
            &mut total_out,
            &mut self.state,
        );
        output.extend_from_slice(&self.buffer[..output_offset]);
        match result {
            BrotliResult::ResultSuccess => Ok(Progress {
                consumed: input_offset,
                done: true,
            }),
            BrotliResult::NeedsMoreOutput => Ok(Progress {
                consumed: input_offset,
                done: false,
            }),
            BrotliResult::NeedsMoreInput if end => Err(truncated()),
            BrotliResult::NeedsMoreInput => Ok(Progress {
                consumed: input_offset,
                done: false,
            }),
            BrotliResult::ResultFailure => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "invalid brotli data",
            )),
        }
    }
}

#[cfg(feature = "deflate")]
fn is_zlib_header(cmf: u8, flg: u8) -> bool {
    cmf & 0x0F == 8 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
}

#[cfg(any(feature = "deflate", feature = "brotli"))]
fn truncated() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "compressed body ended early")
}
