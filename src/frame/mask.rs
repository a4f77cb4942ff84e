//! Payload masking (RFC 6455 §5.3), in place.

/// XORs `data` with the masking key, as if `data` started `offset` bytes into the payload.
///
/// RFC 6455 §5.3: octet i of the transformed data is octet i of the original XOR octet
/// `i MOD 4` of the masking key. Masking is its own inverse, so this both masks and unmasks.
/// `offset` lets a payload that arrives in pieces be unmasked piece by piece.
///
/// ```
/// // RFC 6455 §5.7: "Hello" masked with key 37 fa 21 3d.
/// let mut data = *b"\x7f\x9f\x4d\x51\x58";
/// wswire::frame::apply_mask(&mut data, [0x37, 0xfa, 0x21, 0x3d], 0);
/// assert_eq!(&data, b"Hello");
/// ```
pub fn apply_mask(data: &mut [u8], key: [u8; 4], offset: usize) {
    let key = rotate_key(key, offset);
    wide(data.len(), || xor_words(data, key));
}

/// Writes `src` masked with `key` into `dst` (of the same length): the copy and the XOR in
/// one pass, for a client's frame built in the output buffer.
pub(crate) fn mask_into(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    debug_assert_eq!(dst.len(), src.len());
    wide(src.len(), || xor_words_into(dst, src, key));
}

/// Payloads at least this long are worth the dispatch to the widest vector instructions.
#[cfg(feature = "simd")]
const WIDE_MIN: usize = 256;

/// Runs `xor` compiled for the widest vector instructions the CPU has (AVX-512, AVX2; told
/// at run time by `pulp`, whose `unsafe` that is): the plain word loops below become wide
/// vector loops, about 1.7 times as fast on 64 KiB as the baseline's 16-byte ones (measured
/// in `docs/performance.md`). Without the `simd` feature, or for short payloads, the loop
/// runs as compiled for the baseline.
#[inline(always)]
fn wide(len: usize, xor: impl FnOnce()) {
    #[cfg(feature = "simd")]
    if len >= WIDE_MIN {
        // The closure is marked to be inlined into the code compiled for the wide
        // instructions, with the loop inside it.
        #[allow(clippy::redundant_closure)]
        return pulp::Arch::new().dispatch(
            #[inline(always)]
            || xor(),
        );
    }
    let _ = len;
    xor()
}

/// XORs `data` with the key, eight bytes at a time as one word: a loop the compiler turns
/// into vector instructions without any `unsafe`.
#[inline(always)]
fn xor_words(data: &mut [u8], key: [u8; 4]) {
    let word = key_word(key);
    let mut chunks = data.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let masked = u64::from_ne_bytes(chunk.try_into().unwrap_or_default()) ^ word;
        chunk.copy_from_slice(&masked.to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= key[i & 3];
    }
}

#[inline(always)]
fn xor_words_into(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    let word = key_word(key);
    let mut dst_chunks = dst.chunks_exact_mut(8);
    let mut src_chunks = src.chunks_exact(8);
    for (d, s) in (&mut dst_chunks).zip(&mut src_chunks) {
        let masked = u64::from_ne_bytes(s.try_into().unwrap_or_default()) ^ word;
        d.copy_from_slice(&masked.to_ne_bytes());
    }
    let (d, s) = (dst_chunks.into_remainder(), src_chunks.remainder());
    for (i, (d, s)) in d.iter_mut().zip(s).enumerate() {
        *d = s ^ key[i & 3];
    }
}

/// The key twice over, as a word in memory order.
fn key_word(key: [u8; 4]) -> u64 {
    u64::from_ne_bytes([
        key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
    ])
}

/// The key as seen from `offset` bytes into the payload.
fn rotate_key(key: [u8; 4], offset: usize) -> [u8; 4] {
    let r = offset & 3;
    [key[r], key[(r + 1) & 3], key[(r + 2) & 3], key[(r + 3) & 3]]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(data: &mut [u8], key: [u8; 4], offset: usize) {
        for (i, b) in data.iter_mut().enumerate() {
            *b ^= key[(offset + i) % 4];
        }
    }

    #[test]
    fn matches_the_definition_for_every_length_and_offset() {
        let key = [0x12, 0x34, 0x56, 0x78];
        // Past the length where the wide code takes over, and around it.
        for len in (0..100).chain(250..300).chain([1000, 4099]) {
            for offset in 0..8 {
                let original: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
                let mut fast = original.clone();
                let mut slow = original.clone();
                apply_mask(&mut fast, key, offset);
                naive(&mut slow, key, offset);
                assert_eq!(fast, slow, "len {len} offset {offset}");
            }
        }
    }

    #[test]
    fn mask_into_equals_copy_then_mask() {
        let key = [0x9a, 0x01, 0xff, 0x42];
        for len in (0..100).chain(250..300).chain([1000, 4099]) {
            let src: Vec<u8> = (0..len).map(|i| (i * 13 + 5) as u8).collect();
            let mut expected = src.clone();
            naive(&mut expected, key, 0);
            let mut dst = vec![0u8; len];
            mask_into(&mut dst, &src, key);
            assert_eq!(dst, expected, "len {len}");
        }
    }

    #[test]
    fn piecewise_equals_whole() {
        let key = [1, 2, 3, 4];
        let original: Vec<u8> = (0..77).collect();
        let mut whole = original.clone();
        apply_mask(&mut whole, key, 0);
        let mut pieces = original;
        let (a, rest) = pieces.split_at_mut(5);
        let (b, c) = rest.split_at_mut(38);
        apply_mask(a, key, 0);
        apply_mask(b, key, 5);
        apply_mask(c, key, 43);
        assert_eq!(whole, pieces);
    }
}
