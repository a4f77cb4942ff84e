//! One JSON object per line, written by hand: the output has only names, numbers and
//! plain strings.

use std::fmt::Write;

#[derive(Debug, Default)]
pub struct Line(String);

impl Line {
    pub fn new(kind: &str) -> Self {
        Line(String::new()).str("kind", kind)
    }

    fn key(mut self, key: &str) -> Self {
        self.0.push(if self.0.is_empty() { '{' } else { ',' });
        let _ = write!(self.0, "\"{key}\":");
        self
    }

    pub fn str(self, key: &str, value: &str) -> Self {
        let mut s = self.key(key);
        s.0.push('"');
        for ch in value.chars() {
            match ch {
                '"' => s.0.push_str("\\\""),
                '\\' => s.0.push_str("\\\\"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(s.0, "\\u{:04x}", c as u32);
                }
                c => s.0.push(c),
            }
        }
        s.0.push('"');
        s
    }

    pub fn num(self, key: &str, value: f64) -> Self {
        let mut s = self.key(key);
        if value.is_finite() {
            // Four significant figures are more than the noise allows.
            let _ = write!(s.0, "{}", round_sig(value, 4));
        } else {
            s.0.push_str("null");
        }
        s
    }

    pub fn int(self, key: &str, value: u64) -> Self {
        let mut s = self.key(key);
        let _ = write!(s.0, "{value}");
        s
    }

    pub fn opt_int(self, key: &str, value: Option<u64>) -> Self {
        match value {
            Some(v) => self.int(key, v),
            None => {
                let mut s = self.key(key);
                s.0.push_str("null");
                s
            }
        }
    }

    pub fn nums(self, key: &str, values: &[f64]) -> Self {
        let mut s = self.key(key);
        s.0.push('[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                s.0.push(',');
            }
            let _ = write!(s.0, "{}", round_sig(*v, 4));
        }
        s.0.push(']');
        s
    }

    pub fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

fn round_sig(v: f64, digits: i32) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(digits - 1 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}
