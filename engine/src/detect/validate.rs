//! Validators: cheap, exact checks run on a regex *candidate* after it
//! matched, before it counts as a finding.
//!
//! A regex can say "twelve to nineteen digits with optional separators" but
//! not "and the Luhn checksum holds"; it can say "two letters, two digits and
//! up to thirty alphanumerics" but not "and the country's IBAN length is 22
//! and mod-97 is 1". Doing that arithmetic here, on the few candidates a
//! pattern yields, keeps the patterns small (cheap to compile in wasm, no DFA
//! blow-up) while cutting false positives by one to two orders of magnitude:
//! a random 16-digit number passes Luhn one time in ten, an issuer prefix
//! *and* Luhn far less often, a random IBAN-shaped string mod-97 one time in
//! 97 on top of the country/length table.
//!
//! Every check is allocation-free except [`jwt`] (which decodes and parses a
//! small JSON header) and [`shannon_entropy`] on non-ASCII input.

use std::net::Ipv6Addr;

use base64::Engine as _;

use crate::ruleset::Validator;

/// Whether `matched` (the text of one candidate match) passes `validator`.
pub fn check(validator: &Validator, matched: &str) -> bool {
    match *validator {
        Validator::Luhn => luhn_text(matched),
        Validator::PaymentCard => payment_card(matched),
        Validator::Iban => iban(matched),
        Validator::UsSsn => us_ssn(matched),
        Validator::Ipv4 => ipv4(matched),
        Validator::Ipv6 => matched.parse::<Ipv6Addr>().is_ok(),
        Validator::Jwt => jwt(matched),
        Validator::Entropy { min_bits } => shannon_entropy(matched) >= min_bits,
    }
}

// ---------------------------------------------------------------------------
// Luhn and payment cards

/// Luhn (mod 10) checksum over ASCII digits (`b'0'..=b'9'`), the last one
/// being the check digit. Any other byte, or fewer than two digits, fails.
pub fn luhn(digits: &[u8]) -> bool {
    digits.len() >= 2 && luhn_rev(digits.iter().rev().copied())
}

/// Luhn over digits given check digit first; `false` on a non-digit.
fn luhn_rev(digits_rev: impl Iterator<Item = u8>) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits_rev.enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// [`Validator::Luhn`]: separators (space, dash, dot) ignored, anything else
/// fails.
fn luhn_text(s: &str) -> bool {
    let digits = s.bytes().filter(|b| !matches!(b, b' ' | b'-' | b'.'));
    digits.clone().count() >= 2 && luhn_rev(digits.rev())
}

/// One row of the issuer table: a numeric prefix range of a given number of
/// digits and the card lengths that issuer uses for it.
struct IssuerRange {
    name: &'static str,
    /// How many leading digits `low..=high` compare against.
    prefix_digits: u8,
    low: u32,
    high: u32,
    min_len: u8,
    max_len: u8,
    /// Lengths outside this list are refused even within `min_len..=max_len`
    /// (Visa issues 13, 16 and 19 digits only); empty = every length in range.
    only_lens: &'static [u8],
}

const fn range(
    name: &'static str,
    prefix_digits: u8,
    low: u32,
    high: u32,
    min_len: u8,
    max_len: u8,
) -> IssuerRange {
    IssuerRange {
        name,
        prefix_digits,
        low,
        high,
        min_len,
        max_len,
        only_lens: &[],
    }
}

