//! A cache entry that can prove it is whole: the bytes, then a seal recording their size
//! and SHA-256 (`bytes ‖ sha256 ‖ size as u64 LE ‖ "PBSEAL01"`). A truncated file loses
//! its seal; a changed byte changes the hash. The compiled-cells store seals every entry
//! it writes and checks the seal before it hands an entry out, so a damaged object is
//! dropped and built again instead of being loaded (a truncated `.so` made every later
//! run fail with `EvaluationProcessDied`).

use sha2::{Digest, Sha256};

/// The last bytes of every sealed entry.
const MAGIC: &[u8; 8] = b"PBSEAL01";
/// Hash, size, magic.
const SEAL_LEN: usize = 32 + 8 + MAGIC.len();

/// Why an entry is not whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Damaged {
    #[error("no seal (truncated, or not written by this version): {0} bytes")]
    NoSeal(usize),
    #[error("its seal records {recorded} bytes, it holds {actual}")]
    WrongSize { recorded: u64, actual: u64 },
    #[error("its contents do not match the SHA-256 recorded when it was written")]
    WrongHash,
}

/// `bytes` with their seal.
pub(crate) fn seal(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + SEAL_LEN);
    out.extend_from_slice(bytes);
    out.extend_from_slice(&Sha256::digest(bytes));
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(MAGIC);
    out
}

/// The bytes of a sealed entry, when its seal matches them (`sealed` shortened to them).
pub(crate) fn unseal(mut sealed: Vec<u8>) -> Result<Vec<u8>, Damaged> {
    let total = sealed.len();
    if total < SEAL_LEN || &sealed[total - MAGIC.len()..] != MAGIC {
        return Err(Damaged::NoSeal(total));
    }
    let body = total - SEAL_LEN;
    let size_at = total - MAGIC.len() - 8;
    let mut size = [0u8; 8];
    size.copy_from_slice(&sealed[size_at..size_at + 8]);
    let recorded = u64::from_le_bytes(size);
    if recorded != body as u64 {
        return Err(Damaged::WrongSize {
            recorded,
            actual: body as u64,
        });
    }
    if Sha256::digest(&sealed[..body]).as_slice() != &sealed[body..body + 32] {
        return Err(Damaged::WrongHash);
    }
    sealed.truncate(body);
    Ok(sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_entry_unseals_to_its_bytes() {
        for bytes in [&b""[..], b"x", &[7u8; 5000][..]] {
            assert_eq!(unseal(seal(bytes)).unwrap(), bytes);
        }
    }

    #[test]
    fn a_truncated_entry_at_any_length_is_damaged() {
        let sealed = seal(&(0..=255u8).cycle().take(3000).collect::<Vec<u8>>());
        for len in 0..sealed.len() {
            assert!(
                unseal(sealed[..len].to_vec()).is_err(),
                "truncated to {len} bytes"
            );
        }
    }

    #[test]
    fn a_changed_byte_is_damaged() {
        let mut sealed = seal(b"an object file");
        sealed[3] ^= 1;
        assert_eq!(unseal(sealed), Err(Damaged::WrongHash));
    }

    #[test]
    fn bytes_without_a_seal_are_damaged() {
        let plain = b"\x7fELF an old unsealed object, long enough to hold a seal......".to_vec();
        assert!(matches!(unseal(plain), Err(Damaged::NoSeal(_))));
    }
}
