//! The few date computations the doctor needs (token expiry, SSO cache expiry), in UTC seconds.
//! A calendar crate would be the only dependency for 40 lines of arithmetic.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn unix(year: i64, month: u32, day: u32, h: u32, m: u32, s: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + i64::from(h * 3600 + m * 60 + s))
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses SigV4's `X-Amz-Date` form, `20261122T101500Z`.
pub fn parse_amz_date(s: &str) -> Option<i64> {
    // ASCII first: every slice below is then on a character boundary.
    if s.len() != 16 || !s.is_ascii() || &s[8..9] != "T" || !s.ends_with('Z') {
        return None;
    }
    unix(i64::from(num(&s[0..4])?), num(&s[4..6])?, num(&s[6..8])?, num(&s[9..11])?, num(&s[11..13])?, num(&s[13..15])?)
}

/// Parses the RFC 3339 timestamps of the SSO token cache (`2026-11-22T10:15:00Z`, fractional seconds and
/// numeric offsets allowed, `UTC` suffix tolerated as the AWS CLI once wrote it).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 19 || !s.is_ascii() {
        return None;
    }
    let (date, rest) = s.split_at(10);
    let sep = rest.as_bytes()[0];
    if sep != b'T' && sep != b't' && sep != b' ' {
        return None;
    }
    let time = &rest[1..];
    let base = unix(
        i64::from(num(&date[0..4])?),
        num(&date[5..7])?,
        num(&date[8..10])?,
        num(time.get(0..2)?)?,
        num(time.get(3..5)?)?,
        num(time.get(6..8)?)?,
    )?;
    let mut tail = &time[8..];
    if let Some(frac) = tail.strip_prefix('.') {
        tail = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match tail {
        "Z" | "z" | "UTC" | "" => 0,
        _ => {
            let sign = match tail.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hh = i64::from(num(tail.get(1..3)?)?);
            let mm = i64::from(num(tail.get(4..6)?)?);
            sign * (hh * 3600 + mm * 60)
        }
    };
    Some(base - offset)
}

/// Formats UTC seconds as `2026-11-22T10:15:00Z`.
pub fn format_utc(secs: i64) -> String {
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// "3h 12m", "45s": a duration for humans.
pub fn human_duration(secs: i64) -> String {
    let secs = secs.unsigned_abs();
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        3600..=86_399 => format!("{}h {}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d {}h", secs / 86_400, secs % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let t = parse_rfc3339("2026-11-22T10:15:00Z").unwrap();
        assert_eq!(format_utc(t), "2026-11-22T10:15:00Z");
        assert_eq!(parse_amz_date("20261122T101500Z"), Some(t));
        assert_eq!(parse_rfc3339("2026-11-22T12:15:00.123+02:00"), Some(t));
        assert_eq!(parse_rfc3339("2026-11-22T10:15:00UTC"), Some(t));
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn garbage_is_none() {
        for bad in [
            "",
            "2026-13-01T00:00:00Z",
            "20261122X101500Z",
            "yesterday",
            "2026-11-22T10:15:00+0x:00",
            "é2026-11-22T10:15:00Z",
            "20261122é01500Z",
        ] {
            assert_eq!(parse_rfc3339(bad).or(parse_amz_date(bad)), None, "{bad}");
        }
    }
}
