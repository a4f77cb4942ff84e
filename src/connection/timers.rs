//! Time as an input, timers as outputs.
//!
//! The core never reads a clock. The caller passes the time it reads (a `Duration` since an
//! epoch of its choosing: `Instant` differences, a monotonic counter, a test's fake clock)
//! to `Connection::handle_timeout`, and asks `Connection::poll_timeout` when next to call.
//! Between calls, the connection only notes that data moved; each call turns those notes
//! into times and acts on whatever deadline has passed. This is quinn-proto's shape:
//! `handle_timeout(now)` / `poll_timeout()`.
//!
//! Until the first call the connection does not know the time, so a configured timer asks
//! for it at once: `poll_timeout` returns `Duration::ZERO`.

use core::time::Duration;

/// What a passed deadline asks the connection to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    /// Nothing arrived for the keep-alive interval: send a Ping.
    SendPing,
    /// The keep-alive Ping went unanswered: fail with 1011.
    PongTimeout,
    /// No data either way for the idle timeout: start the closing handshake.
    Idle,
    /// The closing handshake (or, for a client, the server's closing of the transport)
    /// took too long: stop waiting.
    CloseTimeout,
    /// Nothing happened for a while: give buffer memory back.
    ReleaseBuffers,
}

/// The timer settings, all off unless configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TimerConfig {
    pub(crate) keepalive: Option<Duration>,
    pub(crate) pong_timeout: Option<Duration>,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) close_timeout: Option<Duration>,
    pub(crate) release_buffers_after: Option<Duration>,
}

/// What the connection is waiting for, as far as the timers are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waiting {
    /// Data flows: keep-alive and idle timers run.
    Open,
    /// Our Close was sent (or, for a client, the server should close the transport).
    Close,
    /// Nothing: the connection is over.
    Nothing,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Timers {
    /// The latest time the caller gave.
    now: Option<Duration>,
    /// Bytes arrived since the last call.
    input_seen: bool,
    /// A data message moved either way since the last call (received, queued or written).
    data_seen: bool,
    last_input: Duration,
    last_data: Duration,
    /// When the keep-alive Ping went out, while it is unanswered.
    ping_sent: Option<Duration>,
    /// When the connection began waiting for the end of the closing handshake.
    close_started: Option<Duration>,
    /// The buffers were given back since the last activity.
    released: bool,
}

impl Timers {
    /// Notes that data arrived from the peer.
    #[inline]
    pub(crate) fn input(&mut self) {
        self.input_seen = true;
    }

    /// Notes that a data message moved: received, queued or written. Control frames do
    /// not count, so keep-alive Pings and their Pongs never keep a connection from idling.
    #[inline]
    pub(crate) fn data(&mut self) {
        self.data_seen = true;
    }

    /// Notes that the connection started waiting for the closing handshake to end.
    pub(crate) fn closing(&mut self) {
        if self.close_started.is_none() {
            self.close_started = Some(self.now.unwrap_or_default());
        }
    }

    /// Takes the time and turns the notes since the last call into times.
    pub(crate) fn observe(&mut self, now: Duration) {
        let first = self.now.is_none();
        // A clock that steps back is held where it was: deadlines never move earlier.
        let now = self.now.map_or(now, |before| before.max(now));
        self.now = Some(now);
        if first {
            self.last_input = now;
            self.last_data = now;
        }
        if self.input_seen {
            self.last_input = now;
            // Not only a Pong: any bytes prove the peer is there (Python websockets takes
            // it the same way).
            self.ping_sent = None;
        }
        if self.data_seen {
            self.last_data = now;
        }
        if self.input_seen || self.data_seen {
            self.released = false;
        }
        self.input_seen = false;
        self.data_seen = false;
        if let Some(started) = &mut self.close_started {
            if first {
                *started = now;
            }
        }
    }

