//! The `Sec-WebSocket-Extensions` header (RFC 6455 §9.1).
//!
//! ```text
//! extension-list  = 1#extension
//! extension       = extension-token *( ";" extension-param )
//! extension-param = token [ "=" (token | quoted-string) ]
//! ```
//!
//! A quoted value, once unescaped, must itself be a token (RFC 6455 §9.1). The parser
//! walks the bytes once, never allocates more than the header holds, and refuses anything
//! off the grammar rather than guessing.

use alloc::{string::String, vec::Vec};
use core::fmt;

use crate::handshake::is_tchar;

/// One extension with its parameters, as offered by a client or accepted by a server.
///
/// ```
/// use wswire::Extension;
/// let offers = Extension::parse_list(b"permessage-deflate; client_max_window_bits, x-foo").unwrap();
/// assert_eq!(offers[0].name(), "permessage-deflate");
/// assert_eq!(offers[0].params()[0].name(), "client_max_window_bits");
/// assert_eq!(offers[0].params()[0].value(), None);
/// assert_eq!(offers[1].to_string(), "x-foo");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    name: String,
    params: Vec<ExtensionParam>,
}

/// A parameter of an [`Extension`]: a name and an optional value (quotes removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionParam {
    name: String,
    value: Option<String>,
}

/// `Sec-WebSocket-Extensions` does not follow RFC 6455 §9.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionsSyntaxError {
    /// The byte offset where the grammar broke.
    pub at: usize,
}

impl fmt::Display for ExtensionsSyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed Sec-WebSocket-Extensions at byte {}", self.at)
    }
}

impl core::error::Error for ExtensionsSyntaxError {}

impl Extension {
    /// An extension with no parameters.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            params: Vec::new(),
        }
    }

    /// Adds a parameter (`None` for a parameter without a value).
    pub fn with_param(mut self, name: impl Into<String>, value: Option<String>) -> Self {
        self.params.push(ExtensionParam {
            name: name.into(),
            value,
        });
        self
    }

    /// The extension's name (a token).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its parameters, in order.
    pub fn params(&self) -> &[ExtensionParam] {
        &self.params
    }

    /// Parses one header value: a comma-separated list of extensions. Empty list elements
    /// are skipped (RFC 9110 §5.6.1); an empty value is an empty list.
    pub fn parse_list(value: &[u8]) -> Result<Vec<Self>, ExtensionsSyntaxError> {
        let mut parser = Parser { s: value, at: 0 };
        let mut list = Vec::new();
        loop {
            parser.skip_ows();
            if parser.eat(b',') {
                continue;
            }
            if parser.done() {
                return Ok(list);
            }
            list.push(parser.extension()?);
            parser.skip_ows();
            if !parser.done() && !parser.eat(b',') {
                return Err(parser.error());
            }
        }
    }
}

impl ExtensionParam {
    /// The parameter's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its value, unquoted, if it has one.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }
}

impl fmt::Display for Extension {
    /// Writes the extension as it appears in the header: `name; param; param=value`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        for param in &self.params {
            write!(f, "; {}", param.name)?;
            if let Some(value) = &param.value {
                write!(f, "={value}")?;
            }
        }
        Ok(())
    }
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn done(&self) -> bool {
        self.at >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.at += 1;
        }
        hit
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    fn error(&self) -> ExtensionsSyntaxError {
        ExtensionsSyntaxError { at: self.at }
    }

    fn token(&mut self) -> Result<String, ExtensionsSyntaxError> {
        let start = self.at;
        while self.peek().is_some_and(is_tchar) {
            self.at += 1;
        }
        if self.at == start {
            return Err(self.error());
        }
        // Only tchars were taken: ASCII.
        Ok(String::from_utf8_lossy(&self.s[start..self.at]).into_owned())
    }

    /// RFC 9110 §5.6.4 quoted-string, whose content must then be a token.
    fn quoted_token(&mut self) -> Result<String, ExtensionsSyntaxError> {
        let mut value = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error()),
                Some(b'"') => {
                    self.at += 1;
                    break;
                }
                Some(b'\\') => {
                    self.at += 1;
                    match self.peek() {
                        Some(b) if is_tchar(b) => value.push(char::from(b)),
                        _ => return Err(self.error()),
                    }
                }
                Some(b) if is_tchar(b) => value.push(char::from(b)),
                Some(_) => return Err(self.error()),
            }
            self.at += 1;
        }
        if value.is_empty() {
            return Err(self.error());
        }
        Ok(value)
    }

    fn extension(&mut self) -> Result<Extension, ExtensionsSyntaxError> {
        let mut extension = Extension::new(self.token()?);
        loop {
            self.skip_ows();
            if !self.eat(b';') {
                return Ok(extension);
            }
            self.skip_ows();
            let name = self.token()?;
            self.skip_ows();
            let value = if self.eat(b'=') {
                self.skip_ows();
                Some(if self.eat(b'"') {
                    self.quoted_token()?
                } else {
                    self.token()?
                })
            } else {
                None
            };
            extension.params.push(ExtensionParam { name, value });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(value: &str) -> Result<Vec<String>, ExtensionsSyntaxError> {
        Extension::parse_list(value.as_bytes())
            .map(|list| list.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn grammar() {
        assert_eq!(names("").unwrap(), Vec::<String>::new());
        assert_eq!(names(" , ,").unwrap(), Vec::<String>::new());
        assert_eq!(
            names("permessage-deflate;client_max_window_bits ; server_max_window_bits=10").unwrap(),
            ["permessage-deflate; client_max_window_bits; server_max_window_bits=10"]
        );
        assert_eq!(
            names("a; p=\"15\", b;q = \"x\\y\"").unwrap(),
            ["a; p=15", "b; q=xy"]
        );
        for bad in [
            "a;",
            "a;;b",
            "a; =1",
            "a; p=",
            "a; p=\"\"",
            "a; p=\"1 5\"",
            "a; p=\"15",
            "a b",
            ";a",
            "a; p=1 2",
            "a, b c",
            "\"a\"",
            "a; p=\"\\\"\"",
        ] {
            assert!(names(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn error_offset_points_at_the_break() {
        assert_eq!(names("abc; p=1 x"), Err(ExtensionsSyntaxError { at: 9 }));
    }
}
