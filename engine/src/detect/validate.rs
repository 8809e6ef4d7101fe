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

use std::net::{Ipv4Addr, Ipv6Addr};

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
        Validator::PublicIp => public_ip(matched),
        Validator::Phone => phone(matched),
        Validator::NationalPhone => national_phone(matched),
        Validator::DateOfBirth => date_of_birth(matched),
        Validator::UsItin => us_itin(matched),
        Validator::UsEin => us_ein(matched),
        Validator::UsPassport => us_passport(matched),
        Validator::AbaRouting => aba_routing(matched),
        Validator::UkNhs => uk_nhs(matched),
        Validator::SwiftBic => swift_bic(matched),
        Validator::MacAddress => mac_address(matched),
        Validator::UrlCredentials => url_credentials(matched),
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
/// Faker's Maestro generator also draws a `0604` prefix, which no issuer
/// table assigns; such numbers are not taken for cards.
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
// Public IP addresses

/// [`Validator::PublicIp`]: an IPv4 ([`ipv4`]) or IPv6 address that is
/// globally routable: not unspecified, loopback, private (RFC 1918, IPv6
/// unique-local fc00::/7), link-local (169.254/16, fe80::/10), shared
/// CGNAT space (RFC 6598, 100.64/10), multicast, reserved (240/4,
/// broadcast), benchmarking (198.18/15), IETF protocol assignments
/// (192.0.0/24) or documentation (RFC 5737 192.0.2/24, 198.51.100/24,
/// 203.0.113/24; RFC 3849 2001:db8::/32). IPv4-mapped and -compatible
/// IPv6 addresses are judged by their IPv4 part; NAT64 (64:ff9b::/96) by
/// the embedded IPv4 address; 6to4 and Teredo are public.
///
/// Why: an address of a home router or a container network identifies no
/// one, and documentation examples are everywhere in technical text;
/// redacting them would only damage the prompt.
pub fn public_ip(s: &str) -> bool {
    if s.contains(':') {
        return s.parse::<Ipv6Addr>().is_ok_and(public_ipv6);
    }
    ipv4(s) && s.parse::<Ipv4Addr>().is_ok_and(public_ipv4)
}

fn public_ipv4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                   // "this network", unspecified
        || a == 10                             // RFC 1918
        || a == 127                            // loopback
        || (a == 100 && (64..128).contains(&b)) // RFC 6598 CGNAT
        || (a == 169 && b == 254)              // link-local
        || (a == 172 && (16..32).contains(&b)) // RFC 1918
        || (a == 192 && b == 168)              // RFC 1918
        || (a == 192 && b == 0 && c == 0)      // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)      // RFC 5737 TEST-NET-1
        || (a == 198 && b == 51 && c == 100)   // RFC 5737 TEST-NET-2
        || (a == 203 && b == 0 && c == 113)    // RFC 5737 TEST-NET-3
        || (a == 198 && (b == 18 || b == 19))  // RFC 2544 benchmarking
        || a >= 224) // multicast, reserved 240/4, broadcast
}

fn public_ipv6(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return public_ipv4(v4);
    }
    // IPv4-compatible (deprecated) ::a.b.c.d, and ::/::1 themselves.
    if seg[..6] == [0; 6] {
        let v4 = Ipv4Addr::from(((u32::from(seg[6])) << 16) | u32::from(seg[7]));
        return seg[6] != 0 && public_ipv4(v4);
    }
    // NAT64 well-known prefix 64:ff9b::/96: the embedded IPv4 decides.
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let v4 = Ipv4Addr::from(((u32::from(seg[6])) << 16) | u32::from(seg[7]));
        return public_ipv4(v4);
    }
    !((seg[0] & 0xfe00) == 0xfc00             // unique local fc00::/7
        || (seg[0] & 0xffc0) == 0xfe80         // link-local fe80::/10
        || (seg[0] & 0xffc0) == 0xfec0         // site-local (deprecated)
        || (seg[0] & 0xff00) == 0xff00         // multicast
        || (seg[0] == 0x2001 && seg[1] == 0x0db8) // RFC 3849 documentation
        || (seg[0] == 0x3fff && seg[1] < 0x1000)  // RFC 9637 documentation
        || (seg[0] == 0x0100 && seg[1..4] == [0, 0, 0])) // RFC 6666 discard
}

// ---------------------------------------------------------------------------
// Phone numbers