/// Issuer identification number ranges of the major networks, with their
/// lengths.
///
/// Why a table rather than "any 12–19 digits that pass Luhn": one random
/// number in ten passes Luhn, so order numbers, tracking numbers and
/// timestamps would be reported as cards; requiring a real issuer prefix
/// *and* that issuer's lengths rejects most of them (nothing starting with
/// 0, 1, 7, 8 or 9 is accepted, and a 15-digit number must start 34/37).
/// UATP (prefix 1, 15 digits) is left out on purpose: 13–19 digit numbers
/// starting with 1 are overwhelmingly Unix timestamps in milli/micro/nano
/// seconds (JCB's 1800, 15 digits, is no timestamp of this century). Overlapping rows (Discover 65 and Maestro 65) are fine: a number
/// is accepted if any row accepts it.
const ISSUERS: &[IssuerRange] = &[
    IssuerRange {
        name: "visa",
        prefix_digits: 1,
        low: 4,
        high: 4,
        min_len: 13,
        max_len: 19,
        only_lens: &[13, 16, 19],
    },
    range("mastercard", 2, 51, 55, 16, 16),
    range("mastercard", 4, 2221, 2720, 16, 16),
    range("amex", 2, 34, 34, 15, 15),
    range("amex", 2, 37, 37, 15, 15),
    range("discover", 4, 6011, 6011, 16, 19),
    range("discover", 3, 644, 649, 16, 19),
    range("discover", 2, 65, 65, 16, 19),
    // JCB is assigned 3528–3589; card generators (Faker among them) draw
    // from all of 35, and a Luhn-valid 16–19 digit number there is a card
    // for every purpose of this detector. The 15-digit 2131 and 1800
    // ranges are JCB's older ones, still printed on cards in use.
    range("jcb", 2, 35, 35, 16, 19),
    range("jcb", 4, 2131, 2131, 15, 15),
    range("jcb", 4, 1800, 1800, 15, 15),
    range("diners", 3, 300, 305, 14, 19),
    range("diners", 4, 3095, 3095, 14, 19),
    range("diners", 2, 36, 36, 14, 19),
    range("diners", 2, 38, 39, 14, 19),
    range("unionpay", 2, 62, 62, 16, 19),
    range("mir", 4, 2200, 2204, 16, 19),
    range("maestro", 2, 50, 50, 12, 19),
    range("maestro", 2, 56, 69, 12, 19),
];

/// The card network whose issuer prefix and length table accept `digits`
/// (ASCII digits only, no separators), e.g. `"visa"`; `None` if no known
/// issuer uses that prefix with that length. Does not check Luhn.
pub fn card_issuer(digits: &[u8]) -> Option<&'static str> {
    let len = u8::try_from(digits.len()).ok()?;
    ISSUERS.iter().find_map(|row| {
        let n = usize::from(row.prefix_digits);
        let prefix = digits.get(..n)?;
        let mut value = 0u32;
        for &b in prefix {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(b - b'0');
        }
        let len_ok = (row.min_len..=row.max_len).contains(&len)
            && (row.only_lens.is_empty() || row.only_lens.contains(&len));
        (len_ok && (row.low..=row.high).contains(&value)).then_some(row.name)
    })
}

/// [`Validator::PaymentCard`]: 12–19 digits once spaces or dashes are
/// removed; separators, if any, are all the same character, single, and not
/// at either end; a known issuer prefix and length ([`card_issuer`]); Luhn.
pub fn payment_card(s: &str) -> bool {
    let mut digits = [0u8; 19];
    let mut n = 0usize;
    let mut separator: Option<u8> = None;
    let mut prev_was_separator = true; // a leading separator is refused
    for b in s.bytes() {
        match b {
            b'0'..=b'9' => {
                let Some(slot) = digits.get_mut(n) else {
                    return false; // more than 19 digits
                };
                *slot = b;
                n += 1;
                prev_was_separator = false;
            }
            b' ' | b'-' => {
                if prev_was_separator || separator.is_some_and(|s| s != b) {
                    return false;
                }
                separator = Some(b);
                prev_was_separator = true;
            }
            _ => return false,
        }
    }
    let digits = &digits[..n];
    !prev_was_separator && n >= 12 && card_issuer(digits).is_some() && luhn(digits)
}

// ---------------------------------------------------------------------------
// IBAN