    /// The first deadline that has passed, if any; `observe` was called with the time.
    pub(crate) fn due(&self, config: &TimerConfig, waiting: Waiting) -> Option<Due> {
        let now = self.now?;
        self.deadlines(config, waiting)
            .find(|&(deadline, _)| deadline <= now)
            .map(|(_, due)| due)
    }

    /// The earliest deadline; zero while the time is unknown and a timer is configured.
    pub(crate) fn next(&self, config: &TimerConfig, waiting: Waiting) -> Option<Duration> {
        if self.now.is_none() {
            let any = config.keepalive.is_some()
                || config.idle_timeout.is_some()
                || config.close_timeout.is_some()
                || config.release_buffers_after.is_some();
            return (any && waiting != Waiting::Nothing).then_some(Duration::ZERO);
        }
        self.deadlines(config, waiting).map(|(at, _)| at).min()
    }

    /// Every armed deadline, in the order their actions take precedence.
    fn deadlines(
        &self,
        config: &TimerConfig,
        waiting: Waiting,
    ) -> impl Iterator<Item = (Duration, Due)> {
        let open = waiting == Waiting::Open;
        let pong = self
            .ping_sent
            .zip(config.pong_timeout)
            .filter(|_| open)
            .map(|(sent, wait)| (sent.saturating_add(wait), Due::PongTimeout));
        let ping = config
            .keepalive
            .filter(|_| open && self.ping_sent.is_none())
            .map(|every| (self.last_input.saturating_add(every), Due::SendPing));
        let idle = config
            .idle_timeout
            .filter(|_| open)
            .map(|after| (self.last_data.saturating_add(after), Due::Idle));
        let close = self
            .close_started
            .zip(config.close_timeout)
            .filter(|_| waiting == Waiting::Close)
            .map(|(since, wait)| (since.saturating_add(wait), Due::CloseTimeout));
        // Quiet: no bytes in, no data out.
        let quiet_since = self.last_data.max(self.last_input);
        let release = config
            .release_buffers_after
            .filter(|_| !self.released)
            .map(|after| (quiet_since.saturating_add(after), Due::ReleaseBuffers));
        [pong, close, idle, ping, release].into_iter().flatten()
    }

    /// The keep-alive Ping went out now.
    pub(crate) fn ping_sent(&mut self) {
        self.ping_sent = self.now;
    }

    /// The buffers were given back; not again until something happens.
    pub(crate) fn buffers_released(&mut self) {
        self.released = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn asks_for_the_time_first_then_counts_from_it() {
        let config = TimerConfig {
            keepalive: Some(10 * S),
            ..TimerConfig::default()
        };
        let mut timers = Timers::default();
        assert_eq!(timers.next(&config, Waiting::Open), Some(Duration::ZERO));
        timers.observe(100 * S);
        assert_eq!(timers.next(&config, Waiting::Open), Some(110 * S));
        timers.input();
        timers.observe(105 * S);
        assert_eq!(timers.next(&config, Waiting::Open), Some(115 * S));
        assert_eq!(timers.due(&config, Waiting::Open), None);
        timers.observe(115 * S);
        assert_eq!(timers.due(&config, Waiting::Open), Some(Due::SendPing));
    }

    #[test]
    fn nothing_is_armed_unless_configured() {
        let mut timers = Timers::default();
        let config = TimerConfig::default();
        assert_eq!(timers.next(&config, Waiting::Open), None);
        timers.observe(S);
        assert_eq!(timers.next(&config, Waiting::Open), None);
        assert_eq!(timers.due(&config, Waiting::Close), None);
    }

    #[test]
    fn a_clock_stepping_back_moves_no_deadline_earlier() {
        let config = TimerConfig {
            idle_timeout: Some(10 * S),
            ..TimerConfig::default()
        };
        let mut timers = Timers::default();
        timers.observe(50 * S);
        timers.data();
        timers.observe(40 * S);
        assert_eq!(timers.next(&config, Waiting::Open), Some(60 * S));
    }
}