/// ITU-T E.164 country calling codes in service (geographic and the
/// global services that ring a person: 800 freephone, 808 shared cost,
/// 870 Inmarsat, 881–883 satellite and networks), sorted. Codes are
/// prefix-free, so a number's code is the one of its first 1–3 digits that
/// is in the list.
const COUNTRY_CODES: &[u16] = &[
    1, 7, 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54,
    55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98, 211,
    212, 213, 216, 218, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234,
    235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253,
    254, 255, 256, 257, 258, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290, 291, 297, 298,
    299, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 370, 371, 372, 373, 374, 375, 376, 377,
    378, 379, 380, 381, 382, 383, 385, 386, 387, 389, 420, 421, 423, 500, 501, 502, 503, 504, 505,
    506, 507, 508, 509, 590, 591, 592, 593, 594, 595, 596, 597, 598, 599, 670, 672, 673, 674, 675,
    676, 677, 678, 679, 680, 681, 682, 683, 685, 686, 687, 688, 689, 690, 691, 692, 800, 808, 850,
    852, 853, 855, 856, 870, 880, 881, 882, 883, 886, 960, 961, 962, 963, 964, 965, 966, 967, 968,
    970, 971, 972, 973, 974, 975, 976, 977, 992, 993, 994, 995, 996, 998,
];

/// Lengths of the national significant number (the digits after the
/// country code, without a trunk `0`) of the most-called countries, the
/// shortest and longest in the national numbering plan (ITU-T E.164
/// national plans as collected in Google's libphonenumber metadata,
/// fixed, mobile and non-geographic numbers that can be dialled from
/// abroad). Sorted by code. Countries not listed only get E.164's bound:
/// at most 15 digits in all.
const NSN_LENGTHS: &[(u16, u8, u8)] = &[
    (1, 10, 10),  // NANP
    (7, 10, 10),  // Russia, Kazakhstan
    (20, 8, 10),  // Egypt
    (27, 9, 9),   // South Africa
    (30, 10, 10), // Greece
    (31, 9, 11),  // Netherlands (9; 0800/0900 up to 11)
    (32, 8, 9),   // Belgium
    (33, 9, 9),   // France
    (34, 9, 9),   // Spain
    (36, 8, 9),   // Hungary
    (39, 6, 11),  // Italy (fixed lines keep their 0)
    (40, 9, 9),   // Romania
    (41, 9, 9),   // Switzerland
    (43, 4, 13),  // Austria (open numbering)
    (44, 7, 10),  // United Kingdom
    (45, 8, 8),   // Denmark
    (46, 6, 10),  // Sweden
    (47, 5, 8),   // Norway
    (48, 9, 9),   // Poland
    (49, 6, 13),  // Germany (open numbering)
    (51, 8, 9),   // Peru
    (52, 10, 10), // Mexico
    (54, 10, 11), // Argentina (mobiles add a 9)
    (55, 10, 11), // Brazil
    (56, 9, 9),   // Chile
    (57, 8, 10),  // Colombia
    (58, 10, 10), // Venezuela
    (60, 8, 10),  // Malaysia
    (61, 8, 10),  // Australia
    (62, 8, 12),  // Indonesia
    (63, 8, 10),  // Philippines
    (64, 8, 10),  // New Zealand
    (65, 8, 8),   // Singapore
    (66, 8, 9),   // Thailand
    (81, 9, 10),  // Japan
    (82, 8, 10),  // South Korea
    (84, 9, 10),  // Vietnam
    (86, 9, 12),  // China
    (90, 10, 10), // Turkey
    (91, 10, 10), // India
    (92, 9, 10),  // Pakistan
    (94, 9, 9),   // Sri Lanka
    (98, 10, 10), // Iran
    (212, 9, 9),  // Morocco
    (234, 8, 10), // Nigeria
    (254, 9, 9),  // Kenya
    (351, 9, 9),  // Portugal
    (353, 7, 9),  // Ireland
    (358, 5, 12), // Finland (open numbering)
    (380, 9, 9),  // Ukraine
    (420, 9, 9),  // Czechia
    (421, 9, 9),  // Slovakia
    (852, 8, 8),  // Hong Kong
    (886, 8, 9),  // Taiwan
    (966, 9, 9),  // Saudi Arabia
    (971, 8, 9),  // United Arab Emirates
    (972, 8, 9),  // Israel
];

/// The country calling code a string of digits (country code first)
/// starts with, if it is one in service.
pub fn country_code(digits: &[u8]) -> Option<u16> {
    let mut code = 0u16;
    for &d in digits.iter().take(3) {
        if !d.is_ascii_digit() {
            return None;
        }
        code = code * 10 + u16::from(d - b'0');
        if COUNTRY_CODES.binary_search(&code).is_ok() {
            return Some(code);
        }
    }
    None
}

/// [`Validator::NationalPhone`]: a number in national notation that is
/// not a date. `09/14/2023 22:27` and `01.02.2023 12` have the digits and
/// separators of a number with trunk prefix 0, and a log line with a user's
/// e-mail address beside them has the context of one; a date is two, two
/// and four digits with one separator twice, which no national numbering
/// plan prints.
pub fn national_phone(matched: &str) -> bool {
    let groups: Vec<&str> = matched.splitn(4, ['/', '.', '-']).collect();
    let date = groups.len() >= 3
        && groups[0].len() == 2
        && groups[1].len() == 2
        && groups[2]
            .get(..4)
            .is_some_and(|y| y.bytes().all(|b| b.is_ascii_digit()))
        && groups[..2]
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && {
            // One separator, twice.
            let seps: Vec<u8> = matched
                .bytes()
                .filter(|b| matches!(b, b'/' | b'.' | b'-'))
                .take(2)
                .collect();
            seps.len() == 2 && seps[0] == seps[1]
        };
    !date
}

