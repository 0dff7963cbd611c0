//! How long to wait before a retry: urllib3's exponential backoff with jitter,
//! or the server's `Retry-After`.

use std::time::{Duration, SystemTime};

use http::HeaderMap;
use http::header::RETRY_AFTER;

/// urllib3's backoff before retry number `retry` (1 for the first): nothing for
/// the first, then `factor * 2^(retry - 1)`, plus up to `jitter`, at most `max`.
pub(super) fn backoff(retry: usize, factor: Duration, jitter: Duration, max: Duration) -> Duration {
    if retry <= 1 {
        return Duration::ZERO;
    }
    let exponent = u32::try_from(retry - 1).unwrap_or(u32::MAX).min(63);
    let base = factor.saturating_mul(2u32.saturating_pow(exponent.min(31)));
    let jitter = jitter.mul_f64(random_fraction());
    base.saturating_add(jitter).min(max)
}

/// The server's `Retry-After`: whole seconds or an HTTP date, a date in the past
/// meaning now, at most `max`; `None` when absent or not understood.
pub(super) fn retry_after(headers: &HeaderMap, max: Duration) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = if value.bytes().all(|b| b.is_ascii_digit()) && !value.is_empty() {
        Duration::from_secs(value.parse().ok()?)
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    };
    Some(wait.min(max))
}

/// A number in `[0, 1)` that differs from call to call (for jitter; not for
/// anything that needs real randomness).
fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn urllib3_backoff_doubles_after_the_first_retry() {
        let f = Duration::from_millis(100);
        let max = Duration::from_secs(120);
        let waits: Vec<Duration> = (1..=5)
            .map(|n| backoff(n, f, Duration::ZERO, max))
            .collect();
        let ms = |n| Duration::from_millis(n);
        assert_eq!(waits, [ms(0), ms(200), ms(400), ms(800), ms(1600)]);
        assert_eq!(
            backoff(40, f, Duration::ZERO, max),
            max,
            "clamped to backoff_max"
        );
        let jittered = backoff(2, f, ms(50), max);
        assert!(jittered >= ms(200) && jittered < ms(250), "{jittered:?}");
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let max = Duration::from_secs(6 * 3600);
        let headers = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(RETRY_AFTER, HeaderValue::from_str(v).unwrap());
            h
        };
        assert_eq!(
            retry_after(&headers("3"), max),
            Some(Duration::from_secs(3))
        );
        assert_eq!(retry_after(&headers("999999"), max), Some(max), "capped");
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
        assert_eq!(retry_after(&headers(&past), max), Some(Duration::ZERO));
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let wait = retry_after(&headers(&soon), max).unwrap();
        assert!(
            wait <= Duration::from_secs(30) && wait >= Duration::from_secs(28),
            "{wait:?}"
        );
        assert_eq!(retry_after(&headers("soon"), max), None);
        assert_eq!(retry_after(&HeaderMap::new(), max), None);
    }
}