/// IBAN lengths by country, from the SWIFT IBAN registry (release 100,
/// 89 countries). Sorted by country code for binary search.
///
/// Why a table: the length is fixed per country, so together with mod-97 it
/// rejects nearly every IBAN-shaped accident (product codes, references);
/// territories that use their parent's code (e.g. GF, RE use FR) need no row.
const IBAN_LENGTHS: &[([u8; 2], u8)] = &[
    (*b"AD", 24),
    (*b"AE", 23),
    (*b"AL", 28),
    (*b"AT", 20),
    (*b"AZ", 28),
    (*b"BA", 20),
    (*b"BE", 16),
    (*b"BG", 22),
    (*b"BH", 22),
    (*b"BI", 27),
    (*b"BR", 29),
    (*b"BY", 28),
    (*b"CH", 21),
    (*b"CR", 22),
    (*b"CY", 28),
    (*b"CZ", 24),
    (*b"DE", 22),
    (*b"DJ", 27),
    (*b"DK", 18),
    (*b"DO", 28),
    (*b"EE", 20),
    (*b"EG", 29),
    (*b"ES", 24),
    (*b"FI", 18),
    (*b"FK", 18),
    (*b"FO", 18),
    (*b"FR", 27),
    (*b"GB", 22),
    (*b"GE", 22),
    (*b"GI", 23),
    (*b"GL", 18),
    (*b"GR", 27),
    (*b"GT", 28),
    (*b"HN", 28),
    (*b"HR", 21),
    (*b"HU", 28),
    (*b"IE", 22),
    (*b"IL", 23),
    (*b"IQ", 23),
    (*b"IS", 26),
    (*b"IT", 27),
    (*b"JO", 30),
    (*b"KW", 30),
    (*b"KZ", 20),
    (*b"LB", 28),
    (*b"LC", 32),
    (*b"LI", 21),
    (*b"LT", 20),
    (*b"LU", 20),
    (*b"LV", 21),
    (*b"LY", 25),
    (*b"MC", 27),
    (*b"MD", 24),
    (*b"ME", 22),
    (*b"MK", 19),
    (*b"MN", 20),
    (*b"MR", 27),
    (*b"MT", 31),
    (*b"MU", 30),
    (*b"NI", 28),
    (*b"NL", 18),
    (*b"NO", 15),
    (*b"OM", 23),
    (*b"PK", 24),
    (*b"PL", 28),
    (*b"PS", 29),
    (*b"PT", 25),
    (*b"QA", 29),
    (*b"RO", 24),
    (*b"RS", 22),
    (*b"RU", 33),
    (*b"SA", 24),
    (*b"SC", 31),
    (*b"SD", 18),
    (*b"SE", 24),
    (*b"SI", 19),
    (*b"SK", 24),
    (*b"SM", 27),
    (*b"SO", 23),
    (*b"ST", 25),
    (*b"SV", 28),
    (*b"TL", 23),
    (*b"TN", 24),
    (*b"TR", 26),
    (*b"UA", 29),
    (*b"VA", 22),
    (*b"VG", 24),
    (*b"XK", 20),
    (*b"YE", 30),
];

/// Longest IBAN any registry country uses (and the ISO 13616 ceiling).
const IBAN_MAX_LEN: usize = 34;

/// The IBAN length of a registry country (`b"DE"` → 22), `None` for a
/// country without IBANs.
pub fn iban_length(country: [u8; 2]) -> Option<usize> {
    IBAN_LENGTHS
        .binary_search_by(|(code, _)| code.cmp(&country))
        .ok()
        .and_then(|i| IBAN_LENGTHS.get(i))
        .map(|&(_, len)| usize::from(len))
}

/// ISO 7064 MOD 97-10 of an IBAN written without spaces (upper-case
/// letters and digits): the first four characters are moved to the end,
/// letters become 10–35, and the remainder of that number by 97 is
/// returned. A valid IBAN gives 1. `None` on a byte that is not an ASCII
/// upper-case letter or digit, or on input shorter than five characters.
pub fn iban_mod97(iban: &[u8]) -> Option<u32> {
    if iban.len() < 5 {
        return None;
    }
    let (head, tail) = iban.split_at(4);
    // Digit by digit, so the number never exceeds 97 * 100 + 99.
    tail.iter().chain(head).try_fold(0u32, |r, &b| match b {
        b'0'..=b'9' => Some((r * 10 + u32::from(b - b'0')) % 97),
        b'A'..=b'Z' => Some((r * 100 + u32::from(b - b'A') + 10) % 97),
        _ => None,
    })
}

/// [`Validator::Iban`]: spaces are ignored and letters may be in either
/// case; the country must be in the IBAN registry with this length, the
/// check digits 02–98 and the mod-97 remainder 1.
pub fn iban(s: &str) -> bool {
    let mut buf = [0u8; IBAN_MAX_LEN];
    let mut n = 0usize;
    for b in s.bytes() {
        if b == b' ' {
            continue;
        }
        if !b.is_ascii_alphanumeric() {
            return false;
        }
        let Some(slot) = buf.get_mut(n) else {
            return false;
        };
        *slot = b.to_ascii_uppercase();
        n += 1;
    }
    let iban = &buf[..n];
    let [c0, c1, d0, d1, ..] = *iban else {
        return false;
    };
    if !(c0.is_ascii_uppercase() && c1.is_ascii_uppercase()) {
        return false;
    }
    if !(d0.is_ascii_digit() && d1.is_ascii_digit()) {
        return false;
    }
    // ISO 13616: 00, 01 and 99 are never issued as check digits.
    let check_digits = (d0 - b'0') * 10 + (d1 - b'0');
    if !(2..=98).contains(&check_digits) {
        return false;
    }
    iban_length([c0, c1]) == Some(n) && iban_mod97(iban) == Some(1)
}