/// [`Validator::Phone`]: a number written internationally (`+` then the
/// country code) must have a country code in service and, for the
/// countries of `NSN_LENGTHS`, a national number of a length that
/// country uses (at most 15 digits in all, E.164); a `+1` number is
/// NANP-shaped. A trunk prefix written in parentheses after the country
/// code (`+49 (0) 30…`, `+55 (011) …`) is not part of the number, except
/// in Italy, where the leading 0 is dialled from abroad too. Numbers
/// written nationally (NANP shapes without `+`) pass: the pattern already
/// decided their shape. An extension is not counted.
pub fn phone(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('+') else {
        return true;
    };
    let mut digits = [0u8; 16];
    let mut n = 0usize;
    let mut paren_start: Option<usize> = None;
    for b in rest.bytes() {
        match b {
            b'0'..=b'9' => {
                let Some(slot) = digits.get_mut(n) else {
                    return false;
                };
                *slot = b;
                n += 1;
            }
            b'(' if paren_start.is_none() => paren_start = Some(n),
            b')' => {
                let Some(start) = paren_start else {
                    return false;
                };
                let trunk =
                    digits.get(start) == Some(&b'0') && country_code(&digits[..start]) != Some(39);
                if trunk {
                    digits.copy_within(start + 1..n, start);
                    n -= 1;
                }
            }
            b' ' | b'.' | b'-' => {}
            // An extension ends the number.
            _ => break,
        }
    }
    if n > 15 {
        return false;
    }
    let digits = &digits[..n];
    let Some(code) = country_code(digits) else {
        return false;
    };
    let cc_len = if code >= 100 {
        3
    } else if code >= 10 {
        2
    } else {
        1
    };
    let nsn = n - cc_len;
    match NSN_LENGTHS.binary_search_by_key(&code, |&(c, _, _)| c) {
        Ok(i) => {
            let (_, lo, hi) = NSN_LENGTHS[i];
            (usize::from(lo)..=usize::from(hi)).contains(&nsn)
        }
        Err(_) => nsn >= 4,
    }
}

// ---------------------------------------------------------------------------
// Dates of birth

/// Years accepted as a year of birth. A constant rather than "not after
/// today": validators have no clock (the filter runs in wasm), and a
/// birth date a few years in the future is as rare as it is harmless.
const BIRTH_YEARS: std::ops::RangeInclusive<u32> = 1900..=2039;

