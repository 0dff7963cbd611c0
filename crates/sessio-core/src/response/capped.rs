//! A body read into memory under a cap, that never holds more than the cap plus
//! one block while reading.
//!
//! Growing one contiguous buffer doubles it, so past half the cap a single read
//! can ask for twice the cap (and abort the process under a memory limit). Here
//! the size is checked before anything grows; the bytes are copied into blocks
//! of a fixed size (so that neither a body of one-byte chunks nor the read
//! buffers of the connection are kept beyond the bytes themselves), and joined
//! once, at the end, into a buffer of exactly the body's size. A body that comes
//! in one chunk is kept as it came; a body whose size is known in advance goes
//! straight into a buffer of that size.

use bytes::{Bytes, BytesMut};

use crate::{Error, ErrorKind, Result};

/// The size of the blocks chunks are copied into: the most a buffer holds
/// beyond what it was given.
pub(crate) const BLOCK: usize = 64 * 1024;

/// The bytes of a body read so far, at most `max` of them.
pub(crate) struct CappedBuffer {
    max: u64,
    len: u64,
    kept: Kept,
}

enum Kept {
    /// Nothing yet.
    Empty,
    /// One chunk, kept as it came (most bodies are one).
    One(Bytes),
    /// A body of a known size, copied into a buffer of that size.
    Sized(BytesMut),
    /// Full blocks, and the block being filled.
    Parts { parts: Vec<Bytes>, block: BytesMut },
}

impl CappedBuffer {
    /// An empty buffer that takes at most `max` bytes; `expected` is the body's
    /// exact size when known (a `Content-Length`), at most `max`.
    pub(crate) fn new(max: u64, expected: Option<u64>) -> Result<Self> {
        if let Some(expected) = expected {
            check_size(expected, max)?;
        }
        let kept = match expected {
            Some(size) if size > BLOCK as u64 => {
                Kept::Sized(BytesMut::with_capacity(size as usize))
            }
            _ => Kept::Empty,
        };
        Ok(CappedBuffer { max, len: 0, kept })
    }

    /// Adds a chunk; past the cap it is a body error and nothing grows.
    pub(crate) fn push(&mut self, data: Bytes) -> Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        let len = self.len + data.len() as u64;
        check_size(len, self.max)?;
        self.len = len;
        match &mut self.kept {
            Kept::Empty => self.kept = Kept::One(data),
            Kept::Sized(buffer) if buffer.capacity() - buffer.len() >= data.len() => {
                buffer.extend_from_slice(&data);
            }
            Kept::Sized(buffer) => {
                // More than the announced size: keep the rest as parts.
                let parts = vec![std::mem::take(buffer).freeze()];
                self.kept = Kept::Parts {
                    parts,
                    block: BytesMut::new(),
                };
                self.push_part(&data);
            }
            Kept::One(first) => {
                let first = std::mem::take(first);
                self.kept = Kept::Parts {
                    parts: Vec::new(),
                    block: BytesMut::new(),
                };
                self.push_part(&first);
                self.push_part(&data);
            }
            Kept::Parts { .. } => self.push_part(&data),
        }
        Ok(())
    }

    /// Copies `data` into blocks, filling the current one before starting the
    /// next: the chunks the connection gave (and the read buffers they share)
    /// are not kept, so what is held is the body and at most one block more.
    fn push_part(&mut self, mut data: &[u8]) {
        let Kept::Parts { parts, block } = &mut self.kept else {
            unreachable!("push_part is called once the buffer keeps parts");
        };
        while !data.is_empty() {
            if block.len() == block.capacity() {
                if !block.is_empty() {
                    parts.push(std::mem::take(block).freeze());
                }
                *block = BytesMut::with_capacity(BLOCK);
            }
            let room = block.capacity() - block.len();
            let (now, rest) = data.split_at(room.min(data.len()));
            block.extend_from_slice(now);
            data = rest;
        }
    }

    /// The whole body, in one piece.
    pub(crate) fn finish(self) -> Bytes {
        match self.kept {
            Kept::Empty => Bytes::new(),
            Kept::One(data) => data,
            Kept::Sized(buffer) => buffer.freeze(),
            Kept::Parts { mut parts, block } => {
                if !block.is_empty() {
                    parts.push(block.freeze());
                }
                let mut joined = BytesMut::with_capacity(self.len as usize);
                for part in parts {
                    joined.extend_from_slice(&part);
                }
                joined.freeze()
            }
        }
    }
}

/// More than `max` bytes is a body error naming the setting that caps it.
#[inline]
pub(crate) fn check_size(len: u64, max: u64) -> Result<()> {
    if len > max {
        Err(Error::new(
            ErrorKind::Body,
            format!("body is larger than the limit of {max} bytes (max_decompressed_size)"),
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(sizes: &[usize]) -> Vec<Bytes> {
        let mut next = 0u8;
        sizes
            .iter()
            .map(|&size| {
                let chunk: Vec<u8> = (0..size)
                    .map(|_| {
                        next = next.wrapping_add(1);
                        next
                    })
                    .collect();
                Bytes::from(chunk)
            })
            .collect()
    }

    fn collect(max: u64, expected: Option<u64>, sizes: &[usize]) -> Result<(Bytes, Bytes)> {
        let mut buffer = CappedBuffer::new(max, expected)?;
        let mut all = Vec::new();
        for chunk in chunks(sizes) {
            all.extend_from_slice(&chunk);
            buffer.push(chunk)?;
        }
        Ok((buffer.finish(), Bytes::from(all)))
    }

    #[test]
    fn keeps_every_byte_in_order_whatever_the_chunks() {
        let cases: &[&[usize]] = &[
            &[],
            &[10],
            &[1, 1, 1],
            &[BLOCK, 1, BLOCK / 2, 3],
            &[100; 2000],
            &[3 * BLOCK, 7, 2 * BLOCK],
        ];
        for sizes in cases {
            let (got, want) = collect(u64::MAX, None, sizes).unwrap();
            assert_eq!(got, want, "{sizes:?}");
        }
    }

    #[test]
    fn a_known_size_fills_one_buffer_and_tolerates_more() {
        let (got, want) = collect(u64::MAX, Some(3 * BLOCK as u64), &[BLOCK; 3]).unwrap();
        assert_eq!(got, want);
        let (got, want) = collect(u64::MAX, Some(2 * BLOCK as u64), &[BLOCK, BLOCK, 5]).unwrap();
        assert_eq!(got, want);
    }

    #[test]
    fn the_cap_is_checked_before_anything_is_kept() {
        let err = collect(100, None, &[60, 40, 1]).unwrap_err();
        assert!(err.is_body(), "{err:?}");
        assert!(collect(100, None, &[60, 40]).is_ok());
        let err = CappedBuffer::new(100, Some(101)).err().unwrap();
        assert!(err.is_body());
    }

    #[test]
    fn chunks_are_copied_into_full_blocks() {
        let mut buffer = CappedBuffer::new(u64::MAX, None).unwrap();
        for chunk in chunks(&[1; 3 * BLOCK]) {
            buffer.push(chunk).unwrap();
        }
        let Kept::Parts { parts, .. } = &buffer.kept else {
            panic!("parts");
        };
        assert_eq!(parts.len(), 2, "two full blocks and the one being filled");
        assert_eq!(buffer.finish().len(), 3 * BLOCK);
    }
}
