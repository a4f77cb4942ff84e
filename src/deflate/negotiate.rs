//! Negotiating permessage-deflate's parameters (RFC 7692 §5, §7.1).

use alloc::{borrow::ToOwned, string::String, string::ToString};
use core::fmt;

use super::{DeflateConfig, DeflateParams, PERMESSAGE_DEFLATE};
use crate::extensions::Extension;

/// Why a permessage-deflate offer or response cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeflateNegotiationError {
    /// A parameter RFC 7692 does not define.
    UnknownParam(String),
    /// A parameter given twice (RFC 7692 §7.1).
    DuplicateParam(String),
    /// A parameter with a value it cannot have: a value on a flag, none where one is
    /// required, or window bits outside 8–15 or with leading zeros.
    InvalidValue(String),
    /// The response limits a window to more bits than the offer asked for.
    WindowLargerThanOffered(String),
    /// The response asks this end to compress with an 8-bit window, which zlib cannot do.
    EightBitWindow,
}

impl fmt::Display for DeflateNegotiationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownParam(p) => write!(f, "unknown permessage-deflate parameter {p}"),
            Self::DuplicateParam(p) => write!(f, "duplicate permessage-deflate parameter {p}"),
            Self::InvalidValue(p) => write!(f, "invalid value for permessage-deflate {p}"),
            Self::WindowLargerThanOffered(p) => write!(f, "{p} larger than offered"),
            Self::EightBitWindow => f.write_str("an 8-bit compression window is not supported"),
        }
    }
}

impl core::error::Error for DeflateNegotiationError {}

/// The parameters of one permessage-deflate element, checked for syntax.
#[derive(Debug, Default)]
struct Params {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: present without a value (allowed in an offer only).
    client_max_window_bits: Option<Option<u8>>,
}

impl Params {
    fn parse(extension: &Extension) -> Result<Self, DeflateNegotiationError> {
        let mut params = Self::default();
        let mut seen = [false; 4];
        for param in extension.params() {
            let name = param.name();
            let slot = match name {
                "server_no_context_takeover" => 0,
                "client_no_context_takeover" => 1,
                "server_max_window_bits" => 2,
                "client_max_window_bits" => 3,
                _ => return Err(DeflateNegotiationError::UnknownParam(name.to_owned())),
            };
            if core::mem::replace(&mut seen[slot], true) {
                return Err(DeflateNegotiationError::DuplicateParam(name.to_owned()));
            }
            let invalid = || DeflateNegotiationError::InvalidValue(name.to_owned());
            match (slot, param.value()) {
                (0, None) => params.server_no_context_takeover = true,
                (1, None) => params.client_no_context_takeover = true,
                (2, Some(v)) => {
                    params.server_max_window_bits = Some(window_bits(v).ok_or_else(invalid)?)
                }
                (3, None) => params.client_max_window_bits = Some(None),
                (3, Some(v)) => {
                    params.client_max_window_bits = Some(Some(window_bits(v).ok_or_else(invalid)?));
                }
                _ => return Err(invalid()),
            }
        }
        Ok(params)
    }
}

/// RFC 7692 §7.1.2: "a decimal integer value without leading zeroes between 8 to 15".
fn window_bits(value: &str) -> Option<u8> {
    match value.as_bytes() {
        [d @ b'8'..=b'9'] => Some(d - b'0'),
        [b'1', d @ b'0'..=b'5'] => Some(10 + d - b'0'),
        _ => None,
    }
}

fn is_deflate(extension: &Extension) -> bool {
    extension.name().eq_ignore_ascii_case(PERMESSAGE_DEFLATE)
}

impl DeflateConfig {
    /// A server's choice among a client's extension offers: the first permessage-deflate
    /// offer, in the client's order of preference, that this configuration can honour
    /// (RFC 7692 §5.1). Offers with unknown, duplicated or invalid parameters are declined,
    /// as are offers that would have the server compress with an 8-bit window.
    ///
    /// ```
    /// use wswire::{DeflateConfig, Extension};
    /// let offers = Extension::parse_list(
    ///     b"permessage-deflate; server_max_window_bits=8, permessage-deflate; client_max_window_bits",
    /// ).unwrap();
    /// let params = DeflateConfig::new().client_max_window_bits(12).accept_offers(&offers).unwrap();
    /// assert_eq!(params.to_extension().to_string(), "permessage-deflate; client_max_window_bits=12");
    /// ```
    pub fn accept_offers(&self, offers: &[Extension]) -> Option<DeflateParams> {
        offers
            .iter()
            .filter(|offer| is_deflate(offer))
            .find_map(|offer| self.accept(&Params::parse(offer).ok()?))
    }