/// Month of a month name (English, German, French; full or abbreviated,
/// any case); `None` if the word is no month.
fn month_of(word: &str) -> Option<u32> {
    let w = word.to_ascii_lowercase();
    let w = w.trim_end_matches('.');
    const MONTHS: &[(&str, u32)] = &[
        ("janv", 1),
        ("jan", 1),
        ("feb", 2),
        ("fev", 2),
        ("f\u{e9}v", 2),
        ("mar", 3),
        ("m\u{e4}r", 3),
        ("maer", 3),
        ("apr", 4),
        ("avr", 4),
        ("may", 5),
        ("mai", 5),
        ("juin", 6),
        ("juil", 7),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("aou", 8),
        ("ao\u{fb}", 8),
        ("sep", 9),
        ("oct", 10),
        ("okt", 10),
        ("nov", 11),
        ("dec", 12),
        ("dez", 12),
        ("d\u{e9}c", 12),
    ];
    MONTHS
        .iter()
        .find(|(prefix, _)| w.starts_with(prefix))
        .map(|&(_, m)| m)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

/// Whether `day`.`month`.`year` is a calendar date; a two-digit `year`
/// (`digits == 2`) may be of either century, a four-digit one must be a
/// plausible year of birth ([`BIRTH_YEARS`]).
fn birth_date(year: u32, year_digits: usize, month: u32, day: u32) -> bool {
    let year = match year_digits {
        4 if BIRTH_YEARS.contains(&year) => year,
        // 29 Feb of a two-digit year: some century makes it a leap year
        // (2000 does for 00), so take the year as written in 2000–2099.
        2 => 2000 + year,
        _ => return false,
    };
    day >= 1 && day <= days_in_month(year, month)
}

/// [`Validator::DateOfBirth`]: a real calendar date with a plausible year
/// of birth (1900–2039, or two digits). Numeric dates are
/// `year-month-day` when the year comes first, otherwise day and month in
/// either order (`03/12/1985` is valid as 3 December and as March 12, and
/// one valid reading suffices); with a month name the day is the 1–2
/// digit number and the year the 4-digit one.
pub fn date_of_birth(s: &str) -> bool {
    let mut numbers = [(0u32, 0usize); 3];
    let mut count = 0usize;
    let mut month_word: Option<u32> = None;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() {
            let start = i;
            let mut value = 0u32;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                value = value
                    .saturating_mul(10)
                    .saturating_add(u32::from(bytes[i] - b'0'));
                i += 1;
            }
            // "3rd", "21st": the suffix is skipped with the letters below.
            let Some(slot) = numbers.get_mut(count) else {
                return false;
            };
            *slot = (value, i - start);
            count += 1;
        } else if b.is_ascii_alphabetic() || b >= 0x80 {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphabetic() || bytes[i] >= 0x80) {
                i += 1;
            }
            let word = s.get(start..i).unwrap_or("");
            let lower = word.to_ascii_lowercase();
            if matches!(lower.as_str(), "st" | "nd" | "rd" | "th" | "of") {
                continue;
            }
            match month_of(word) {
                Some(m) if month_word.is_none() => month_word = Some(m),
                _ => return false,
            }
        } else {
            i += 1;
        }
    }
    match (month_word, count) {
        (Some(month), 2) => {
            let [(a, a_len), (b, b_len), _] = numbers;
            let (day, (year, year_len)) = if a_len <= 2 {
                (a, (b, b_len))
            } else {
                (b, (a, a_len))
            };
            year_len == 4 && birth_date(year, 4, month, day)
        }
        (None, 3) => {
            let [(a, a_len), (b, b_len), (c, c_len)] = numbers;
            if a_len == 4 {
                b_len <= 2 && c_len <= 2 && birth_date(a, 4, b, c)
            } else {
                a_len <= 2
                    && b_len <= 2
                    && matches!(c_len, 2 | 4)
                    && (birth_date(c, c_len, b, a) || birth_date(c, c_len, a, b))
            }
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// US tax and identity numbers

/// The nine digits of `s`, which is nine digits or `ddd-dd-dddd` /
/// `dd-ddddddd` shaped with one kind of separator (space or dash) in
/// either of those places.
fn nine_digits(s: &str) -> Option<[u8; 9]> {
    let mut digits = [0u8; 9];
    let mut n = 0;
    let mut separator = None;
    for b in s.bytes() {
        match b {
            b'0'..=b'9' => {
                *digits.get_mut(n)? = b - b'0';
                n += 1;
            }
            b' ' | b'-' if n > 0 && separator.is_none_or(|s| s == b) => separator = Some(b),
            _ => return None,
        }
    }
    (n == 9).then_some(digits)
}

/// [`Validator::UsItin`]: an IRS individual taxpayer identification
/// number: `9XX-XX-XXXX` with a group of 50–65, 70–88, 90–92 or 94–99
/// (the ranges the IRS issues; 89 and 93 are not used for ITINs, and
/// 9XX with other groups are adoption numbers or nothing).
pub fn us_itin(s: &str) -> bool {
    let Some(d) = nine_digits(s) else {
        return false;
    };
    let group = d[3] * 10 + d[4];
    d[0] == 9 && matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99) && d[5..] != [0, 0, 0, 0]
}

/// [`Validator::UsEin`]: an employer identification number `XX-XXXXXXX`
/// whose two-digit prefix is one the IRS assigns (its list of campus and
/// internet prefixes: 01–06, 10–16, 20–27, 30–48, 50–68, 71–77, 80–88,
/// 90–95, 98, 99); a serial of all zeros is refused.
pub fn us_ein(s: &str) -> bool {
    let Some(d) = nine_digits(s) else {
        return false;
    };
    let prefix = d[0] * 10 + d[1];
    matches!(
        prefix,
        1..=6 | 10..=16 | 20..=27 | 30..=48 | 50..=68 | 71..=77 | 80..=88 | 90..=95 | 98 | 99
    ) && d[2..] != [0; 7]
}

/// Whether the bytes are all one value or run up or down by one
/// (`111111111`, `123456789`, `987654321`): placeholders, not numbers.
fn placeholder_digits(d: &[u8]) -> bool {
    let same = d.windows(2).all(|w| w[0] == w[1]);
    let up = d.windows(2).all(|w| w[1] == w[0].wrapping_add(1));
    let down = d.windows(2).all(|w| w[0] == w[1].wrapping_add(1));
    same || up || down
}

/// [`Validator::UsPassport`]: nine digits (passport books before 2021, and
/// cards when written without the `C`) or one upper-case letter and eight
/// digits (Next Generation books, passport cards); placeholders (one digit
/// repeated, `123456789`) and a serial of all zeros are refused.
pub fn us_passport(s: &str) -> bool {
    let bytes = s.as_bytes();
    let digits = match bytes {
        [first, rest @ ..] if first.is_ascii_uppercase() && rest.len() == 8 => rest,
        _ if bytes.len() == 9 => bytes,
        _ => return false,
    };
    digits.iter().all(u8::is_ascii_digit)
        && !placeholder_digits(digits)
        && digits.iter().skip(1).any(|&b| b != b'0')
}

/// [`Validator::AbaRouting`]: an ABA routing transit number: nine digits,
/// a Federal Reserve prefix (00 government, 01–12 banks, 21–32 thrifts,
/// 61–72 electronic, 80 traveller's cheques) and the 3-7-1 checksum
/// (`3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9)` divisible by 10).
pub fn aba_routing(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.len() != 9 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: Vec<u32> = bytes.iter().map(|&b| u32::from(b - b'0')).collect();
    let prefix = d[0] * 10 + d[1];
    let sum = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8]);
    matches!(prefix, 0..=12 | 21..=32 | 61..=72 | 80)
        && sum.is_multiple_of(10)
        && !placeholder_digits(bytes)
}

