//! Differential: wswire's frame header codec against tungstenite's (a fuzz-only
//! dependency), on arbitrary bytes.
//!
//! Decoding: where tungstenite reads a whole header, wswire reads the same one (flags,
//! opcode, mask, length, header length) or refuses it for a rule tungstenite leaves to
//! its reader (a fragmented or long control frame, a 64-bit length with its top bit set);
//! a reserved opcode fails in both; where tungstenite needs more bytes, wswire reads no
//! header. Encoding: for the header decoded, both write the same bytes.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use tungstenite::protocol::frame::FrameHeader as TFrameHeader;
use tungstenite::protocol::frame::coding::{Control, Data, OpCode as TOpCode};
use wswire::frame::{FrameError, FrameHeader, OpCode, RSV1, RSV2, RSV3};

fn same(ours: &FrameHeader, theirs: &TFrameHeader) -> bool {
    ours.fin == theirs.is_final
        && (ours.rsv & RSV1 != 0) == theirs.rsv1
        && (ours.rsv & RSV2 != 0) == theirs.rsv2
        && (ours.rsv & RSV3 != 0) == theirs.rsv3
        && ours.opcode.bits() == u8::from(theirs.opcode)
        && ours.mask == theirs.mask
}

fn is_control(opcode: TOpCode) -> bool {
    matches!(opcode, TOpCode::Control(_))
}

fuzz_target!(|data: &[u8]| {
    let mut cursor = Cursor::new(data);
    let theirs = TFrameHeader::parse(&mut cursor);
    let ours = FrameHeader::decode(data);
    match (&theirs, &ours) {
        (Ok(Some((t, len))), Ok(Some((o, n)))) => {
            assert!(same(o, t), "{o:?} vs {t:?}");
            assert_eq!(o.payload_len, *len);
            assert_eq!(*n as u64, cursor.position());
            // Both encode the header in the same (shortest) form.
            let mut written = Vec::new();
            t.format(*len, &mut written).unwrap();
            assert_eq!(o.encode().as_bytes(), &written[..]);
        }
        (Ok(Some((t, _))), Err(FrameError::FragmentedControl)) => {
            assert!(is_control(t.opcode) && !t.is_final, "{t:?}");
        }
        (Ok(Some((t, len))), Err(FrameError::ControlTooLong)) => {
            assert!(
                is_control(t.opcode) && (*len > 125 || data[1] & 0x7F > 125),
                "{t:?}"
            );
        }
        (Ok(Some((_, len))), Err(FrameError::LengthOverflow)) => assert!(*len >> 63 != 0),
        (Ok(None), Ok(None)) => {}
        // wswire fails as soon as the first bytes prove a header invalid.
        (Ok(None), Err(FrameError::FragmentedControl)) => {
            assert_eq!(data[0] & 0x88, 0x08, "a control opcode without FIN");
        }
        (Ok(None), Err(FrameError::ControlTooLong)) => {
            assert_eq!(data[0] & 0x88, 0x88, "a final control frame");
            assert!(data[1] & 0x7F > 125, "a length past 125");
        }
        (Ok(None), Err(FrameError::LengthOverflow)) => assert!(data[2] & 0x80 != 0),
        (Ok(None), Err(FrameError::ReservedOpcode(bits))) => {
            assert!(OpCode::from_bits(*bits).is_none() && data[0] & 0x0F == *bits);
        }
        (Err(tungstenite::Error::Protocol(e)), Err(FrameError::ReservedOpcode(bits))) => {
            assert_eq!(
                e,
                &tungstenite::error::ProtocolError::InvalidOpcode(*bits),
                "{bits}"
            );
        }
        _ => panic!("tungstenite {theirs:?}, wswire {ours:?} for {data:02x?}"),
    }
    // The opcode mapping itself, for completeness.
    if let Some(opcode) = data.first().and_then(|b| OpCode::from_bits(b & 0x0F)) {
        let theirs = TOpCode::from(data[0] & 0x0F);
        assert!(!matches!(
            theirs,
            TOpCode::Data(Data::Reserved(_)) | TOpCode::Control(Control::Reserved(_))
        ));
        assert_eq!(opcode.is_control(), is_control(theirs));
    }
});