// ---------------------------------------------------------------------------
// US SSN

/// Numbers that are well-formed but known not to be anyone's: the
/// Woolworth wallet-insert number (078-05-1120), the SSA's own
/// advertising number (219-09-9999) and the textbook 123-45-6789.
const FAKE_SSNS: &[[u8; 9]] = &[*b"078051120", *b"219099999", *b"123456789"];

/// [`Validator::UsSsn`]: nine digits, separated as `AAA-GG-SSSS`,
/// `AAA GG SSSS` or not at all (one kind of separator, in those places);
/// area not 000, 666 or 900–999 (never issued); group not 00; serial not
/// 0000; and not one of the well-known fake numbers.
pub fn us_ssn(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut digits = [0u8; 9];
    match bytes.len() {
        9 => {
            let Ok(d) = <[u8; 9]>::try_from(bytes) else {
                return false;
            };
            digits = d;
        }
        11 => {
            let sep = bytes[3];
            if !matches!(sep, b'-' | b' ') || bytes[6] != sep {
                return false;
            }
            digits[..3].copy_from_slice(&bytes[..3]);
            digits[3..5].copy_from_slice(&bytes[4..6]);
            digits[5..].copy_from_slice(&bytes[7..]);
        }
        _ => return false,
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let area = &digits[..3];
    let group = &digits[3..5];
    let serial = &digits[5..];
    area != b"000"
        && area != b"666"
        && area[0] != b'9'
        && group != b"00"
        && serial != b"0000"
        && !FAKE_SSNS.contains(&digits)
}

// ---------------------------------------------------------------------------
// IP addresses

/// [`Validator::Ipv4`]: exactly four dot-separated decimal octets, each
/// 0–255 and without leading zeros (`010` is refused: some parsers read it
/// as octal, and it is more often part of a version or a date than an
/// address).
pub fn ipv4(s: &str) -> bool {
    let mut parts = 0;
    for octet in s.split('.') {
        parts += 1;
        let ok = match octet.as_bytes() {
            [b'0'] => true,
            [b'1'..=b'9'] | [b'1'..=b'9', b'0'..=b'9'] => true,
            [a @ b'1'..=b'9', b, c] if b.is_ascii_digit() && c.is_ascii_digit() => {
                (u32::from(a - b'0') * 100 + u32::from(b - b'0') * 10 + u32::from(c - b'0')) <= 255
            }
            _ => false,
        };
        if !ok || parts > 4 {
            return false;
        }
    }
    parts == 4
}

// ---------------------------------------------------------------------------
// JWT

/// Base64url, padding optional, non-canonical trailing bits tolerated: a
/// JWT header is checked for being JSON, not for being minimally encoded.
const B64URL_LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// Longest header segment decoded. Real headers encode to tens or a few
/// hundred characters (the built-in pattern stops at 259); the cap keeps a
/// custom detector with a looser pattern from decoding megabytes.
const JWT_MAX_HEADER: usize = 4096;

/// [`Validator::Jwt`]: at least three dot-separated segments, the first of
/// which base64url-decodes to a JSON object with an `"alg"` member.
pub fn jwt(s: &str) -> bool {
    let mut segments = s.split('.');
    let Some(header) = segments.next() else {
        return false;
    };
    if segments.count() < 2 || header.is_empty() || header.len() > JWT_MAX_HEADER {
        return false;
    }
    let Ok(json) = B64URL_LENIENT.decode(header) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&json)
        .ok()
        .and_then(|v| v.as_object().map(|o| o.contains_key("alg")))
        .unwrap_or(false)
}

// ---------------------------------------------------------------------------
// Entropy

/// Shannon entropy of `s` in bits per character (Unicode scalar value):
/// `-Σ p·log2 p` over the character frequencies. 0 for an empty or uniform
/// string; at most `log2(number of distinct characters)`.
pub fn shannon_entropy(s: &str) -> f32 {
    if s.is_empty() {
        return 0.0;
    }
    if s.is_ascii() {
        let mut counts = [0u32; 128];
        for b in s.bytes() {
            counts[usize::from(b & 0x7f)] += 1;
        }
        entropy_of_counts(counts.iter().copied(), s.len())
    } else {
        let mut chars: Vec<char> = s.chars().collect();
        chars.sort_unstable();
        let total = chars.len();
        let runs = chars.chunk_by(|a, b| a == b).map(|run| run.len() as u32);
        entropy_of_counts(runs, total)
    }
}