// ---------------------------------------------------------------------------
// UK NHS number

/// [`Validator::UkNhs`]: an NHS number: ten digits, plain or 3-3-4 with
/// one kind of separator (space or dash), the last a mod-11 check digit
/// (weights 10 to 2; a remainder giving 10 is never issued); one digit
/// repeated is refused.
pub fn uk_nhs(s: &str) -> bool {
    let mut digits = [0u8; 10];
    let mut n = 0;
    let mut separator = None;
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'0'..=b'9' => {
                let Some(slot) = digits.get_mut(n) else {
                    return false;
                };
                *slot = b - b'0';
                n += 1;
            }
            b' ' | b'-' if (i == 3 || i == 7) && separator.is_none_or(|s| s == b) => {
                separator = Some(b)
            }
            _ => return false,
        }
    }
    if n != 10 || (separator.is_some() && s.len() != 12) || placeholder_digits(&digits[..9]) {
        return false;
    }
    let sum: u32 = digits[..9]
        .iter()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * (10 - i as u32))
        .sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        c => c,
    };
    u32::from(digits[9]) == check
}

// ---------------------------------------------------------------------------
// Banking

/// ISO 3166-1 alpha-2 codes (officially assigned) plus XK (Kosovo, used by
/// SWIFT), sorted.
const ISO_COUNTRIES: &[[u8; 2]] = &[
    *b"AD", *b"AE", *b"AF", *b"AG", *b"AI", *b"AL", *b"AM", *b"AO", *b"AQ", *b"AR", *b"AS", *b"AT",
    *b"AU", *b"AW", *b"AX", *b"AZ", *b"BA", *b"BB", *b"BD", *b"BE", *b"BF", *b"BG", *b"BH", *b"BI",
    *b"BJ", *b"BL", *b"BM", *b"BN", *b"BO", *b"BQ", *b"BR", *b"BS", *b"BT", *b"BV", *b"BW", *b"BY",
    *b"BZ", *b"CA", *b"CC", *b"CD", *b"CF", *b"CG", *b"CH", *b"CI", *b"CK", *b"CL", *b"CM", *b"CN",
    *b"CO", *b"CR", *b"CU", *b"CV", *b"CW", *b"CX", *b"CY", *b"CZ", *b"DE", *b"DJ", *b"DK", *b"DM",
    *b"DO", *b"DZ", *b"EC", *b"EE", *b"EG", *b"EH", *b"ER", *b"ES", *b"ET", *b"FI", *b"FJ", *b"FK",
    *b"FM", *b"FO", *b"FR", *b"GA", *b"GB", *b"GD", *b"GE", *b"GF", *b"GG", *b"GH", *b"GI", *b"GL",
    *b"GM", *b"GN", *b"GP", *b"GQ", *b"GR", *b"GS", *b"GT", *b"GU", *b"GW", *b"GY", *b"HK", *b"HM",
    *b"HN", *b"HR", *b"HT", *b"HU", *b"ID", *b"IE", *b"IL", *b"IM", *b"IN", *b"IO", *b"IQ", *b"IR",
    *b"IS", *b"IT", *b"JE", *b"JM", *b"JO", *b"JP", *b"KE", *b"KG", *b"KH", *b"KI", *b"KM", *b"KN",
    *b"KP", *b"KR", *b"KW", *b"KY", *b"KZ", *b"LA", *b"LB", *b"LC", *b"LI", *b"LK", *b"LR", *b"LS",
    *b"LT", *b"LU", *b"LV", *b"LY", *b"MA", *b"MC", *b"MD", *b"ME", *b"MF", *b"MG", *b"MH", *b"MK",
    *b"ML", *b"MM", *b"MN", *b"MO", *b"MP", *b"MQ", *b"MR", *b"MS", *b"MT", *b"MU", *b"MV", *b"MW",
    *b"MX", *b"MY", *b"MZ", *b"NA", *b"NC", *b"NE", *b"NF", *b"NG", *b"NI", *b"NL", *b"NO", *b"NP",
    *b"NR", *b"NU", *b"NZ", *b"OM", *b"PA", *b"PE", *b"PF", *b"PG", *b"PH", *b"PK", *b"PL", *b"PM",
    *b"PN", *b"PR", *b"PS", *b"PT", *b"PW", *b"PY", *b"QA", *b"RE", *b"RO", *b"RS", *b"RU", *b"RW",
    *b"SA", *b"SB", *b"SC", *b"SD", *b"SE", *b"SG", *b"SH", *b"SI", *b"SJ", *b"SK", *b"SL", *b"SM",
    *b"SN", *b"SO", *b"SR", *b"SS", *b"ST", *b"SV", *b"SX", *b"SY", *b"SZ", *b"TC", *b"TD", *b"TF",
    *b"TG", *b"TH", *b"TJ", *b"TK", *b"TL", *b"TM", *b"TN", *b"TO", *b"TR", *b"TT", *b"TV", *b"TW",
    *b"TZ", *b"UA", *b"UG", *b"UM", *b"US", *b"UY", *b"UZ", *b"VA", *b"VC", *b"VE", *b"VG", *b"VI",
    *b"VN", *b"VU", *b"WF", *b"WS", *b"XK", *b"YE", *b"YT", *b"ZA", *b"ZM", *b"ZW",
];

