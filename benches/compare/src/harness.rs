//! Timing: warm-up, then interleaved rounds, then medians.
//!
//! Every subject of a cell is verified before this runs. Warm-up runs each subject for a
//! while (two interleaved passes) and sizes its sample so that one sample takes about the
//! same time for every subject. Each round then takes one sample of every subject, in an
//! order that rotates and reverses from round to round, so that a burst of noise from the
//! rest of the machine lands on all subjects alike. A sample is the time per message over
//! its iterations; the result is the median over rounds, with quartiles. Every loop is
//! bounded both in count and in time.

use std::time::{Duration, Instant};

use crate::subjects::Bench;

/// How long to measure.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Warm-up per subject, split over two interleaved passes.
    pub warm: Duration,
    /// The time one sample aims for.
    pub sample: Duration,
    /// Rounds: samples per subject.
    pub rounds: usize,
    /// After this long a cell stops taking rounds (once it has at least three).
    pub cell_cap: Duration,
}

impl Plan {
    pub const QUICK: Plan = Plan {
        warm: Duration::from_millis(20),
        sample: Duration::from_millis(12),
        rounds: 5,
        cell_cap: Duration::from_secs(3),
    };
    pub const FULL: Plan = Plan {
        warm: Duration::from_millis(300),
        sample: Duration::from_millis(60),
        rounds: 31,
        cell_cap: Duration::from_secs(60),
    };
}

/// Most iterations a warm-up pass or a sample may take, whatever the time says.
const MAX_ITERATIONS: u32 = 10_000;

/// What a subject is in the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `wswire` as the comparison measures it.
    Wswire,
    /// Another way of driving `wswire`, shown for information; not a peer.
    Extra,
    /// A peer crate.
    Peer,
    /// A limit: memcpy or raw zlib-rs.
    Limit,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Wswire => "wswire",
            Role::Extra => "extra",
            Role::Peer => "peer",
            Role::Limit => "limit",
        }
    }
}

pub struct Subject {
    pub name: &'static str,
    pub role: Role,
    pub bench: Box<dyn Bench>,
}

/// One subject's samples in a cell.
#[derive(Debug, Clone)]
pub struct Measured {
    pub name: &'static str,
    pub role: Role,
    /// Nanoseconds per message, one per round, in round order.
    pub samples: Vec<f64>,
    pub iterations_per_sample: u32,
}

impl Measured {
    pub fn median(&self) -> f64 {
        quantile(&self.samples, 0.5)
    }

    pub fn q1(&self) -> f64 {
        quantile(&self.samples, 0.25)
    }

    pub fn q3(&self) -> f64 {
        quantile(&self.samples, 0.75)
    }
}

/// The `q` quantile by linear interpolation (0.5: the median).
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let at = q * (v.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (at - lo as f64)
}

/// Times every subject of one cell. `messages`: messages per iteration.
pub fn measure(subjects: &mut [Subject], messages: usize, plan: &Plan) -> Vec<Measured> {
    let cell_start = Instant::now();
    let n = subjects.len();

    // Warm-up, and the time of one iteration of each subject.
    let mut per_iteration = vec![Duration::ZERO; n];
    for pass in 0..2 {
        for (i, s) in subjects.iter_mut().enumerate() {
            let until = Instant::now() + plan.warm / 2;
            let mut times = Vec::new();
            while (times.len() as u32) < MAX_ITERATIONS
                && (times.is_empty() || Instant::now() < until)
            {
                times.push(s.bench.run());
            }
            if pass == 1 {
                times.sort();
                per_iteration[i] = times[times.len() / 2];
            }
        }
    }
    let iterations: Vec<u32> = per_iteration
        .iter()
        .map(|t| {
            let t = t.as_secs_f64().max(1e-9);
            ((plan.sample.as_secs_f64() / t).ceil() as u32).clamp(1, MAX_ITERATIONS)
        })
        .collect();

    let mut samples = vec![Vec::with_capacity(plan.rounds); n];
    for round in 0..plan.rounds {
        if round >= 3 && cell_start.elapsed() > plan.cell_cap {
            break;
        }
        let mut order: Vec<usize> = (0..n).map(|i| (i + round) % n).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let k = iterations[i];
            let mut total = Duration::ZERO;
            for _ in 0..k {
                total += subjects[i].bench.run();
            }
            samples[i].push(total.as_nanos() as f64 / (f64::from(k) * messages as f64));
        }
    }

    subjects
        .iter()
        .zip(samples)
        .zip(iterations)
        .map(|((s, samples), k)| Measured {
            name: s.name,
            role: s.role,
            samples,
            iterations_per_sample: k,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&[3.0, 1.0, 2.0], 0.5), 2.0);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.25), 2.0);
    }
}