fn entropy_of_counts(counts: impl Iterator<Item = u32>, total: usize) -> f32 {
    let total = total as f64;
    let bits: f64 = counts
        .filter(|&c| c > 0)
        .map(|c| {
            let p = f64::from(c) / total;
            -p * p.log2()
        })
        .sum();
    bits as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_on_documented_numbers() {
        assert!(luhn(b"4111111111111111"));
        assert!(luhn(b"79927398713"));
        assert!(!luhn(b"79927398710"));
        assert!(!luhn(b"4111111111111112"));
        assert!(!luhn(b"41x1"));
        assert!(!luhn(b"0"));
        assert!(check(&Validator::Luhn, "4111 1111-1111.1111"));
        assert!(!check(&Validator::Luhn, "4111 1111 1111 111a"));
        assert!(!check(&Validator::Luhn, "-"));
    }

    #[test]
    fn payment_cards_of_each_network() {
        for card in [
            "4111111111111111",    // Visa
            "4222222222222",       // Visa, 13 digits
            "4111 1111 1111 1111", // Visa, spaced
            "5555-5555-5555-4444", // Mastercard, dashed
            "2223003122003222",    // Mastercard 2-series
            "3782 822463 10005",   // Amex 4-6-5
            "371449635398431",     // Amex
            "6011111111111117",    // Discover
            "6011 0009 9013 9424", // Discover
            "3530111333300000",    // JCB
            "3566002020360505",    // JCB
            "30569309025904",      // Diners 14
            "3056 930902 5904",    // Diners 4-6-4
            "36227206271667",      // Diners
            "6200000000000005",    // UnionPay
            "6759649826438453",    // Maestro
            "6799990100000000019", // Maestro 19
            "2200000000000004",    // Mir
        ] {
            assert!(payment_card(card), "{card}");
        }
    }

    #[test]
    fn payment_card_rejections() {
        for not_card in [
            "4111111111111112",     // Luhn fails
            "4111 1111-1111 1111",  // mixed separators
            "4111  1111 1111 1111", // double separator
            "-4111111111111111",    // leading separator
            "4111111111111111 ",    // trailing separator
            "1234567890123452",     // passes Luhn, prefix 1: no issuer
            "1700000000000007",     // millisecond-timestamp shaped
            "378282246310005000",   // Amex prefix but 18 digits
            "41111111111111",       // Visa prefix, 14 digits
            "5105105105105",        // Mastercard prefix, 13 digits
            "00000000000000000",    // prefix 0
            "41111111111",          // too short
            "41111111111111111111", // 20 digits
            "4111.1111.1111.1111",  // dots are not card separators
        ] {
            assert!(!payment_card(not_card), "{not_card}");
        }
    }

    #[test]
    fn card_issuer_names() {
        assert_eq!(card_issuer(b"4111111111111111"), Some("visa"));
        assert_eq!(card_issuer(b"5555555555554444"), Some("mastercard"));
        assert_eq!(card_issuer(b"378282246310005"), Some("amex"));
        assert_eq!(card_issuer(b"3530111333300000"), Some("jcb"));
        assert_eq!(card_issuer(b"12"), None);
    }

    #[test]
    fn iban_documented_examples() {
        for valid in [
            "GB82 WEST 1234 5698 7654 32",
            "GB82WEST12345698765432",
            "DE89 3704 0044 0532 0130 00",
            "NL91ABNA0417164300",
            "BE68 5390 0754 7034",
            "NO93 8601 1117 947",
            "FR14 2004 1010 0505 0001 3M02 606",
            "CH93 0076 2011 6238 5295 7",
            "gb82 west 1234 5698 7654 32",
        ] {
            assert!(iban(valid), "{valid}");
        }
        for invalid in [
            "GB82 WEST 1234 5698 7654 33", // checksum
            "GB82 WEST 1234 5698 7654",    // length for GB
            "XX82 WEST 1234 5698 7654 32", // not a registry country
            "DE00 3704 0044 0532 0130 00", // check digits 00
            "DE89-3704-0044-0532-0130-00", // dashes
            "GB8",
        ] {
            assert!(!iban(invalid), "{invalid}");
        }
    }

    #[test]
    fn iban_table_is_sorted_and_bounded() {
        assert!(IBAN_LENGTHS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(
            IBAN_LENGTHS
                .iter()
                .all(|&(_, l)| (15..=34).contains(&usize::from(l)))
        );
        assert_eq!(iban_length(*b"DE"), Some(22));
        assert_eq!(iban_length(*b"US"), None);
        assert_eq!(iban_mod97(b"GB82WEST12345698765432"), Some(1));
        assert_eq!(iban_mod97(b"GB82west12345698765432"), None);
    }

    #[test]
    fn ssn_rules() {
        for ok in ["536-22-4981", "536 22 4981", "536224981", "772-01-0001"] {
            assert!(us_ssn(ok), "{ok}");
        }
        for bad in [
            "000-12-3456",
            "666-12-3456",
            "900-12-3456",
            "999-12-3456",
            "536-00-4981",
            "536-22-0000",
            "078-05-1120",
            "123-45-6789",
            "219-09-9999",
            "536-22 4981",
            "536--22-4981",
            "53-622-4981",
            "53622498",
            "5362a4981",
        ] {
            assert!(!us_ssn(bad), "{bad}");
        }
    }

    #[test]
    fn ipv4_rules() {
        for ok in [
            "0.0.0.0",
            "192.168.1.1",
            "255.255.255.255",
            "10.0.0.1",
            "8.8.8.8",
        ] {
            assert!(ipv4(ok), "{ok}");
        }
        for bad in [
            "999.1.1.1",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1..2.3",
            "1.2.3.",
            "a.b.c.d",
            "",
        ] {
            assert!(!ipv4(bad), "{bad}");
        }
    }

    #[test]
    fn ipv6_and_jwt() {
        assert!(check(&Validator::Ipv6, "2001:db8::1"));
        assert!(check(
            &Validator::Ipv6,
            "fe80:0000:0000:0000:0202:b3ff:fe1e:8329"
        ));
        assert!(!check(&Validator::Ipv6, "12:30:45"));
        assert!(!check(&Validator::Ipv6, "00:1a:2b:3c:4d:5e"));

        // {"alg":"HS256","typ":"JWT"} . {"sub":"1234567890"} . sig
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        assert!(jwt(token));
        // {"typ":"JWT"}: no alg.
        assert!(!jwt("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc"));
        // Not JSON.
        assert!(!jwt(
            "eyJhbGciOiJIUzI1NiIsInR5c.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc"
        ));
        assert!(!jwt(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0"
        ));
    }

    #[test]
    fn entropy() {
        assert_eq!(shannon_entropy(""), 0.0);
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert!((shannon_entropy("ab") - 1.0).abs() < 1e-6);
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-6);
        assert!((shannon_entropy("ééaa") - 1.0).abs() < 1e-6);
        assert!(shannon_entropy("AKIAIOSFODNN7EXAMPLE") > 3.5);
        assert!(shannon_entropy("AKIAXXXXXXXXXXXXXXXX") < 1.5);
        assert!(check(&Validator::Entropy { min_bits: 1.9 }, "abcd"));
        assert!(!check(&Validator::Entropy { min_bits: 2.1 }, "abcd"));
    }

    #[test]
    fn wire_forms_round_trip() {
        let all = [
            Validator::Luhn,
            Validator::PaymentCard,
            Validator::Iban,
            Validator::UsSsn,
            Validator::Ipv4,
            Validator::Ipv6,
            Validator::Jwt,
            Validator::Entropy { min_bits: 3.5 },
        ];
        for v in all {
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(
                serde_json::from_str::<Validator>(&json).unwrap(),
                v,
                "{json}"
            );
            let bin = postcard::to_allocvec(&v).unwrap();
            assert_eq!(postcard::from_bytes::<Validator>(&bin).unwrap(), v);
            // Inside an Option, as the rule set carries it.
            let bin = postcard::to_allocvec(&Some(v)).unwrap();
            assert_eq!(
                postcard::from_bytes::<Option<Validator>>(&bin).unwrap(),
                Some(v)
            );
        }
        assert_eq!(
            serde_json::to_string(&Validator::PaymentCard).unwrap(),
            r#"{"kind":"payment-card"}"#
        );
        assert_eq!(
            serde_json::to_string(&Validator::UsSsn).unwrap(),
            r#"{"kind":"us-ssn"}"#
        );
        assert_eq!(
            serde_json::from_str::<Validator>(r#"{"kind":"entropy","min_bits":4.0}"#).unwrap(),
            Validator::Entropy { min_bits: 4.0 }
        );
    }
}
