//! Close codes and the rules for a Close frame's payload (RFC 6455 §5.5.1, §7.4).

use core::fmt;

/// A WebSocket close status code (RFC 6455 §7.4).
///
/// A plain `u16` underneath, so codes registered after this crate was written, and the
/// application range 4000–4999, need no change here.
///
/// ```
/// use wswire::CloseCode;
/// assert!(CloseCode::NORMAL.is_valid_on_wire());
/// assert!(!CloseCode::NO_STATUS.is_valid_on_wire()); // 1005 is only ever reported locally
/// assert!(CloseCode::from(4000).is_valid_on_wire());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(u16);

impl CloseCode {
    /// 1000: the purpose of the connection has been fulfilled.
    pub const NORMAL: Self = Self(1000);
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    pub const GOING_AWAY: Self = Self(1001);
    /// 1002: the peer broke the protocol.
    pub const PROTOCOL_ERROR: Self = Self(1002);
    /// 1003: the endpoint received a kind of data it cannot accept.
    pub const UNSUPPORTED_DATA: Self = Self(1003);
    /// 1005: reserved; reported when a Close frame carried no code. Never sent.
    pub const NO_STATUS: Self = Self(1005);
    /// 1006: reserved; reported when the transport closed without a Close frame. Never sent.
    pub const ABNORMAL: Self = Self(1006);
    /// 1007: a message's data was not consistent with its type (e.g. invalid UTF-8 text).
    pub const INVALID_PAYLOAD: Self = Self(1007);
    /// 1008: a message violated the endpoint's policy.
    pub const POLICY_VIOLATION: Self = Self(1008);
    /// 1009: a message or frame was too big to process.
    pub const TOO_BIG: Self = Self(1009);
    /// 1010: the client expected the server to negotiate an extension.
    pub const MANDATORY_EXTENSION: Self = Self(1010);
    /// 1011: the server met an unexpected condition.
    pub const INTERNAL_ERROR: Self = Self(1011);
    /// 1012: the service is restarting (IANA registry).
    pub const SERVICE_RESTART: Self = Self(1012);
    /// 1013: try again later (IANA registry).
    pub const TRY_AGAIN_LATER: Self = Self(1013);
    /// 1014: a gateway received an invalid response (IANA registry).
    pub const BAD_GATEWAY: Self = Self(1014);
    /// 1015: reserved; reported when the TLS handshake failed. Never sent.
    pub const TLS_HANDSHAKE: Self = Self(1015);

    /// The numeric value.
    pub const fn as_u16(self) -> u16 {
        self.0
    }

    /// Whether this code may appear in a Close frame on the wire.
    ///
    /// RFC 6455 §7.4.1 and §7.4.2: 1000–1003 and 1007–1011 are defined, 1012–1014 are
    /// registered with IANA, 3000–3999 are for libraries and frameworks and 4000–4999 for
    /// applications. 1004 is reserved, 1005, 1006 and 1015 "MUST NOT be set as a status code
    /// in a Close control frame", and everything else below 3000 is reserved for future
    /// revisions of the protocol.
    pub const fn is_valid_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

impl From<u16> for CloseCode {
    fn from(code: u16) -> Self {
        Self(code)
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> Self {
        code.0
    }
}

impl fmt::Debug for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CloseCode({})", self.0)
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The largest reason a Close frame can carry: 125 bytes of control payload minus the code.
pub const MAX_CLOSE_REASON: usize = 123;

/// Why a received Close frame's payload is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClosePayloadError {
    /// RFC 6455 §5.5.1: a body, if present, starts with a two-byte code.
    OneByte,
    /// The code is not one that may be sent (see [`CloseCode::is_valid_on_wire`]).
    InvalidCode(u16),
    /// RFC 6455 §5.5.1: the reason "is not guaranteed to be human readable" but is UTF-8.
    InvalidUtf8,
}

/// Splits a received Close payload into its code and reason, enforcing RFC 6455 §5.5.1.
///
/// An empty payload has no code (reported as [`CloseCode::NO_STATUS`] by the caller).
pub(crate) fn parse_close_payload(
    payload: &[u8],
) -> Result<Option<(CloseCode, &str)>, ClosePayloadError> {
    match payload {
        [] => Ok(None),
        [_] => Err(ClosePayloadError::OneByte),
        [hi, lo, reason @ ..] => {
            let code = CloseCode(u16::from_be_bytes([*hi, *lo]));
            if !code.is_valid_on_wire() {
                return Err(ClosePayloadError::InvalidCode(code.0));
            }
            let reason =
                core::str::from_utf8(reason).map_err(|_| ClosePayloadError::InvalidUtf8)?;
            Ok(Some((code, reason)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_validity_matches_rfc_ranges() {
        for code in 0..=u16::MAX {
            let expected = (1000..=1003).contains(&code)
                || (1007..=1014).contains(&code)
                || (3000..=4999).contains(&code);
            assert_eq!(CloseCode(code).is_valid_on_wire(), expected, "code {code}");
        }
    }

    #[test]
    fn payload_rules() {
        assert_eq!(parse_close_payload(&[]), Ok(None));
        assert_eq!(
            parse_close_payload(&[0x03]),
            Err(ClosePayloadError::OneByte)
        );
        assert_eq!(
            parse_close_payload(&[0x03, 0xe8, b'o', b'k']),
            Ok(Some((CloseCode::NORMAL, "ok")))
        );
        assert_eq!(
            parse_close_payload(&[0x03, 0xed]),
            Err(ClosePayloadError::InvalidCode(1005))
        );
        assert_eq!(
            parse_close_payload(&[0x03, 0xe8, 0xff]),
            Err(ClosePayloadError::InvalidUtf8)
        );
    }
}