    fn accept(&self, offer: &Params) -> Option<DeflateParams> {
        // §7.1.2.1: answer server_max_window_bits with the offered value or less, or
        // state our own smaller window even if not asked.
        let server_bits = self
            .server_max_window_bits
            .min(offer.server_max_window_bits.unwrap_or(15));
        if server_bits < 9 {
            return None;
        }
        let server_max_window_bits =
            (offer.server_max_window_bits.is_some() || server_bits < 15).then_some(server_bits);
        // §7.1.2.2: client_max_window_bits only if offered, and no larger than its value.
        let client_max_window_bits = match offer.client_max_window_bits {
            Some(offered) if self.client_max_window_bits < 15 => {
                Some(self.client_max_window_bits.min(offered.unwrap_or(15)))
            }
            _ => None,
        };
        Some(DeflateParams {
            server_no_context_takeover: self.server_no_context_takeover
                || offer.server_no_context_takeover,
            client_no_context_takeover: self.client_no_context_takeover
                || offer.client_no_context_takeover,
            server_max_window_bits,
            client_max_window_bits,
        })
    }

    /// A client's offer (RFC 7692 §7.1). It always carries `client_max_window_bits`, which
    /// lets the server limit the client's window.
    pub fn offer(&self) -> Extension {
        let mut offer = Extension::new(PERMESSAGE_DEFLATE);
        if self.server_no_context_takeover {
            offer = offer.with_param("server_no_context_takeover", None);
        }
        if self.client_no_context_takeover {
            offer = offer.with_param("client_no_context_takeover", None);
        }
        if self.server_max_window_bits < 15 {
            offer = offer.with_param(
                "server_max_window_bits",
                Some(self.server_max_window_bits.to_string()),
            );
        }
        let client_bits =
            (self.client_max_window_bits < 15).then(|| self.client_max_window_bits.to_string());
        offer.with_param("client_max_window_bits", client_bits)
    }

    /// A client's check of the server's answer to [`offer`](Self::offer) (RFC 7692 §7.1):
    /// the agreed parameters, or why the handshake must fail.
    ///
    /// A response may tighten what was offered (a smaller server window, no context
    /// takeover where none was asked) but not loosen it. A missing
    /// `server_no_context_takeover` that was asked for is accepted: inflating copes with
    /// either.
    pub fn check_response(
        &self,
        response: &Extension,
    ) -> Result<DeflateParams, DeflateNegotiationError> {
        let params = Params::parse(response)?;
        if let Some(bits) = params.server_max_window_bits {
            if bits > self.server_max_window_bits {
                return Err(DeflateNegotiationError::WindowLargerThanOffered(
                    "server_max_window_bits".to_owned(),
                ));
            }
        }
        let client_max_window_bits = match params.client_max_window_bits {
            None => None,
            // §7.1.2.2: in a response the parameter carries a value.
            Some(None) => {
                return Err(DeflateNegotiationError::InvalidValue(
                    "client_max_window_bits".to_owned(),
                ));
            }
            Some(Some(bits)) if bits > self.client_max_window_bits => {
                return Err(DeflateNegotiationError::WindowLargerThanOffered(
                    "client_max_window_bits".to_owned(),
                ));
            }
            Some(Some(8)) => return Err(DeflateNegotiationError::EightBitWindow),
            Some(Some(bits)) => Some(bits),
        };
        Ok(DeflateParams {
            server_no_context_takeover: params.server_no_context_takeover,
            client_no_context_takeover: params.client_no_context_takeover,
            server_max_window_bits: params.server_max_window_bits,
            client_max_window_bits,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(s: &str) -> Extension {
        Extension::parse_list(s.as_bytes()).unwrap().remove(0)
    }

    #[test]
    fn window_bits_syntax() {
        for (text, bits) in [
            ("8", Some(8)),
            ("9", Some(9)),
            ("10", Some(10)),
            ("15", Some(15)),
        ] {
            assert_eq!(window_bits(text), bits);
        }
        for bad in ["7", "16", "08", "015", "", "1", "9a", "+9"] {
            assert_eq!(window_bits(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn params_refuse_unknown_duplicate_and_invalid() {
        let parse = |s: &str| Params::parse(&ext(s)).map(|_| ());
        assert_eq!(
            parse("permessage-deflate; x=1"),
            Err(DeflateNegotiationError::UnknownParam("x".into()))
        );
        assert_eq!(
            parse("permessage-deflate; server_no_context_takeover; server_no_context_takeover"),
            Err(DeflateNegotiationError::DuplicateParam(
                "server_no_context_takeover".into()
            ))
        );
        for bad in [
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; client_max_window_bits=7",
        ] {
            assert!(
                matches!(parse(bad), Err(DeflateNegotiationError::InvalidValue(_))),
                "{bad}"
            );
        }
        assert!(
            parse("permessage-deflate; client_max_window_bits; server_max_window_bits=\"10\"")
                .is_ok()
        );
    }
}