/// Whether `code` is an ISO 3166-1 alpha-2 country code (or XK).
pub fn iso_country(code: [u8; 2]) -> bool {
    ISO_COUNTRIES.binary_search(&code).is_ok()
}

/// [`Validator::SwiftBic`]: a SWIFT/BIC code (ISO 9362): four letters of
/// institution, an ISO 3166 country ([`iso_country`]), two letters or
/// digits of location, and optionally a three-character branch; upper
/// case as printed. The country is what tells `BANKDEFF` from an ordinary
/// upper-case word of eight or eleven letters.
pub fn swift_bic(s: &str) -> bool {
    let b = s.as_bytes();
    if !(b.len() == 8 || b.len() == 11) {
        return false;
    }
    b[..6].iter().all(u8::is_ascii_uppercase)
        && b[6..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && iso_country([b[4], b[5]])
}

// ---------------------------------------------------------------------------
// MAC addresses and credentials in URLs

/// [`Validator::MacAddress`]: a 48-bit MAC address written as six hex
/// pairs separated by `:` or `-` (one kind) or as three dot-separated
/// groups of four (Cisco); exactly 48 bits, one letter case; neither all
/// zeros nor the broadcast address `ff:ff:ff:ff:ff:ff`.
pub fn mac_address(s: &str) -> bool {
    let b = s.as_bytes();
    let mut hex = [0u8; 12];
    let mut n = 0;
    let mut separator = None;
    for (i, &c) in b.iter().enumerate() {
        if c.is_ascii_hexdigit() {
            let Some(slot) = hex.get_mut(n) else {
                return false;
            };
            *slot = c;
            n += 1;
        } else if matches!(c, b':' | b'-' | b'.') && separator.is_none_or(|s| s == c) {
            separator = Some(c);
            let group = if c == b'.' { 4 } else { 2 };
            // A separator only after each full group.
            if n == 0 || n % group != 0 || i == b.len() - 1 {
                return false;
            }
        } else {
            return false;
        }
    }
    let groups_ok = match separator {
        Some(b'.') => b.len() == 14,
        Some(_) => b.len() == 17,
        None => false,
    };
    let lower = hex.iter().any(u8::is_ascii_lowercase);
    let upper = hex.iter().any(u8::is_ascii_uppercase);
    n == 12
        && groups_ok
        && !(lower && upper)
        && !hex.iter().all(|&c| c == b'0')
        && !hex.iter().all(|&c| c == b'f' || c == b'F')
}

/// Passwords that stand for one in documentation and templates.
const PLACEHOLDER_PASSWORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "pw",
    "changeme",
    "example",
    "yourpassword",
    "your_password",
    "your-password",
    "mypassword",
    "my_password",
    "token",
    "apikey",
    "api_key",
    "xxx",
    "placeholder",
];

/// [`Validator::UrlCredentials`]: `scheme://user:password@host` whose
/// password is not a placeholder: not empty, not one of the usual stand-in
/// words, not a template variable (`${PASS}`, `{{password}}`, `<password>`,
/// `%s`, `$PASSWORD`; a percent-encoded character is no template) and not one character repeated (`****`, `xxxx`).
pub fn url_credentials(s: &str) -> bool {
    let Some((_, rest)) = s.split_once("://") else {
        return false;
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return false;
    };
    let Some((user, password)) = userinfo.split_once(':') else {
        return false;
    };
    if user.is_empty() || password.is_empty() || host.is_empty() {
        return false;
    }
    let p = password.to_ascii_lowercase();
    // `%` starts a printf-style slot (`%s`, `%(password)s`), but also a
    // percent-encoded first character (`%21abc`), which is a password.
    let templated = p.starts_with('$')
        || p.starts_with('{')
        || p.starts_with('<')
        || p.starts_with('[')
        || p.starts_with("%s")
        || p.starts_with("%(")
        || p.ends_with('}')
        || p.ends_with('>');
    let repeated = p.bytes().all(|c| Some(c) == p.bytes().next());
    !templated && !repeated && !PLACEHOLDER_PASSWORDS.contains(&p.as_str())
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
    fn national_phone_numbers_are_not_dates() {
        for phone in [
            "020 7946 0958",
            "030/1234567",
            "0171/1234 5678",
            "01 23 45 67 89",
            "06.12.34.56.78",
            "090-1234-5678",
            "0832179976",
        ] {
            assert!(national_phone(phone), "{phone}");
        }
        for date in [
            "09/14/2023 22",
            "01.02.2023 12",
            "05-17-2019 19",
            "09/14/20231",
        ] {
            assert!(!national_phone(date), "{date}");
        }
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
            "060450364561",         // Faker's "Maestro" 0604: Luhn passes, no issuer
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
    fn public_ip_ranges() {
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.1",
            "100.128.0.1",
            "172.32.0.1",
            "198.17.0.1",
            "203.0.114.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001:82b::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "4a3b:1:2:3:4:5:6:7",
        ] {
            assert!(public_ip(public), "{public}");
        }
        for not_public in [
            "0.0.0.0",
            "10.1.2.3",
            "127.0.0.1",
            "100.64.0.1",
            "100.127.255.254",
            "169.254.1.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "192.0.0.8",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "224.0.0.251",
            "240.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd12:3456:789a::1",
            "fc00::1",
            "ff02::1",
            "2001:db8::1",
            "2001:0db8:85a3::8a2e:0370:7334",
            "3fff::1",
            "::ffff:192.168.1.1",
            "64:ff9b::c0a8:101",
            "999.1.1.1",
            "1.2.3",
            "not-an-ip",
        ] {
            assert!(!public_ip(not_public), "{not_public}");
        }
    }

    #[test]
    fn phone_country_codes_and_lengths() {
        assert!(COUNTRY_CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(NSN_LENGTHS.windows(2).all(|w| w[0].0 < w[1].0));
        // Every listed country is in service, and E.164 caps a number at 15.
        for &(code, lo, hi) in NSN_LENGTHS {
            assert!(COUNTRY_CODES.binary_search(&code).is_ok(), "{code}");
            let cc_len = code.to_string().len();
            assert!(lo <= hi && cc_len + usize::from(hi) <= 15, "{code}");
        }
        // Prefix-free: no code is the start of another.
        for a in COUNTRY_CODES {
            for b in COUNTRY_CODES {
                let (a, b) = (a.to_string(), b.to_string());
                assert!(a == b || !b.starts_with(&a), "{a} {b}");
            }
        }
        assert_eq!(country_code(b"4420"), Some(44));
        assert_eq!(country_code(b"3531"), Some(353));
        assert_eq!(country_code(b"1212"), Some(1));
        assert_eq!(country_code(b"2800"), None);
        for ok in [
            "+44 20 7946 0958",
            "+442079460958",
            "+33 6 12 34 56 78",
            "+49 30 901820",
            "+49 1512 3456789",
            "+81 3-1234-5678",
            "+91 98765 43210",
            "+86 138 0013 8000",
            "+55 11 98765-4321",
            "+353 1 234 5678",
            "+971 50 123 4567",
            "+7 495 123-45-67",
            "+1 212 555 0199",
            "+380 44 123 4567",
            "+254 712 345678",
            "+375 29 123 4567", // not in the length table: E.164 bound only
            "+49 (0) 30 901820",
            "+44 (0)20 7946 0958",
            "+7 (914) 177-76-31",
            "+55 (011) 98765-4321",
            "+39 (06) 1234 5678",
            "+(370) 54684637",
            "555-555-1234", // national NANP forms pass
            "(212) 555-0199 ext. 4",
        ] {
            assert!(phone(ok), "{ok}");
        }
        for bad in [
            "+44 20 7946 09581",  // UK, 11 digits
            "+33 6 12 34 56 789", // France, 10 digits
            "+28 1234 5678",      // 28 is not assigned
            "+80 1234 5678",      // neither is 80
            "+99 123 456 789",    // nor 991
            "+91 98765 4321",     // India, 9 digits
            "+1 212 555 019",     // NANP, 9 digits
            "+3751",
            "+44 (0)20 7946 09581", // 11 digits once the trunk is gone
            "+33 (0)6 12 34 56",
        ] {
            assert!(!phone(bad), "{bad}");
        }
    }

    #[test]
    fn dates_of_birth() {
        for ok in [
            "12/03/1985",
            "03/12/1985",
            "12/31/1985", // month first
            "31.12.1985",
            "1985-03-12",
            "1985/3/7",
            "29/02/2000",
            "7-4-76",
            "29/02/00",
            "3 March 1985",
            "3rd of March 1985",
            "March 3, 1985",
            "March 3rd, 1985",
            "12-Mar-1985",
            "12. M\u{e4}rz 1985",
            "3 f\u{e9}vrier 1990",
            "1er",
        ]
        .into_iter()
        .filter(|s| *s != "1er")
        {
            assert!(date_of_birth(ok), "{ok}");
        }
        for bad in [
            "31/31/1985",
            "30/02/1985",
            "29/02/1985",
            "00/12/1985",
            "12/03/1885",
            "12/03/2050",
            "1985-13-01",
            "1985-02-30",
            "31 April 1985",
            "March 32, 1985",
            "12/03/123",
            "1.2.3.4",
            "Foo 3, 1985",
        ] {
            assert!(!date_of_birth(bad), "{bad}");
        }
    }

    #[test]
    fn us_tax_and_identity_numbers() {
        for ok in ["912-70-1234", "900 50 1234", "999-99-9999", "945-88-0001"] {
            assert!(us_itin(ok), "{ok}");
        }
        for bad in [
            "912-89-1234",
            "912-93-1234",
            "912-49-1234",
            "812-70-1234",
            "912-70-0000",
            "912-70 1234",
            "91270123",
        ] {
            assert!(!us_itin(bad), "{bad}");
        }
        for ok in ["12-3456789", "01-2345678", "99-1234567", "45-0000001"] {
            assert!(us_ein(ok), "{ok}");
        }
        for bad in [
            "00-1234567",
            "07-1234567",
            "19-1234567",
            "89-1234567",
            "96-1234567",
            "12-0000000",
            "12-345678",
        ] {
            assert!(!us_ein(bad), "{bad}");
        }
        for ok in ["340020013", "E12785690", "C03005988", "912803456"] {
            assert!(us_passport(ok), "{ok}");
        }
        for bad in [
            "123456789",
            "987654321",
            "111111111",
            "A00000000",
            "a12345678",
            "12345678",
            "AB1234567",
        ] {
            assert!(!us_passport(bad), "{bad}");
        }
    }

    #[test]
    fn aba_nhs_bic() {
        for ok in [
            "021000021",
            "011000015",
            "121000358",
            "026009593",
            "322271627",
        ] {
            assert!(aba_routing(ok), "{ok}");
        }
        for bad in [
            "021000022", // checksum
            "131000025", // prefix 13 unused
            "000000000",
            "02100002",
            "0210000210",
        ] {
            assert!(!aba_routing(bad), "{bad}");
        }
        for ok in ["943 476 5919", "9434765919", "943-476-5919", "401 023 2137"] {
            assert!(uk_nhs(ok), "{ok}");
        }
        for bad in [
            "943 476 5918", // check digit
            "943 476-5919", // mixed separators
            "9434 76 5919", // grouping
            "111 111 1111", // placeholder
            "943476591",    // nine digits
            "94347659190",  // eleven
        ] {
            assert!(!uk_nhs(bad), "{bad}");
        }
        assert!(ISO_COUNTRIES.windows(2).all(|w| w[0] < w[1]));
        for ok in [
            "DEUTDEFF",
            "DEUTDEFF500",
            "NWBKGB2L",
            "BOFAUS3N",
            "CHASUS33XXX",
        ] {
            assert!(swift_bic(ok), "{ok}");
        }
        for bad in [
            "DEUTXXFF",
            "TRANSFER",
            "deutdeff",
            "DEUTDEF",
            "DEUTDEFF5",
            "INFORMATION",
        ] {
            assert!(!swift_bic(bad), "{bad}");
        }
    }

    #[test]
    fn mac_addresses_and_url_credentials() {
        for ok in [
            "00:1a:2b:3c:4d:5e",
            "00-1A-2B-3C-4D-5E",
            "001a.2b3c.4d5e",
            "01:00:5e:00:00:fb",
        ] {
            assert!(mac_address(ok), "{ok}");
        }
        for bad in [
            "00:00:00:00:00:00",
            "ff:ff:ff:ff:ff:ff",
            "FF-FF-FF-FF-FF-FF",
            "00:1a:2b-3c:4d:5e",
            "00:1A:2b:3c:4d:5e",
            "00:1a:2b:3c:4d:5e:6f",
            "00:1a:2b:3c:4d",
            "001a.2b3c.4d5e.6f7a",
            "001a:2b3c:4d5e",
        ] {
            assert!(!mac_address(bad), "{bad}");
        }
        for ok in [
            "postgres://app:s3cr3t-Pa55@db.internal",
            "https://admin:hunter2@example.com",
            "mongodb+srv://u:p4ss%40word@cluster0.mongodb.net",
            "redis://default:Zx9q@10.0.0.5",
            "amqp://alee:%219rSVdZ%5E@simon.org",
        ] {
            assert!(url_credentials(ok), "{ok}");
        }
        for bad in [
            "postgres://user:password@localhost",
            "https://u:${PASSWORD}@host",
            "https://u:{{pass}}@host",
            "https://u:<password>@host",
            "https://u:%s@host",
            "https://u:%(password)s@host",
            "https://u:****@host",
            "https://u:@host",
            "https://:pw2@host",
            "https://host.example/a:b@c",
        ] {
            assert!(!url_credentials(bad), "{bad}");
        }
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
            Validator::PublicIp,
            Validator::Phone,
            Validator::DateOfBirth,
            Validator::UsItin,
            Validator::UsEin,
            Validator::UsPassport,
            Validator::AbaRouting,
            Validator::UkNhs,
            Validator::SwiftBic,
            Validator::MacAddress,
            Validator::UrlCredentials,
            Validator::NationalPhone,
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
