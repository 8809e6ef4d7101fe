#!/usr/bin/env python3
"""Deterministic generator of aimsgate's labelled evaluation data (eval/data/*.jsonl).

How to run (from the repository root):

    python3 -m venv /tmp/aimsgate-eval-venv
    /tmp/aimsgate-eval-venv/bin/pip install --require-hashes -r eval/requirements.txt
    /tmp/aimsgate-eval-venv/bin/python eval/generate.py            # writes eval/data/, updates eval/README.md
    /tmp/aimsgate-eval-venv/bin/python eval/generate.py --check    # regenerates in memory, fails if a file differs

Everything is derived from fixed seeds (Faker.seed_instance per locale, random.Random per set), so
two runs with the pinned Faker give byte-identical files. No network is used.

Record format (one JSON object per line, UTF-8, ensure_ascii=False, keys in this order):
    {"id": "<set>-<6 digits>", "set": ..., "split": "dev"|"test", "lang": "<ISO 639-1>",
     "text": ..., "entities": [{"type": ..., "start": int, "end": int, "format": ...}]}
start/end are offsets in Unicode code points (Python str indices), end exclusive;
text[start:end] is exactly the entity value (asserted below). Attack samples (sets `attacks`,
`attacks-encoded`; templates in eval/attacks.py) have no entities and end with
"attack": "<family>"; `benign-hard` is benign (neither).

Never add data from garak, PyRIT, promptfoo, bastioncorpus or presidio-evaluator:
those are the project's held-out test sets.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import ipaddress
import json
import random
import re
import string
import sys
import urllib.parse
import uuid
from collections import Counter, OrderedDict
from pathlib import Path

import faker
from faker import Faker

sys.path.insert(0, str(Path(__file__).resolve().parent))
import attacks  # noqa: E402  (eval/attacks.py: the attack and hard-benign templates)

FAKER_VERSION = "37.12.0"
SEED = 20250601
HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
README = HERE / "README.md"

N_PII = 2500            # per pii set
N_CHAT_PER_LANG = 300
N_PROSE = 1000
N_ATTACK_EN = 300       # per English attack family
N_ATTACK_LANG = 60      # per core family and other language
N_ENCODED = 100         # per encoding
N_HARD_EN = 250         # benign-hard, English
N_HARD_LANG = 30        # benign-hard, per other language

ENTITY_TYPES = ("phone", "credit_card", "email", "us_ssn", "iban", "ipv4", "ipv6",
                "date_of_birth", "us_passport", "us_itin", "us_ein", "uk_nhs", "swift_bic", "aba_routing",
                "mac_address", "url_credentials")
N_PII_CD = 2000         # per set of the issue 13 item 4 entities (C, D)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def split_of(rec_id: str) -> str:
    return "dev" if hashlib.sha256(rec_id.encode("utf-8")).digest()[0] < 102 else "test"


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    s = iban.replace(" ", "")
    s = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in s)
    return int(num) % 97 == 1


def group(s: str, sizes) -> list:
    out, i = [], 0
    for n in sizes:
        if i >= len(s):
            break
        out.append(s[i:i + n])
        i += n
    if i < len(s):
        out.append(s[i:])
    return out


def groups_of_4(s: str) -> list:
    return [s[i:i + 4] for i in range(0, len(s), 4)]


class Gen:
    """All random sources of one set, seeded from SEED and the set's name."""

    def __init__(self, set_name: str):
        base = int.from_bytes(hashlib.sha256(f"{SEED}:{set_name}".encode()).digest()[:8], "big")
        self.rng = random.Random(base)
        self._fakers = {}
        self._base = base
        self.us = self.fk("en_US")

    def fk(self, locale: str) -> Faker:
        f = self._fakers.get(locale)
        if f is None:
            f = Faker(locale)
            seed = self._base ^ int.from_bytes(hashlib.sha256(locale.encode()).digest()[:8], "big")
            f.seed_instance(seed)
            self._fakers[locale] = f
        return f


ODDITIES = Counter()   # Faker outputs that were rejected (reported in README / stdout)
ODDITY_EXAMPLES = {}


# --------------------------------------------------------------------------------------------
# entity value generators: each returns (value, format)
# --------------------------------------------------------------------------------------------

def us_phone_faker(g: Gen):
    v = g.us.phone_number()
    base, _, ext = v.partition("x")
    if base.startswith("+1-"):
        f = "plus1"
    elif base.startswith("001-"):
        f = "001"
    elif base.startswith("("):
        f = "nanp-parens"
    elif "." in base:
        f = "nanp-dots"
    elif "-" in base:
        f = "nanp-dashes"
    elif base.isdigit() and len(base) == 10:
        f = "nanp-plain"
    else:
        raise AssertionError(f"unknown en_US phone shape: {v!r}")
    if ext:
        assert ext.isdigit(), v
        f += "-ext"
    return v, f


def us_phone_typed(g: Gen):
    """Shapes people type that Faker en_US does not produce; digits come from Faker."""
    v, _ = us_phone_faker(g)
    d = re.sub(r"\D", "", v.partition("x")[0])
    d = d[-10:]
    a, b, c = d[:3], d[3:6], d[6:]
    shape = g.rng.choice(["parens-space", "plus1-spaced", "plus1-compact", "spaced", "plus1-parens"])
    if shape == "parens-space":
        return f"({a}) {b}-{c}", "nanp-parens-space"
    if shape == "plus1-spaced":
        return f"+1 {a} {b} {c}", "plus1-spaced"
    if shape == "plus1-compact":
        return f"+1{a}{b}{c}", "e164"
    if shape == "plus1-parens":
        return f"+1 ({a}) {b}-{c}", "plus1-parens"
    return f"{a} {b} {c}", "nanp-spaced"


INTL = OrderedDict([
    # locale: (country code, NSN length range, E.164 spaced grouping)
    ("en_GB", ("44", (9, 10))),
    ("de_DE", ("49", (6, 11))),
    ("fr_FR", ("33", (9, 9))),
    ("it_IT", ("39", (6, 11))),
    ("es_ES", ("34", (9, 9))),
    ("nl_NL", ("31", (9, 9))),
    ("ja_JP", ("81", (9, 10))),
    ("pt_BR", ("55", (10, 10))),
    ("en_IN", ("91", (10, 10))),
])


def national_significant_number(locale: str, s: str):
    """NSN of a Faker local phone number, or None if it is not a dialable number as written."""
    cc, (lo, hi) = INTL[locale]
    t = s.replace("(0)", "")
    d = re.sub(r"\D", "", t)
    if t.lstrip().startswith("+"):
        if not d.startswith(cc):
            return None
        d = d[len(cc):]
        if locale == "pt_BR" and d.startswith("0"):      # "+55 (011) ..." keeps the trunk 0
            d = d[1:]
    elif locale == "it_IT":
        pass                                             # Italy has no trunk prefix
    elif locale == "es_ES":
        pass
    elif locale == "pt_BR" and not d.startswith("0"):
        if d[2:3] == "0":                                # area code + subscriber; subscribers never start with 0
            return None
    elif locale == "en_IN" and len(d) == 10:
        if d[0] not in "6789":                           # bare 10 digits: only mobiles
            return None
    else:
        if not d.startswith("0"):
            return None                                  # e.g. ja_JP '##-####-####' without 0
        d = d[1:]
    if locale == "it_IT":
        if d[:1] not in ("0", "3"):
            return None
    elif d.startswith("0"):
        return None                                      # e.g. nl_NL '0005-756682', de '+49(0) 0…'
    if not (lo <= len(d) <= hi):
        return None
    return d


def e164_spaced(locale: str, nsn: str) -> str:
    cc = INTL[locale][0]
    if locale == "en_GB":
        parts = group(nsn, [2, 4]) if nsn[0] == "2" else group(nsn, [4])
    elif locale == "fr_FR":
        parts = group(nsn, [1, 2, 2, 2])
    elif locale == "es_ES":
        parts = group(nsn, [3, 3])
    elif locale == "nl_NL":
        parts = group(nsn, [2, 3])
    elif locale in ("ja_JP", "pt_BR"):
        parts = group(nsn, [2, 4]) if len(nsn) == 10 else group(nsn, [1, 4])
    elif locale == "en_IN":
        parts = group(nsn, [5])
    elif locale == "it_IT":
        parts = group(nsn, [3]) if nsn[0] == "3" else group(nsn, [2])
    else:  # de_DE
        parts = group(nsn, [3])
    return "+" + cc + " " + " ".join(parts)


def intl_phone(g: Gen, as_e164: bool):
    locale = g.rng.choice(list(INTL))
    f = g.fk(locale)
    for _ in range(200):
        v = f.phone_number()
        if locale == "pt_BR" and re.match(r"0[3589]00", v):
            if as_e164:                                  # 0300/0500/0800/0900 service numbers:
                continue                                 # not dialable from abroad
            return v, f"intl-{locale}"
        nsn = national_significant_number(locale, v)
        if nsn is None:
            ODDITIES[f"phone {locale}: not dialable as written"] += 1
            ex = ODDITY_EXAMPLES.setdefault(f"phone {locale}: not dialable as written", [])
            if len(ex) < 3:
                ex.append(v)
            continue
        if not as_e164:
            return v, f"intl-{locale}"
        cc = INTL[locale][0]
        if g.rng.random() < 0.5:
            return "+" + cc + nsn, "e164"
        return e164_spaced(locale, nsn), "e164-spaced"
    raise AssertionError(f"no valid phone for {locale}")


def phone(g: Gen):
    r = g.rng.random()
    if r < 0.50:
        return us_phone_faker(g)
    if r < 0.62:
        return us_phone_typed(g)
    if r < 0.84:
        return intl_phone(g, as_e164=False)
    return intl_phone(g, as_e164=True)


CARD_BRANDS = ["visa13", "visa16", "visa19", "mastercard", "amex", "discover",
               "jcb15", "jcb16", "diners", "maestro"]
# how people group the digits: amex/15-digit and diners 4-6-5 / 4-6-4, otherwise blocks of 4
CARD_GROUPS = {"amex": [4, 6, 5], "jcb15": [4, 6, 5], "diners": [4, 6, 4]}


def issued(num: str) -> str:
    """`num` with an issuer prefix card networks assign.

    Faker's Maestro draws from a list that includes `0604`, which no issuer
    table assigns (ISO/IEC 7812 IINs of Maestro are 50, 56-69); such a number
    is moved to Maestro's 6304 with its check digit recomputed, consuming no
    randomness, so every other sample stays as it was."""
    if not num.startswith("0604"):
        return num
    body = "6304" + num[4:-1]
    check = next(d for d in "0123456789" if luhn_ok(body + d))
    return body + check


def credit_card(g: Gen):
    brand = g.rng.choice(CARD_BRANDS)
    num = issued(g.us.credit_card_number(card_type=brand))
    assert num.isdigit() and luhn_ok(num), (brand, num)
    style = g.rng.choice(["plain", "spaced", "dashed"])
    if style == "plain":
        return num, brand
    parts = group(num, CARD_GROUPS[brand]) if brand in CARD_GROUPS else groups_of_4(num)
    sep = " " if style == "spaced" else "-"
    return sep.join(parts), f"{brand}-{style}"


def email(g: Gen):
    r = g.rng.random()
    if r < 0.25:
        return g.us.email(), "email"
    if r < 0.50:
        return g.us.company_email(), "company"
    if r < 0.72:
        return g.us.free_email(), "free"
    if r < 0.87:
        user, _, dom = (g.us.free_email() if g.rng.random() < 0.5 else g.us.company_email()).partition("@")
        tag = g.rng.choice(["news", "shop", "work", "bills", "spam", "github", "2024", "amazon", "alerts"])
        return f"{user}+{tag}@{dom}", "plus"
    user, _, dom = g.us.company_email().partition("@")
    sub = g.rng.choice(["mail", "eu", "us", "corp", "support", "billing", "dev", "hr", "lists", "mx1"])
    return f"{user}@{sub}.{dom}", "subdomain"


def us_ssn(g: Gen):
    v = g.us.ssn()
    assert re.fullmatch(r"\d{3}-\d{2}-\d{4}", v), v
    if g.rng.random() < 0.65:
        return v, "dashed"
    return v.replace("-", " "), "spaced"


IBAN_LOCALES = ["de_DE", "fr_FR", "en_GB", "nl_NL", "es_ES", "it_IT"]


def iban(g: Gen):
    locale = g.rng.choice(IBAN_LOCALES)
    v = g.fk(locale).iban()
    assert iban_ok(v), (locale, v)
    cc = v[:2]
    if g.rng.random() < 0.5:
        return v, f"{cc}-compact"
    return " ".join(groups_of_4(v)), f"{cc}-spaced"


def ipv4(g: Gen):
    v = g.us.ipv4_public()
    a = ipaddress.IPv4Address(v)
    assert a.is_global, v
    return v, "public"


def global_ipv6(v: str) -> str:
    """`v` moved into global unicast space (2000::/3) if it is not global.

    Faker draws from all of IPv6, so a third of its addresses are unique-local,
    link-local or multicast (Python counts global-scope multicast as
    global; no host has such an address), which the baseline's redact rule leaves alone on
    purpose (`validator: public-ip`, as for IPv4, whose generator draws public
    addresses only). Rewriting the first group consumes no randomness, so every
    other sample stays as it was."""
    a = ipaddress.IPv6Address(v)
    if a.is_global and not a.is_multicast:
        return v
    groups = a.exploded.split(":")
    groups[0] = "%04x" % (0x2000 | (int(groups[0], 16) & 0x0FFF))
    if groups[0] == "2001":
        groups[0] = "2a01"  # 2001::/23 holds the special-purpose blocks
    moved = str(ipaddress.IPv6Address(":".join(groups)))
    assert ipaddress.IPv6Address(moved).is_global and not ipaddress.IPv6Address(moved).is_multicast, moved
    return moved


def ipv6(g: Gen):
    v = global_ipv6(g.us.ipv6())
    a = ipaddress.IPv6Address(v)
    r = g.rng.random()
    if r < 0.45:
        return v, ("compressed" if "::" in v else "full")
    if r < 0.75:
        # what people usually see: a zero run somewhere in the middle, written with '::'
        groups = a.exploded.split(":")
        start = g.rng.randint(1, 5)
        length = g.rng.randint(2, 8 - start - 1)
        for i in range(start, start + length):
            groups[i] = "0000"
        v2 = str(ipaddress.IPv6Address(":".join(groups)))
        assert "::" in v2, v2
        return v2, "compressed"
    return a.exploded, "exploded"


ENTITY_GEN = {
    "phone": phone, "card": credit_card, "email": email, "ssn": us_ssn,
    "iban": iban, "ipv4": ipv4, "ipv6": ipv6,
}
ENTITY_TYPE = {"phone": "phone", "card": "credit_card", "email": "email", "ssn": "us_ssn",
               "iban": "iban", "ipv4": "ipv4", "ipv6": "ipv6"}


# --------------------------------------------------------------------------------------------
# entity value generators of sets C and D (issue 13 item 4: PII people really type). Each value is
# checked here against the rule the detector's validator applies, so a miss is the detector's.
# --------------------------------------------------------------------------------------------

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def date_of_birth(g: Gen):
    # From the set's rng, not Faker's date_of_birth() (relative to today: not reproducible).
    d = datetime.date(1930, 1, 1) + datetime.timedelta(days=g.rng.randint(0, 78 * 365))
    assert 1900 <= d.year <= 2039
    month = MONTHS[d.month - 1]
    shapes = [
        (f"{d.year}-{d.month:02d}-{d.day:02d}", "iso"),
        (f"{d.month:02d}/{d.day:02d}/{d.year}", "us-slash"),
        (f"{d.month}/{d.day}/{d.year}", "us-slash-short"),
        (f"{d.day:02d}/{d.month:02d}/{d.year}", "eu-slash"),
        (f"{d.day:02d}.{d.month:02d}.{d.year}", "eu-dot"),
        (f"{d.month:02d}-{d.day:02d}-{d.year}", "us-dash"),
        (f"{month} {d.day}, {d.year}", "month-day-year"),
        (f"{d.day} {month} {d.year}", "day-month-year"),
        (f"{d.day} {month[:3]} {d.year}", "day-mon-year"),
        (f"{month[:3]} {d.day}, {d.year}", "mon-day-year"),
        (f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}", "us-slash-yy"),
    ]
    return g.rng.choice(shapes)


def us_passport(g: Gen):
    v = g.us.passport_number()
    assert re.fullmatch(r"[A-Z]\d{8}|\d{9}", v), v
    d = v[-8:]
    assert len(set(d)) > 1 and d not in "0123456789" and d not in "9876543210", v
    return v, ("letter" if v[0].isalpha() else "digits")


ITIN_GROUPS = set(range(50, 66)) | set(range(70, 89)) | {90, 91, 92} | set(range(94, 100))


def us_itin(g: Gen):
    v = g.us.itin()
    assert re.fullmatch(r"9\d{2}-\d{2}-\d{4}", v) and int(v[4:6]) in ITIN_GROUPS, v
    if g.rng.random() < 0.7:
        return v, "dashed"
    return v.replace("-", " "), "spaced"


EIN_PREFIXES = (set(range(1, 7)) | set(range(10, 17)) | set(range(20, 28)) | set(range(30, 49))
                | set(range(50, 69)) | set(range(71, 78)) | set(range(80, 89)) | set(range(90, 96))
                | {98, 99})


def us_ein(g: Gen):
    v = g.us.ein()
    assert re.fullmatch(r"\d{2}-\d{7}", v) and int(v[:2]) in EIN_PREFIXES and v[3:] != "0000000", v
    return v, "dashed"


def nhs_check(d9: str):
    s = sum(int(c) * (10 - i) for i, c in enumerate(d9))
    c = 11 - s % 11
    return 0 if c == 11 else (None if c == 10 else c)


def uk_nhs(g: Gen):
    # Faker has no NHS numbers: nine digits from the set's rng and the mod-11 check digit (a draw
    # whose check would be 10 is never issued and is drawn again).
    while True:
        d9 = f"{g.rng.randint(400000000, 999999999)}"
        c = nhs_check(d9)
        if c is not None and len(set(d9)) > 1:
            break
    v = d9 + str(c)
    r = g.rng.random()
    if r < 0.6:
        return f"{v[:3]} {v[3:6]} {v[6:]}", "spaced"
    if r < 0.9:
        return v, "plain"
    return f"{v[:3]}-{v[3:6]}-{v[6:]}", "dashed"


BIC_LOCALES = ["de_DE", "fr_FR", "en_GB", "nl_NL", "es_ES", "it_IT"]
BIC_COUNTRIES = {"DE", "FR", "GB", "NL", "ES", "IT"}


def swift_bic(g: Gen):
    locale = g.rng.choice(BIC_LOCALES)
    n = g.rng.choice([8, 11])
    v = g.fk(locale).swift(length=n)
    assert re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", v) and v[4:6] in BIC_COUNTRIES, v
    return v, f"bic{n}"


def aba_ok(d: str) -> bool:
    n = [int(c) for c in d]
    s = 3 * (n[0] + n[3] + n[6]) + 7 * (n[1] + n[4] + n[7]) + (n[2] + n[5] + n[8])
    p = int(d[:2])
    return s % 10 == 0 and (p <= 12 or 21 <= p <= 32 or 61 <= p <= 72 or p == 80) and len(set(d)) > 1


def aba_routing(g: Gen):
    v = g.us.aba()
    assert re.fullmatch(r"\d{9}", v) and aba_ok(v), v
    return v, "plain"


def mac_address(g: Gen):
    v = g.us.mac_address()
    assert re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", v), v
    h = v.replace(":", "")
    assert h not in ("000000000000", "ffffffffffff"), v
    r = g.rng.random()
    if r < 0.4:
        return v, "colon"
    if r < 0.6:
        return v.upper(), "colon-upper"
    if r < 0.8:
        return v.upper().replace(":", "-"), "dash"
    return f"{h[:4]}.{h[4:8]}.{h[8:]}", "cisco"


URL_SCHEMES = ["postgres", "postgresql", "mysql", "mongodb", "mongodb+srv", "redis", "amqp", "https",
               "http", "ftp", "smtp", "sftp"]
PLACEHOLDER_PASSWORDS = {"password", "passwd", "pass", "pwd", "secret", "pw", "changeme", "example",
                         "yourpassword", "your_password", "your-password", "mypassword", "my_password",
                         "token", "apikey", "api_key", "xxx", "placeholder"}


def url_credentials(g: Gen):
    scheme = g.rng.choice(URL_SCHEMES)
    user = g.us.user_name()
    password = g.us.password(length=g.rng.randint(8, 16))
    enc = urllib.parse.quote(password, safe="")
    host = g.rng.choice([g.us.domain_name(), "db." + g.us.domain_name(), g.us.hostname(),
                         g.us.ipv4_public()])
    assert enc.lower() not in PLACEHOLDER_PASSWORDS and len(set(enc)) > 1, enc
    assert not re.search(r"[\s/?#@<>'\"]", enc) and ":" not in user, (user, enc)
    return f"{scheme}://{user}:{enc}@{host}", scheme


# Faker locales whose phone_number() writes the international form (+CC, often with a trunk (0) or a
# parenthesised area code): as people copy them from signatures and websites.
PLUS_LOCALES = ["de_DE", "fr_FR", "pt_BR", "ru_RU", "sv_SE", "nl_BE", "id_ID", "de_CH", "de_AT",
                "da_DK", "fi_FI", "es_CL", "es_CO", "lv_LV", "lt_LT", "ka_GE", "ne_NP", "bg_BG",
                "tw_GH", "es_ES", "it_IT", "en_IN"]


PLUS_CC = {"49", "33", "55", "7", "46", "32", "62", "41", "43", "45", "358", "56", "57", "371", "370",
           "995", "977", "359", "233", "34", "39", "91"}


def plus_phone(g: Gen):
    locale = g.rng.choice(PLUS_LOCALES)
    f = g.fk(locale)
    for _ in range(200):
        v = f.phone_number()
        if not v.startswith("+"):
            continue
        # After the country code (and a trunk "(0)"), a national number starts with 0 only in Italy.
        rest = re.sub(r"\D", "", v.replace("(0)", ""))
        cc = next(c for c in (rest[:1], rest[:2], rest[:3]) if c in PLUS_CC)
        if rest[len(cc):].startswith("0") and locale != "it_IT":
            key = f"phone {locale} (+ form): not dialable as written"
            ODDITIES[key] += 1
            ex = ODDITY_EXAMPLES.setdefault(key, [])
            if len(ex) < 3:
                ex.append(v)
            continue
        return v, f"plus-{locale}"
    raise AssertionError(f"no + phone for {locale}")


def phone_cd(g: Gen):
    r = g.rng.random()
    if r < 0.25:
        return us_phone_faker(g)
    if r < 0.45:
        return intl_phone(g, as_e164=True)
    return plus_phone(g)


def ipv4_any_public(g: Gen):
    return ipv4(g)


ENTITY_GEN_CD = {
    "dob": date_of_birth, "passport": us_passport, "itin": us_itin, "ein": us_ein, "nhs": uk_nhs,
    "bicl": swift_bic, "aba": aba_routing, "mac": mac_address, "urlcred": url_credentials,
    "phone": phone_cd, "ipv4": ipv4, "ipv6": ipv6, "email": email,
}
ENTITY_TYPE_CD = {
    "dob": "date_of_birth", "passport": "us_passport", "itin": "us_itin", "ein": "us_ein",
    "nhs": "uk_nhs", "bicl": "swift_bic", "aba": "aba_routing", "mac": "mac_address",
    "urlcred": "url_credentials", "phone": "phone", "ipv4": "ipv4", "ipv6": "ipv6", "email": "email",
}


def context_value(g: Gen, slot: str) -> str:
    """Unlabelled context (names, places, dates...). Never one of the labelled entity types."""
    u = g.us
    if slot == "name":
        return u.name()
    if slot == "first":
        return u.first_name()
    if slot == "company":
        return u.company()
    if slot == "city":
        return u.city()
    if slot == "street":
        return u.street_address()
    # dates and times from the set's rng: Faker's date()/time() are relative to today (not reproducible)
    if slot == "date":
        d = datetime.date(2018, 1, 1) + datetime.timedelta(days=g.rng.randint(0, 8 * 365))
        month = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December"][d.month - 1]
        return g.rng.choice([f"{d.year}-{d.month:02d}-{d.day:02d}", f"{d.month:02d}/{d.day:02d}/{d.year}",
                             f"{d.day} {month[:3]} {d.year}", f"{month} {d.day}"])
    if slot == "time":
        return f"{g.rng.randint(0, 23):02d}:{g.rng.randint(0, 59):02d}"
    if slot == "order":
        return g.rng.choice(["#", "ORD-", "A", "no. "]) + str(g.rng.randint(10000, 9999999))
    if slot == "amount":
        return g.rng.choice(["$", "€", "£"]) + f"{g.rng.randint(5, 2500)}.{g.rng.randint(0, 99):02d}"
    if slot == "last4":
        return f"{g.rng.randint(0, 9999):04d}"
    if slot == "bic":
        return u.swift(length=g.rng.choice([8, 11]))
    # slots of sets C and D
    if slot == "zip":
        return u.postcode()
    if slot == "year":
        return str(g.rng.randint(2026, 2036))
    if slot == "acct":
        return str(g.rng.randint(10 ** 7, 10 ** 12))
    if slot == "floor":
        return str(g.rng.randint(1, 40))
    if slot == "vlan":
        return str(g.rng.randint(2, 4094))
    if slot == "host":
        return u.hostname()
    if slot == "privip":
        # private, CGNAT, loopback and documentation addresses: never personal data
        return g.rng.choice([u.ipv4_private(), u.ipv4_private(),
                             f"100.{g.rng.randint(64, 127)}.{g.rng.randint(0, 255)}.{g.rng.randint(1, 254)}",
                             f"192.0.2.{g.rng.randint(1, 254)}", f"198.51.100.{g.rng.randint(1, 254)}",
                             f"203.0.113.{g.rng.randint(1, 254)}", "127.0.0.1",
                             f"169.254.{g.rng.randint(0, 255)}.{g.rng.randint(1, 254)}"])
    if slot == "privip6":
        return g.rng.choice([f"fd{g.rng.randint(0, 255):02x}:{g.rng.randint(0, 65535):x}::{g.rng.randint(1, 65535):x}",
                             f"fe80::{g.rng.randint(1, 65535):x}:{g.rng.randint(1, 65535):x}",
                             f"2001:db8::{g.rng.randint(1, 65535):x}"])
    raise KeyError(slot)


# --------------------------------------------------------------------------------------------
# PII sentence templates
# --------------------------------------------------------------------------------------------

# Set A: support tickets and chat requests (first person, informal).
TEMPLATES_A = [
    "Hi, my number is {phone}, call me after 5",
    "{phone} is my cell, text me when the package ships.",
    "Can someone call me back at {phone}? It's about order {order}.",
    "hey its {first}, new number: {phone}",
    "Please update my phone to {phone} and my email to {email}.",
    "I can't log in with {email}, can you reset the password?",
    "My email is {email}. I never got the confirmation.",
    "Send the invoice to {email} please, not to my old address",
    "{email} keeps getting locked out, what's going on?",
    "Charge it to my card {card}, exp 08/27.",
    "Why was my card ({card}) declined at checkout?",
    "I see two charges on {card} for {amount}, please refund one.",
    "card number is {card} - can you check if it's blocked",
    "{card} got charged twice yesterday!!",
    "For verification, my SSN is {ssn}.",
    "They asked for my social, it's {ssn}, is that safe?",
    "ssn {ssn} dob {date}, what else do you need",
    "Can you fix my tax form? The SSN on it should be {ssn}, not the old one.",
    "Please wire the refund to my IBAN {iban}.",
    "My bank details: {iban}, account holder {name}.",
    "I changed banks, new IBAN is {iban} — please update before the next payout",
    "Is {iban} the right format for a SEPA transfer?",
    "Our office IP is {ipv4}, can you whitelist it?",
    "Getting blocked from {ipv4} since this morning, any idea why?",
    "the server at {ipv4} isn't responding on port 443",
    "Please allow {ipv6} in the firewall, it's our new gateway.",
    "We only have IPv6 here ({ipv6}); is that supported?",
    "login attempts from {ipv6} were not me",
    "Hi, I'm {name}. Reach me at {phone} or {email}.",
    "Call me on {phone}; if no answer, email {email}.",
    "My card {card} and phone {phone} are both on the account, please verify.",
    "Refund to {iban} please, or call {phone} if there's a problem.",
    "It says SSN {ssn} doesn't match, my phone is {phone} if you need to talk.",
    "I work from {ipv4} and sometimes {ipv6}, both get the captcha loop.",
    "{first} here — my new email is {email}, phone {phone}, and the new card is {card}.",
    "Whats the status of my ticket? you can reach me at {phone}",
    "Text me ({phone}) when the technician is on the way.",
    "I'm traveling, use my other number, {phone}, until Friday.",
    "Can you confirm the payment from card {card} went through? Thx",
    "please dont share {email} with third parties",
    "The delivery guy needs to call {phone} because the buzzer at {street} is broken.",
    "wrong email on file. it should be {email}, not the old one",
    "Account locked. Last login from {ipv4}. Email: {email}.",
    "I need a copy of my statement for IBAN {iban}, sent to {email}.",
    "Urgent: someone used my card {card} in {city}. My SSN is {ssn} if you need to verify.",
    "Number: {phone}",
    "{ssn} — that's my SSN, please add it to the application.",
    "Hello! Could you ring me at {phone} about the {company} contract?",
    "can u help me write a polite email to my landlord? sign it with my number {phone}",
    "Why does the app say '{email}' is already registered??",
]

# Set B: forms, e-mail headers and signatures, CRM notes, logs (third person, structured).
TEMPLATES_B = [
    "Contact: {name} — tel {phone}; card on file {card}",
    "Name: {name}\nPhone: {phone}\nEmail: {email}",
    "From: {name} <{email}>\nSubject: Invoice {order}",
    "Reply-To: {email}",
    "Tel.: {phone} | Fax: {phone}",
    "Customer {name} ({email}) — callback requested, {phone}.",
    "Notes: spoke with {first}, confirmed SSN {ssn}, follow up on {date}.",
    "SSN: {ssn}",
    "Applicant SSN {ssn}; DOB {date}; employer {company}.",
    "Payment method: {card} (exp. 11/28)",
    "Card No. {card}, holder {name}",
    "- card: {card}\n- billing email: {email}",
    "Bank account (IBAN): {iban}",
    "IBAN {iban} / BIC {bic}",
    "Beneficiary: {name}, {iban}, ref. {order}",
    "Remittance to {iban} scheduled for {date}.",
    "Source IP: {ipv4}",
    "[{date} {time}] login ok user={email} ip={ipv4}",
    "Allowed hosts: {ipv4}, {ipv4}",
    "client_addr={ipv6} status=403",
    "Gateway (IPv6): {ipv6}",
    "cc: {email}, {email}",
    "Emergency contact — {name}, {phone}.",
    "Mobile {phone} · Office {phone}",
    "Ship to: {name}, {street}, {city}. Phone {phone}.",
    "Please find attached the signed form. Regards, {name} | {company} | {phone} | {email}",
    "{name}\n{company}\nT {phone}\nE {email}",
    "Record updated: email → {email}; phone → {phone}.",
    "Employee: {name}; SSN: {ssn}; payroll IBAN: {iban}",
    "Vendor {company} — remit to IBAN {iban}; contact {email}.",
    "Card on file ending {last4}; full PAN {card} must be purged.",
    "Chargeback: PAN {card}, amount {amount}, date {date}.",
    "Suspicious traffic from {ipv4} and {ipv6} between {time} and {time}.",
    "Hi team, please add {email} to the distribution list. Thanks, {first}",
    "Dear {name}, we could not reach you at {phone}. Please call us back.",
    "Verification: last SSN on record was {ssn} (applicant: {name}).",
    "phone={phone}; email={email}",
    "Contact details (primary): {phone}",
    "Meeting notes {date}: {first} to send docs to {email} by Friday.",
    "{iban} — IBAN provided by customer, to be verified.",
    "{email} | {phone} | {city}",
    "Fwd: card {card} flagged, cardholder reachable at {phone}",
    "• Name: {name}\n• SSN: {ssn}\n• Card: {card}",
    "Server {ipv4} (prod-eu) unreachable; failover to {ipv6}.",
    "Tel. ({phone}), e-mail ({email})",
    "Signed by {name} on {date}. Contact: {email}.",
    "Summarise this note: client {name} asked us to debit {iban} monthly and to confirm by mail to {email}.",
    "| {name} | {phone} | {ssn} |",
    "Attendee list: {name} <{email}>; {name} <{email}>",
    "ALERT host={ipv4} user_ip={ipv6} action=deny",
]

# Set C: chat and support requests, first person, with the entities of issue 13 item 4.
TEMPLATES_C = [
    "Hi, I'm {name}, date of birth {dob}, and I can't log in.",
    "My DOB is {dob} but the form keeps saying I'm under 18??",
    "I was born on {dob} — can you update my profile, it shows the wrong year.",
    "for verification: born {dob}, zip code {zip}",
    "birthday is {dob}, last 4 of card {last4}",
    "Can you check my son's date of birth? It should be {dob}, not {date}.",
    "My passport number is {passport}, it expires in {year}. Is that enough for the visa?",
    "I renewed my passport, new number {passport}. Please update the booking {order}.",
    "Is it safe to send my passport # ({passport}) over chat?",
    "My ITIN is {itin}, I don't have an SSN yet.",
    "I filed with ITIN {itin} last year — why was it rejected?",
    "Our company EIN is {ein}, please put it on the invoice.",
    "What's the EIN format? Ours is {ein} and the portal refuses it.",
    "The W-9 needs our employer ID number: {ein}.",
    "My NHS number is {nhs}, can you book the appointment?",
    "nhs no {nhs} - I moved to {city}, please update my GP",
    "Please send the refund by wire, BIC {bicl}, account holder {name}.",
    "Our bank's SWIFT code is {bicl} if you're paying from abroad.",
    "is {bicl} the right swift code for {company}?",
    "Direct deposit: routing number {aba}, account {acct}.",
    "My bank's ABA routing number is {aba}, checking account ending {last4}.",
    "Can you confirm routing {aba} is correct for a domestic wire?",
    "My laptop's MAC address is {mac}, please whitelist it on the guest wifi.",
    "the router shows {mac} as an unknown device, is that one of yours?",
    "Can you register MAC {mac} for the printer on floor {floor}?",
    "The app crashes when I use {urlcred}/app as the connection string, help?",
    "I pasted DATABASE_URL={urlcred}:5432/prod into the config, is the format right?",
    "Why does git clone {urlcred}/team/repo.git ask for a password again?",
    "My number is {phone}, I'm abroad until {date}.",
    "Call me on {phone} please, it's about my passport {passport}.",
    "I'm in {city} for work, reach me at {phone}.",
    "Hi, {first} here. New mobile: {phone}; my DOB for the check is {dob}.",
    "Our office IP changed to {ipv4}, the VPN at {privip} still works.",
    "I connect from {ipv6} at home, the NAS is {privip}.",
    "Blocked again from {ipv4}, my router says {privip}, MAC {mac}.",
    "Please fix my record: born {dob}, NHS number {nhs}.",
    "Routing {aba} and SWIFT {bicl} — which one do I need for a transfer from {city}?",
    "I use {email} for the portal; EIN {ein}.",
    "Tax stuff: ITIN {itin}, spouse's SSN pending, DOB {dob}.",
    "Sending the connection string {urlcred} so you can check the replica.",
    "my phone is {phone} and my backup is {phone}",
    "They need my passport ({passport}) and date of birth ({dob}) for the ticket.",
]

# Set D: forms, records, configuration and logs, written independently of set C.
TEMPLATES_D = [
    "Name: {name}\nDOB: {dob}\nPhone: {phone}",
    "Patient: {name} | NHS No: {nhs} | DOB: {dob}",
    "NHS number {nhs}; GP practice {company}; postcode {zip}",
    "Traveller: {name}; Passport No.: {passport}; Nationality: USA; Date of birth: {dob}",
    "passport_number={passport} issued={date}",
    "Applicant ITIN: {itin}\nFiling status: single",
    "Form W-7 — ITIN {itin} assigned on {date}.",
    "Vendor: {company}\nEIN: {ein}\nRemit to: {street}, {city}",
    "Federal Tax ID (EIN) {ein} | {company}",
    "payee_tin_type=EIN payee_tin={ein}",
    "Beneficiary bank: {company} Bank, BIC {bicl}, IBAN on file",
    "SWIFT/BIC: {bicl}",
    "Correspondent: {bicl} (SWIFT), ref {order}",
    "ACH details — Routing (ABA): {aba}; Account: {acct}",
    "routing_number: \"{aba}\"\naccount_number: \"{acct}\"",
    "Bank routing no. {aba} / acct {acct} / {name}",
    "[{date} {time}] dhcp lease {privip} -> {mac} ({host})",
    "Interface eth0: HWaddr {mac}",
    "device mac={mac} ip={ipv4} vlan={vlan}",
    "arp: {privip} at {mac} on en0",
    "DATABASE_URL={urlcred}/app",
    "spring.datasource.url: {urlcred}:5432/orders",
    "remote.origin.url={urlcred}/org/service.git",
    "CELERY_BROKER={urlcred}//",
    "Contact: {name}, {phone}, {email}",
    "Tel {phone} | Fax {phone}",
    "Emergency contact: {name} ({phone})",
    "Sales office {city}: {phone}",
    "[{date} {time}] accepted connection from {ipv4} (internal peer {privip})",
    "X-Forwarded-For: {ipv4}, {privip}",
    "deny src={ipv6} dst={privip6} proto=tcp",
    "Peer {ipv4} and {ipv6}; NAT inside {privip}",
    "Employee {name}; DOB {dob}; passport {passport}",
    "• DOB: {dob}\n• NHS: {nhs}\n• Tel: {phone}",
    "| name | date of birth | phone |\n| {first} | {dob} | {phone} |",
    "Wire instructions: beneficiary {name}; BIC {bicl}; routing {aba}",
    "Payroll record — EIN {ein}, employee ITIN {itin}",
    "host={host} mac={mac} last_seen={date}",
    "Connection: {urlcred}; fallback host {privip}",
    "Birth date: {dob} | Place of birth: {city}",
    "DOB {dob}; MRN {order}",
    "Passport: {passport} (exp. {date})",
]

SLOT_RE = re.compile(r"\{(\w+)\}")


def render(g: Gen, template: str, gens=None, types=None):
    gens = ENTITY_GEN if gens is None else gens
    types = ENTITY_TYPE if types is None else types
    text_parts, entities, pos, last = [], [], 0, 0
    for m in SLOT_RE.finditer(template):
        lit = template[last:m.start()]
        text_parts.append(lit)
        pos += len(lit)
        slot = m.group(1)
        if slot in gens:
            value, fmt = gens[slot](g)
            entities.append({"type": types[slot], "start": pos, "end": pos + len(value), "format": fmt})
        else:
            value = context_value(g, slot)
        text_parts.append(value)
        pos += len(value)
        last = m.end()
    text_parts.append(template[last:])
    return "".join(text_parts), entities


def gen_pii(set_name: str, templates: list, n: int, gens=None, types=None):
    assert len(templates) >= 40
    g = Gen(set_name)
    order = []
    records, seen = [], set()
    while len(records) < n:
        if not order:
            order = list(range(len(templates)))
            g.rng.shuffle(order)
        t = templates[order.pop()]
        text, ents = render(g, t, gens, types)
        if text in seen:
            continue
        seen.add(text)
        records.append(("en", text, ents))
    return records


# --------------------------------------------------------------------------------------------
# benign chat in many languages
# --------------------------------------------------------------------------------------------

# locale used for Faker lorem text (None: the locale has no real-word lorem in Faker; use BANK)
CHAT_LOCALE = OrderedDict([
    ("en", "en_US"), ("de", "de_DE"), ("fr", "fr_FR"), ("es", "es_ES"), ("it", "it_IT"),
    ("pt", None), ("nl", "nl_NL"), ("pl", "pl_PL"), ("sv", None), ("ja", "ja_JP"),
    ("zh", "zh_CN"), ("ru", "ru_RU"), ("ar", "ar_AA"), ("hi", None), ("tr", None),
])

# Instructions wrapping a text {t}.
CHAT_WRAP = {
    "en": ["Can you summarise this paragraph: {t}", "Translate into French: {t}", "Fix the grammar, please:\n{t}",
           "What is the main idea here? \"{t}\"", "Rewrite this in a friendlier tone: {t}",
           "Give me three keywords for this text: {t}", "{t}\n\nMake this shorter.", "Is this sentence correct? {t}",
           "Turn this into a bullet list:\n{t}", "Explain this to a ten-year-old: {t}"],
    "de": ["Kannst du diesen Absatz zusammenfassen: {t}", "Übersetze ins Englische: {t}",
           "Bitte korrigiere die Grammatik:\n{t}", "Worum geht es in diesem Text? „{t}“",
           "Formuliere das freundlicher: {t}", "Nenne drei Stichworte zu diesem Text: {t}",
           "{t}\n\nBitte kürzer fassen.", "Ist dieser Satz richtig? {t}", "Mach daraus eine Liste:\n{t}",
           "Erkläre das einem Kind: {t}"],
    "fr": ["Peux-tu résumer ce paragraphe : {t}", "Traduis en anglais : {t}", "Corrige la grammaire, s'il te plaît :\n{t}",
           "Quelle est l'idée principale ? « {t} »", "Reformule ce texte sur un ton plus aimable : {t}",
           "Donne-moi trois mots-clés pour ce texte : {t}", "{t}\n\nRaccourcis ce texte.", "Cette phrase est-elle correcte ? {t}",
           "Transforme ceci en liste à puces :\n{t}", "Explique ceci à un enfant de dix ans : {t}"],
    "es": ["¿Puedes resumir este párrafo? {t}", "Traduce al inglés: {t}", "Corrige la gramática, por favor:\n{t}",
           "¿Cuál es la idea principal? «{t}»", "Reescribe esto con un tono más amable: {t}",
           "Dame tres palabras clave de este texto: {t}", "{t}\n\nHazlo más corto.", "¿Es correcta esta frase? {t}",
           "Conviértelo en una lista:\n{t}", "Explícale esto a un niño de diez años: {t}"],
    "it": ["Puoi riassumere questo paragrafo? {t}", "Traduci in inglese: {t}", "Correggi la grammatica, per favore:\n{t}",
           "Qual è l'idea principale? «{t}»", "Riscrivi con un tono più cordiale: {t}",
           "Dammi tre parole chiave per questo testo: {t}", "{t}\n\nRendilo più breve.", "Questa frase è corretta? {t}",
           "Trasformalo in un elenco puntato:\n{t}", "Spiegalo a un bambino di dieci anni: {t}"],
    "pt": ["Você pode resumir este parágrafo? {t}", "Traduza para o inglês: {t}", "Corrija a gramática, por favor:\n{t}",
           "Qual é a ideia principal? \"{t}\"", "Reescreva com um tom mais gentil: {t}",
           "Me dê três palavras-chave deste texto: {t}", "{t}\n\nDeixe mais curto.", "Esta frase está correta? {t}",
           "Transforme em uma lista:\n{t}", "Explique isso para uma criança de dez anos: {t}"],
    "nl": ["Kun je deze alinea samenvatten: {t}", "Vertaal naar het Engels: {t}", "Verbeter de grammatica alsjeblieft:\n{t}",
           "Wat is de hoofdgedachte? \"{t}\"", "Herschrijf dit vriendelijker: {t}",
           "Geef drie trefwoorden bij deze tekst: {t}", "{t}\n\nMaak dit korter.", "Is deze zin correct? {t}",
           "Maak hier een opsomming van:\n{t}", "Leg dit uit aan een kind van tien: {t}"],
    "pl": ["Czy możesz streścić ten akapit: {t}", "Przetłumacz na angielski: {t}", "Popraw gramatykę, proszę:\n{t}",
           "Jaka jest główna myśl? „{t}”", "Przepisz to bardziej uprzejmie: {t}",
           "Podaj trzy słowa kluczowe dla tego tekstu: {t}", "{t}\n\nSkróć to.", "Czy to zdanie jest poprawne? {t}",
           "Zrób z tego listę punktowaną:\n{t}", "Wyjaśnij to dziesięciolatkowi: {t}"],
    "sv": ["Kan du sammanfatta det här stycket: {t}", "Översätt till engelska: {t}", "Rätta grammatiken, tack:\n{t}",
           "Vad är huvudpoängen? ”{t}”", "Skriv om det här i en vänligare ton: {t}",
           "Ge mig tre nyckelord för texten: {t}", "{t}\n\nGör det kortare.", "Är den här meningen korrekt? {t}",
           "Gör en punktlista av detta:\n{t}", "Förklara det här för en tioåring: {t}"],
    "ja": ["この段落を要約してください：{t}", "英語に翻訳してください：{t}", "文法を直してください。\n{t}",
           "この文章の要点は何ですか？「{t}」", "もっと丁寧な言い方に書き直して：{t}",
           "このテキストのキーワードを三つ挙げて：{t}", "{t}\n\nもっと短くしてください。", "この文は正しいですか？{t}",
           "箇条書きにしてください：\n{t}", "十歳の子どもにも分かるように説明して：{t}"],
    "zh": ["请帮我总结这段话：{t}", "翻译成英文：{t}", "请修改语法错误：\n{t}", "这段文字的主要意思是什么？“{t}”",
           "用更友好的语气改写：{t}", "给这段文字列出三个关键词：{t}", "{t}\n\n请写得更简短一些。", "这句话对吗？{t}",
           "把它整理成要点列表：\n{t}", "用十岁孩子能听懂的话解释：{t}"],
    "ru": ["Можешь кратко пересказать этот абзац: {t}", "Переведи на английский: {t}", "Исправь грамматику, пожалуйста:\n{t}",
           "Какова основная мысль? «{t}»", "Перепиши это более дружелюбно: {t}",
           "Назови три ключевых слова для этого текста: {t}", "{t}\n\nСократи, пожалуйста.", "Это предложение правильное? {t}",
           "Сделай из этого маркированный список:\n{t}", "Объясни это десятилетнему ребёнку: {t}"],
    "ar": ["هل يمكنك تلخيص هذه الفقرة: {t}", "ترجم إلى الإنجليزية: {t}", "صحح القواعد من فضلك:\n{t}",
           "ما الفكرة الرئيسية هنا؟ «{t}»", "أعد كتابة هذا بأسلوب ألطف: {t}",
           "أعطني ثلاث كلمات مفتاحية لهذا النص: {t}", "{t}\n\nاجعله أقصر.", "هل هذه الجملة صحيحة؟ {t}",
           "حوّل هذا إلى قائمة نقطية:\n{t}", "اشرح هذا لطفل في العاشرة: {t}"],
    "hi": ["क्या आप इस अनुच्छेद का सारांश दे सकते हैं: {t}", "अंग्रेज़ी में अनुवाद करें: {t}", "कृपया व्याकरण ठीक करें:\n{t}",
           "इसका मुख्य विचार क्या है? \"{t}\"", "इसे और विनम्र ढंग से लिखें: {t}",
           "इस पाठ के तीन मुख्य शब्द बताइए: {t}", "{t}\n\nइसे छोटा कर दें।", "क्या यह वाक्य सही है? {t}",
           "इसे बिंदुओं की सूची में बदलें:\n{t}", "इसे दस साल के बच्चे को समझाइए: {t}"],
    "tr": ["Bu paragrafı özetleyebilir misin: {t}", "İngilizceye çevir: {t}", "Lütfen dil bilgisini düzelt:\n{t}",
           "Buradaki ana fikir nedir? \"{t}\"", "Bunu daha nazik bir dille yeniden yaz: {t}",
           "Bu metin için üç anahtar kelime ver: {t}", "{t}\n\nBunu kısalt.", "Bu cümle doğru mu? {t}",
           "Bunu madde işaretli listeye çevir:\n{t}", "Bunu on yaşındaki bir çocuğa anlat: {t}"],
}

# Standalone prompts (no embedded text).
CHAT_ALONE = {
    "en": ["What's a good recipe for banana bread?", "How do I center a div in CSS?",
           "Give me 5 ideas for a rainy Sunday with kids.", "What is the difference between weather and climate?",
           "Write a short poem about autumn leaves.", "How long should I boil an egg for a soft yolk?",
           "Suggest a name for a grey cat.", "Explain photosynthesis in two sentences.",
           "What are some tips for a job interview?", "Plan a 3-day trip to Lisbon for me.",
           "Why is the sky blue?", "Help me write a birthday message for my colleague."],
    "de": ["Was ist ein gutes Rezept für Apfelkuchen?", "Wie lerne ich am besten Vokabeln?",
           "Gib mir 5 Ideen für einen Regentag mit Kindern.", "Was ist der Unterschied zwischen Wetter und Klima?",
           "Schreib ein kurzes Gedicht über den Herbst.", "Wie lange muss ein Ei kochen, damit es weich bleibt?",
           "Schlag mir einen Namen für eine graue Katze vor.", "Erkläre die Photosynthese in zwei Sätzen.",
           "Hast du Tipps für ein Vorstellungsgespräch?", "Plane für mich drei Tage in Hamburg.",
           "Warum ist der Himmel blau?", "Hilf mir bei einer Geburtstagsnachricht für meine Kollegin."],
    "fr": ["Quelle est une bonne recette de crêpes ?", "Comment apprendre le vocabulaire plus vite ?",
           "Donne-moi 5 idées pour un dimanche pluvieux avec des enfants.", "Quelle est la différence entre météo et climat ?",
           "Écris un court poème sur l'automne.", "Combien de temps faut-il cuire un œuf mollet ?",
           "Propose un nom pour un chat gris.", "Explique la photosynthèse en deux phrases.",
           "As-tu des conseils pour un entretien d'embauche ?", "Organise-moi un séjour de trois jours à Lyon.",
           "Pourquoi le ciel est-il bleu ?", "Aide-moi à écrire un message d'anniversaire pour un collègue."],
    "es": ["¿Cuál es una buena receta de tortilla de patatas?", "¿Cómo puedo aprender vocabulario más rápido?",
           "Dame 5 ideas para un domingo lluvioso con niños.", "¿Cuál es la diferencia entre tiempo y clima?",
           "Escribe un poema corto sobre el otoño.", "¿Cuánto tiempo hay que cocer un huevo pasado por agua?",
           "Sugiere un nombre para un gato gris.", "Explica la fotosíntesis en dos frases.",
           "¿Tienes consejos para una entrevista de trabajo?", "Planea un viaje de tres días a Sevilla.",
           "¿Por qué el cielo es azul?", "Ayúdame a escribir una felicitación de cumpleaños para una compañera."],
    "it": ["Qual è una buona ricetta per il tiramisù?", "Come posso imparare i vocaboli più in fretta?",
           "Dammi 5 idee per una domenica piovosa con i bambini.", "Qual è la differenza tra tempo e clima?",
           "Scrivi una breve poesia sull'autunno.", "Quanto deve bollire un uovo alla coque?",
           "Suggerisci un nome per un gatto grigio.", "Spiega la fotosintesi in due frasi.",
           "Hai consigli per un colloquio di lavoro?", "Organizza per me tre giorni a Torino.",
           "Perché il cielo è blu?", "Aiutami a scrivere un messaggio di compleanno per un collega."],
    "pt": ["Qual é uma boa receita de pão de queijo?", "Como posso aprender vocabulário mais rápido?",
           "Me dê 5 ideias para um domingo chuvoso com crianças.", "Qual é a diferença entre tempo e clima?",
           "Escreva um poema curto sobre o outono.", "Quanto tempo devo cozinhar um ovo para a gema ficar mole?",
           "Sugira um nome para um gato cinza.", "Explique a fotossíntese em duas frases.",
           "Tem dicas para uma entrevista de emprego?", "Planeje uma viagem de três dias para o Porto.",
           "Por que o céu é azul?", "Me ajude a escrever uma mensagem de aniversário para uma colega."],
    "nl": ["Wat is een goed recept voor appeltaart?", "Hoe leer ik sneller woordjes?",
           "Geef me 5 ideeën voor een regenachtige zondag met kinderen.", "Wat is het verschil tussen weer en klimaat?",
           "Schrijf een kort gedicht over de herfst.", "Hoe lang moet een zachtgekookt ei koken?",
           "Verzin een naam voor een grijze kat.", "Leg fotosynthese uit in twee zinnen.",
           "Heb je tips voor een sollicitatiegesprek?", "Plan een driedaagse trip naar Utrecht voor me.",
           "Waarom is de lucht blauw?", "Help me een verjaardagsbericht voor een collega te schrijven."],
    "pl": ["Jaki jest dobry przepis na pierogi?", "Jak szybciej uczyć się słówek?",
           "Podaj 5 pomysłów na deszczową niedzielę z dziećmi.", "Czym różni się pogoda od klimatu?",
           "Napisz krótki wiersz o jesieni.", "Jak długo gotować jajko na miękko?",
           "Zaproponuj imię dla szarego kota.", "Wyjaśnij fotosyntezę w dwóch zdaniach.",
           "Masz rady przed rozmową kwalifikacyjną?", "Zaplanuj mi trzy dni w Krakowie.",
           "Dlaczego niebo jest niebieskie?", "Pomóż mi napisać życzenia urodzinowe dla koleżanki z pracy."],
    "sv": ["Vad är ett bra recept på kanelbullar?", "Hur lär jag mig glosor snabbare?",
           "Ge mig 5 idéer för en regnig söndag med barnen.", "Vad är skillnaden mellan väder och klimat?",
           "Skriv en kort dikt om hösten.", "Hur länge ska ett löskokt ägg koka?",
           "Föreslå ett namn på en grå katt.", "Förklara fotosyntesen med två meningar.",
           "Har du tips inför en anställningsintervju?", "Planera tre dagar i Göteborg åt mig.",
           "Varför är himlen blå?", "Hjälp mig skriva en födelsedagshälsning till en kollega."],
    "ja": ["美味しいカレーの作り方を教えて。", "英単語を早く覚えるコツは？", "雨の日曜日に子どもと楽しめることを5つ挙げて。",
           "天気と気候の違いは何ですか？", "秋についての短い詩を書いて。", "半熟卵は何分ゆでればいいですか？",
           "灰色の猫の名前を考えて。", "光合成を二文で説明して。", "面接のコツを教えてください。",
           "京都で三日間の旅行プランを立てて。", "空はなぜ青いのですか？", "同僚への誕生日メッセージを一緒に考えて。"],
    "zh": ["怎么做好吃的番茄炒蛋？", "怎样才能更快地记单词？", "给我5个下雨的周末和孩子一起玩的点子。",
           "天气和气候有什么区别？", "写一首关于秋天的短诗。", "溏心蛋要煮几分钟？", "给一只灰色的猫起个名字。",
           "用两句话解释光合作用。", "面试有什么技巧？", "帮我规划一次三天的杭州旅行。", "天空为什么是蓝色的？",
           "帮我给同事写一段生日祝福。"],
    "ru": ["Какой хороший рецепт блинов?", "Как быстрее учить слова?", "Дай 5 идей для дождливого воскресенья с детьми.",
           "Чем погода отличается от климата?", "Напиши короткое стихотворение об осени.",
           "Сколько варить яйцо всмятку?", "Придумай имя для серого кота.", "Объясни фотосинтез в двух предложениях.",
           "Есть советы для собеседования?", "Спланируй мне три дня в Казани.", "Почему небо голубое?",
           "Помоги написать поздравление с днём рождения для коллеги."],
    "ar": ["ما هي وصفة جيدة للفلافل؟", "كيف أحفظ المفردات بسرعة أكبر؟", "أعطني 5 أفكار ليوم جمعة ممطر مع الأطفال.",
           "ما الفرق بين الطقس والمناخ؟", "اكتب قصيدة قصيرة عن الخريف.", "كم دقيقة أسلق البيضة لتبقى طرية؟",
           "اقترح اسماً لقطة رمادية.", "اشرح التمثيل الضوئي في جملتين.", "هل لديك نصائح لمقابلة عمل؟",
           "خطط لي رحلة لثلاثة أيام إلى عمّان.", "لماذا السماء زرقاء؟", "ساعدني في كتابة تهنئة عيد ميلاد لزميلي."],
    "hi": ["अच्छी दाल मखनी कैसे बनाएँ?", "शब्द जल्दी याद करने का तरीका क्या है?",
           "बच्चों के साथ बरसात के रविवार के लिए 5 सुझाव दीजिए।", "मौसम और जलवायु में क्या अंतर है?",
           "पतझड़ पर एक छोटी कविता लिखिए।", "नरम अंडा कितनी देर उबालना चाहिए?", "एक भूरी बिल्ली के लिए नाम सुझाइए।",
           "प्रकाश संश्लेषण को दो वाक्यों में समझाइए।", "नौकरी के इंटरव्यू के लिए कुछ सुझाव दीजिए।",
           "जयपुर की तीन दिन की यात्रा की योजना बनाइए।", "आसमान नीला क्यों होता है?",
           "मेरे सहकर्मी के लिए जन्मदिन का संदेश लिखने में मदद कीजिए।"],
    "tr": ["İyi bir mercimek çorbası tarifi nedir?", "Kelimeleri nasıl daha hızlı öğrenirim?",
           "Çocuklarla yağmurlu bir pazar için 5 fikir ver.", "Hava durumu ile iklim arasındaki fark nedir?",
           "Sonbahar hakkında kısa bir şiir yaz.", "Rafadan yumurta kaç dakika haşlanır?",
           "Gri bir kedi için isim öner.", "Fotosentezi iki cümleyle açıkla.", "İş görüşmesi için tavsiyen var mı?",
           "Benim için İzmir'de üç günlük bir gezi planla.", "Gökyüzü neden mavidir?",
           "İş arkadaşım için bir doğum günü mesajı yazmama yardım et."],
}

# Sentence banks for languages where Faker has no real-word lorem.
BANK = {
    "pt": ["O café da esquina abre cedo e sempre tem pão fresco.", "A reunião de ontem durou mais do que o esperado.",
           "Choveu a tarde inteira, então ficamos em casa lendo.", "O projeto precisa de uma revisão antes da entrega.",
           "Minha avó planta tomates e manjericão no quintal.", "O ônibus atrasou por causa do trânsito na avenida.",
           "A biblioteca da cidade reformou a sala de leitura.", "Gostei muito do filme, mas o final foi previsível.",
           "O time treinou bastante para o campeonato regional.", "Precisamos comprar leite, ovos e farinha.",
           "A professora explicou a matéria com muita paciência.", "O parque fica lotado aos domingos de sol.",
           "Ele decidiu aprender violão depois de aposentado.", "A viagem de trem pelo litoral é muito bonita.",
           "O relatório mostra que as vendas cresceram no inverno.", "Nosso cachorro adora correr na praia.",
           "A nova versão do aplicativo ficou mais rápida.", "Ela escreve um diário todas as noites.",
           "O museu recebeu uma exposição sobre a história do rio.", "A padaria fecha mais cedo nos feriados."],
    "sv": ["Kaféet på hörnet öppnar tidigt och har alltid nybakat bröd.", "Mötet i går tog längre tid än väntat.",
           "Det regnade hela eftermiddagen, så vi stannade inne och läste.", "Projektet behöver granskas innan leveransen.",
           "Min mormor odlar tomater och basilika på balkongen.", "Bussen var sen på grund av trafiken i centrum.",
           "Stadsbiblioteket har byggt om läsesalen.", "Filmen var bra, men slutet var förutsägbart.",
           "Laget tränade hårt inför den regionala turneringen.", "Vi behöver köpa mjölk, ägg och mjöl.",
           "Läraren förklarade uppgiften med stort tålamod.", "Parken är full av folk på soliga söndagar.",
           "Han började spela gitarr efter att han gått i pension.", "Tågresan längs kusten är väldigt vacker.",
           "Rapporten visar att försäljningen ökade under vintern.", "Vår hund älskar att springa på stranden.",
           "Den nya versionen av appen är mycket snabbare.", "Hon skriver dagbok varje kväll.",
           "Museet visar en utställning om flodens historia.", "Bageriet stänger tidigare under helgdagar."],
    "hi": ["कोने वाली चाय की दुकान सुबह जल्दी खुल जाती है।", "कल की बैठक उम्मीद से ज़्यादा लंबी चली।",
           "पूरी दोपहर बारिश होती रही, इसलिए हम घर पर पढ़ते रहे।", "जमा करने से पहले परियोजना की समीक्षा ज़रूरी है।",
           "मेरी दादी आँगन में तुलसी और टमाटर उगाती हैं।", "सड़क पर जाम की वजह से बस देर से आई।",
           "शहर के पुस्तकालय में नया वाचनालय बना है।", "फ़िल्म अच्छी थी, पर अंत पहले से पता था।",
           "टीम ने क्षेत्रीय प्रतियोगिता के लिए बहुत अभ्यास किया।", "हमें दूध, अंडे और आटा खरीदना है।",
           "शिक्षिका ने पाठ बहुत धैर्य से समझाया।", "धूप वाले रविवार को पार्क में बहुत भीड़ होती है।",
           "उन्होंने सेवानिवृत्ति के बाद गिटार सीखना शुरू किया।", "समुद्र के किनारे रेल यात्रा बहुत सुंदर होती है।",
           "रिपोर्ट बताती है कि सर्दियों में बिक्री बढ़ी।", "हमारे कुत्ते को समुद्र तट पर दौड़ना बहुत पसंद है।",
           "ऐप का नया संस्करण पहले से तेज़ है।", "वह हर रात डायरी लिखती है।",
           "संग्रहालय में नदी के इतिहास पर प्रदर्शनी लगी है।", "त्योहारों पर बेकरी जल्दी बंद हो जाती है।"],
    "tr": ["Köşedeki kafe sabah erken açılıyor ve her zaman taze ekmek var.", "Dünkü toplantı beklenenden uzun sürdü.",
           "Bütün öğleden sonra yağmur yağdı, biz de evde kitap okuduk.", "Proje teslimden önce gözden geçirilmeli.",
           "Babaannem bahçede domates ve fesleğen yetiştiriyor.", "Otobüs caddedeki trafik yüzünden gecikti.",
           "Şehir kütüphanesi okuma salonunu yeniledi.", "Film güzeldi ama sonu tahmin edilebilirdi.",
           "Takım bölgesel turnuva için çok çalıştı.", "Süt, yumurta ve un almamız gerekiyor.",
           "Öğretmen konuyu büyük bir sabırla anlattı.", "Güneşli pazar günleri park çok kalabalık oluyor.",
           "Emekli olduktan sonra gitar çalmayı öğrenmeye karar verdi.", "Sahil boyunca tren yolculuğu çok güzel.",
           "Rapor, satışların kışın arttığını gösteriyor.", "Köpeğimiz sahilde koşmayı çok seviyor.",
           "Uygulamanın yeni sürümü çok daha hızlı.", "Her akşam günlük yazıyor.",
           "Müze, nehrin tarihi hakkında bir sergi açtı.", "Fırın bayramlarda daha erken kapanıyor."],
}


def chat_text(g: Gen, lang: str) -> str:
    loc = CHAT_LOCALE[lang]
    if loc is None:
        k = g.rng.choice([1, 1, 2, 2, 3])
        return " ".join(g.rng.sample(BANK[lang], k))
    f = g.fk(loc)
    r = g.rng.random()
    if r < 0.4:
        return f.sentence(nb_words=g.rng.randint(6, 14))
    if r < 0.8:
        return f.paragraph(nb_sentences=g.rng.randint(2, 4))
    return f.text(max_nb_chars=g.rng.choice([160, 240, 320]))


def gen_chat():
    g = Gen("benign-chat")
    records = []
    for lang in CHAT_LOCALE:
        seen, made = set(), []
        alone = list(CHAT_ALONE[lang])
        g.rng.shuffle(alone)
        for a in alone:                       # each standalone prompt once
            made.append(a)
            seen.add(a)
        while len(made) < N_CHAT_PER_LANG:
            t = g.rng.choice(CHAT_WRAP[lang]).replace("{t}", chat_text(g, lang))
            if t in seen:
                continue
            seen.add(t)
            made.append(t)
        g.rng.shuffle(made)
        records.extend((lang, t, []) for t in made)
    return records


# --------------------------------------------------------------------------------------------
# benign technical prose and code (numbers that are not PII)
# --------------------------------------------------------------------------------------------

def semver(r):
    return f"{r.randint(0, 12)}.{r.randint(0, 40)}.{r.randint(0, 30)}"


def build4(r):
    # four-part versions with a component > 255, so never a dotted-quad IPv4 address
    return f"{r.randint(1, 20)}.{r.randint(0, 9)}.{r.randint(1000, 26100)}.{r.randint(0, 5000)}"


def isbn13(r):
    body = "978" + "".join(str(r.randint(0, 9)) for _ in range(9))
    s = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body))
    check = (10 - s % 10) % 10
    d = body + str(check)
    return f"{d[:3]}-{d[3]}-{d[4:8]}-{d[8:12]}-{d[12]}" if r.random() < 0.6 else d


def hexs(r, n):
    return "".join(r.choice("0123456789abcdef") for _ in range(n))


def iso_ts(r):
    return (f"{r.randint(2019, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T"
            f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"
            + r.choice(["Z", ".{:03d}Z".format(r.randint(0, 999)), "+02:00"]))


PROSE = [
    lambda r: f"Upgrading from v{semver(r)} to v{semver(r)} fixed the memory leak in the parser.",
    lambda r: f"Bump serde to {semver(r)} and tokio to {semver(r)} in Cargo.toml.",
    lambda r: f"Windows build {build4(r)} ships the patch; older builds still crash on resume.",
    lambda r: f"Your order {r.choice(['#', 'no. ', 'ORD-'])}{r.randint(100000, 99999999)} has shipped and should arrive in {r.randint(2, 9)} days.",
    lambda r: f"Invoice INV-{r.randint(2019, 2025)}-{r.randint(1, 99999):05d} totals ${r.randint(10, 9999)}.{r.randint(0, 99):02d} including tax.",
    lambda r: f"Request {uuid.UUID(int=r.getrandbits(128), version=4)} failed after {r.randint(100, 30000)} ms.",
    lambda r: f"The log line at {iso_ts(r)} shows the retry with id {uuid.UUID(int=r.getrandbits(128), version=4)}.",
    lambda r: f"sha256: {hexs(r, 64)}",
    lambda r: f"Reverted commit {hexs(r, 40)} because it broke the nightly build.",
    lambda r: f"See {hexs(r, 7)} and {hexs(r, 7)} for the fix; both are on main.",
    lambda r: f"ISBN {isbn13(r)}, {r.randint(120, 900)} pages, published {r.randint(1990, 2024)}.",
    lambda r: f"The board is {r.randint(50, 400)} x {r.randint(50, 400)} mm and weighs {r.randint(20, 900)} g.",
    lambda r: f"Set the timeout to {r.randint(1, 120)} s and the pool size to {r.choice([8, 16, 32, 64, 128])}.",
    lambda r: f"The service listens on port {r.choice([80, 443, 3000, 5432, 6379, 8000, 8080, 8443, 9090, 27017])} inside the container and {r.randint(30000, 32767)} on the node.",
    lambda r: f"Price dropped from €{r.randint(100, 999)},{r.randint(0, 99):02d} to €{r.randint(50, 99)},{r.randint(0, 99):02d} this week.",
    lambda r: f"We measured {r.randint(1, 99)}.{r.randint(0, 9)} °C at {r.randint(0, 23):02d}:{r.randint(0, 59):02d} and {r.randint(900, 1050)} hPa.",
    lambda r: f"Unix time {r.randint(1500000000, 1760000000)} corresponds to the deploy, build number {r.randint(1000, 99999)}.",
    lambda r: f"The array has shape ({r.randint(1, 64)}, {r.randint(1, 512)}, {r.randint(1, 512)}) and dtype float32.",
    lambda r: f"Throughput went from {r.randint(100, 999)} req/s to {r.randint(1000, 9999)} req/s with p99 at {r.randint(2, 90)} ms.",
    lambda r: f"Tracking number {r.choice(['1Z', 'JD', 'LX'])}{r.randint(10 ** 8, 10 ** 9 - 1)}{r.choice(['DE', 'GB', 'US', ''])} was scanned in the depot.",
    lambda r: f"Chapter {r.randint(1, 30)}, section {r.randint(1, 9)}.{r.randint(1, 9)}.{r.randint(1, 9)}, covers the proof.",
    lambda r: f"Lot {r.randint(1000, 9999)}-{r.choice(string.ascii_uppercase)}{r.randint(10, 99)} expires {r.randint(1, 12):02d}/{r.randint(2025, 2030)}.",
    lambda r: f"Commit message: fix off-by-one in range({r.randint(0, 9)}, {r.randint(10, 999)}) (closes #{r.randint(10, 9999)})",
    lambda r: f"The flight leaves at {r.randint(0, 23):02d}:{r.randint(0, 59):02d} from gate {r.choice('ABCDE')}{r.randint(1, 60)}, seat {r.randint(1, 40)}{r.choice('ABCDEF')}.",
    lambda r: f"Room {r.randint(100, 999)} is booked from {r.randint(8, 12)}:00 to {r.randint(13, 18)}:30 for {r.randint(3, 40)} people.",
    lambda r: f"The recipe needs {r.randint(100, 900)} g flour, {r.randint(1, 4)} eggs and {r.randint(100, 500)} ml milk; bake at {r.choice([160, 180, 200, 220])} °C.",
    lambda r: f"Coordinates {r.randint(-89, 89)}.{r.randint(0, 999999):06d}, {r.randint(-179, 179)}.{r.randint(0, 999999):06d} mark the trailhead.",
    lambda r: f"Color #{hexs(r, 6)} on #{hexs(r, 6)} has a contrast ratio of {r.randint(1, 20)}.{r.randint(0, 9)}:1.",
    lambda r: f"docker pull ghcr.io/example/app:{semver(r)}@sha256:{hexs(r, 64)}",
    lambda r: f"pip install 'numpy=={r.randint(1, 2)}.{r.randint(0, 26)}.{r.randint(0, 5)}' 'pandas>={r.randint(1, 2)}.{r.randint(0, 3)}'",
    lambda r: f"Error E{r.randint(1000, 9999)} at line {r.randint(1, 5000)}, column {r.randint(1, 120)}.",
    lambda r: f"Q{r.randint(1, 4)} revenue was ${r.randint(1, 999)}.{r.randint(1, 9)}M, up {r.randint(1, 40)}.{r.randint(0, 9)}% year over year.",
    lambda r: f"The dataset has {r.randint(10000, 9999999):,} rows and {r.randint(5, 300)} columns.",
    lambda r: f"Part number {r.choice(['MX', 'KT', 'RB'])}-{r.randint(1000, 9999)}-{r.randint(100, 999)}-{r.choice(string.ascii_uppercase)} is out of stock.",
    lambda r: f"Patch {semver(r)}-rc.{r.randint(1, 5)} is tagged; build {r.randint(100000, 999999)} passed in {r.randint(3, 59)}m{r.randint(0, 59)}s.",
    lambda r: f"ETag: \"{hexs(r, 32)}\"",
]

CODE = [
    lambda r: f"```python\ndef scale(xs):\n    return [x * {r.randint(2, 1000)} + {r.randint(1, 99)} for x in xs]\n```\nWhy is this slow for big lists?",
    lambda r: f"```rust\nconst MAX_RETRIES: u32 = {r.randint(1, 10)};\nconst BUF: usize = {r.choice([1024, 4096, 8192, 65536])};\nlet timeout = Duration::from_millis({r.randint(50, 30000)});\n```",
    lambda r: f"```js\nconst limit = {r.randint(10, 1000)};\nsetTimeout(() => poll(limit), {r.randint(100, 60000)});\n```\nDoes this leak?",
    lambda r: f"```sql\nSELECT id, total FROM orders WHERE total > {r.randint(10, 5000)} AND created_at > '{r.randint(2019, 2025)}-{r.randint(1, 12):02d}-01' LIMIT {r.randint(10, 500)};\n```",
    lambda r: f"Why does `{r.randint(1, 99)} / {r.randint(2, 9)}` give {r.randint(0, 50)} in Python 2 but a float in Python 3?",
    lambda r: f"```python\nassert hashlib.sha1(b'x').hexdigest() == '{hexs(r, 40)}'\n```",
    lambda r: f"```rust\nlet v: Vec<u64> = (0..{r.randint(10, 100000)}).map(|i| i * {r.randint(2, 97)}).collect();\n```",
    lambda r: f"In the config set `max_body_bytes = {r.randint(1024, 10485760)}` and `workers = {r.randint(1, 64)}`.",
    lambda r: f"```js\nconst id = '{uuid.UUID(int=r.getrandbits(128), version=4)}';\nfetch(`/api/items/${{id}}?page={r.randint(1, 50)}`);\n```",
    lambda r: f"```python\nnp.random.seed({r.randint(0, 99999)})\nx = np.linspace(0, {r.randint(1, 100)}, {r.randint(10, 10000)})\n```",
    lambda r: f"```sql\nUPDATE inventory SET qty = qty - {r.randint(1, 50)} WHERE sku = 'SKU-{r.randint(10000, 99999)}';\n```",
    lambda r: f"The test `it_parses_{r.randint(1, 99)}` fails with `expected {r.randint(0, 10000)}, got {r.randint(0, 10000)}`.",
    lambda r: f"```yaml\nreplicas: {r.randint(1, 12)}\nresources:\n  limits:\n    memory: {r.choice([128, 256, 512, 1024, 2048])}Mi\n    cpu: {r.randint(100, 4000)}m\n```",
    lambda r: f"`0x{hexs(r, 8)}` is the magic number; shift it by {r.randint(1, 31)} bits.",
]

# Checks that a benign text has no value a detector of the labelled types should report.
_RE_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_RE_DIGITRUN = re.compile(r"\d[\d -]{11,}\d")
_RE_QUAD = re.compile(r"(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_RE_SSN = re.compile(r"(?<!\d)\d{3}[- ]\d{2}[- ]\d{4}(?!\d)")
_RE_IBAN = re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b")


def assert_benign(text: str):
    assert not _RE_EMAIL.search(text), text
    assert not _RE_SSN.search(text), text
    for m in _RE_QUAD.finditer(text):
        assert any(int(x) > 255 for x in m.groups()), text
    for m in _RE_DIGITRUN.finditer(text):
        d = re.sub(r"\D", "", m.group(0))
        assert not (13 <= len(d) <= 19 and luhn_ok(d)), text
    for m in _RE_IBAN.finditer(text):
        assert not iban_ok(m.group(0)), text


def gen_prose():
    g = Gen("benign-prose-code")
    r = g.rng
    records, seen = [], set()
    rejected = 0
    while len(records) < N_PROSE:
        pool = CODE if r.random() < 0.3 else PROSE
        text = r.choice(pool)(r)
        if text in seen:
            continue
        try:
            assert_benign(text)
        except AssertionError:
            rejected += 1          # e.g. a random long number that happens to pass Luhn
            continue
        seen.add(text)
        records.append(("en", text, []))
    return records, rejected


# --------------------------------------------------------------------------------------------
# attacks and hard benign prompts (templates in attacks.py)
# --------------------------------------------------------------------------------------------

def _passes_benign_check(text: str) -> bool:
    try:
        assert_benign(text)
        return True
    except AssertionError:
        return False


def gen_attacks():
    g = Gen("attacks")
    recs = attacks.english_attacks(g.rng, N_ATTACK_EN) + attacks.other_language_attacks(g.rng, N_ATTACK_LANG)
    return [(lang, text, [], family) for lang, text, family in recs]


def gen_encoded():
    g = Gen("attacks-encoded")
    return [(lang, text, [], family) for lang, text, family in attacks.encoded_attacks(g.rng, N_ENCODED)]


def gen_hard():
    g = Gen("benign-hard")
    return [(lang, text, []) for lang, text in attacks.benign_hard(g.rng, N_HARD_EN, N_HARD_LANG)]


# --------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------

def to_lines(set_name: str, records) -> list:
    lines = []
    for i, (lang, text, ents, *family) in enumerate(records, start=1):
        rec_id = f"{set_name}-{i:06d}"
        for e in ents:
            assert e["type"] in ENTITY_TYPES, e
            assert 0 <= e["start"] < e["end"] <= len(text), (rec_id, e)
            value = text[e["start"]:e["end"]]
            assert value == value.strip() and value, (rec_id, e, value)
        # entities sorted and non-overlapping
        ents = sorted(ents, key=lambda e: (e["start"], e["end"]))
        for a, b in zip(ents, ents[1:]):
            assert a["end"] <= b["start"], (rec_id, a, b)
        if not ents:
            assert_benign(text) if set_name.startswith("benign") or family else None
        rec = OrderedDict([("id", rec_id), ("set", set_name), ("split", split_of(rec_id)), ("lang", lang),
                           ("text", text),
                           ("entities", [OrderedDict([("type", e["type"]), ("start", e["start"]),
                                                      ("end", e["end"]), ("format", e["format"])])
                                         for e in ents])])
        if family:
            assert not ents and family[0], (rec_id, family)
            rec["attack"] = family[0]
        lines.append(json.dumps(rec, ensure_ascii=False))
    return lines


def build():
    if faker.VERSION != FAKER_VERSION:
        sys.exit(f"Faker {faker.VERSION} installed, {FAKER_VERSION} pinned: "
                 "pip install --require-hashes -r eval/requirements.txt")
    Faker.seed(SEED)
    ODDITIES.clear()
    ODDITY_EXAMPLES.clear()
    out = OrderedDict()
    out["pii-a"] = to_lines("pii-a", gen_pii("pii-a", TEMPLATES_A, N_PII))
    out["pii-b"] = to_lines("pii-b", gen_pii("pii-b", TEMPLATES_B, N_PII))
    out["pii-c"] = to_lines("pii-c", gen_pii("pii-c", TEMPLATES_C, N_PII_CD, ENTITY_GEN_CD, ENTITY_TYPE_CD))
    out["pii-d"] = to_lines("pii-d", gen_pii("pii-d", TEMPLATES_D, N_PII_CD, ENTITY_GEN_CD, ENTITY_TYPE_CD))
    out["benign-chat"] = to_lines("benign-chat", gen_chat())
    prose, rejected = gen_prose()
    if rejected:
        ODDITIES["benign-prose-code: drafts rejected by the benign check"] = rejected
    out["benign-prose-code"] = to_lines("benign-prose-code", prose)
    # No attack or hard-benign text may hold PII or a card-like number: a rule that fires on them
    # fires on the attack (or on the harmless look-alike), not on a phone number.
    attacks.ACCEPT[0] = _passes_benign_check
    out["attacks"] = to_lines("attacks", gen_attacks())
    out["attacks-encoded"] = to_lines("attacks-encoded", gen_encoded())
    out["benign-hard"] = to_lines("benign-hard", gen_hard())
    files = OrderedDict((f"{k}.jsonl", ("\n".join(v) + "\n").encode("utf-8")) for k, v in out.items())
    return files


def stats_markdown(files) -> str:
    lines = []
    lines.append(f"Generated by `eval/generate.py` with Faker {FAKER_VERSION}, seed {SEED}. Do not edit by hand.")
    lines.append("")
    lines.append("| file | records | dev | test | entities | bytes | sha256 |")
    lines.append("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    ent_fmt = Counter()
    ent_type = Counter()
    langs = Counter()
    for name, data in files.items():
        recs = [json.loads(l) for l in data.decode("utf-8").splitlines()]
        dev = sum(1 for r in recs if r["split"] == "dev")
        ne = 0
        for r in recs:
            langs[(r["set"], r["lang"])] += 1
            for e in r["entities"]:
                ne += 1
                ent_type[(r["set"], e["type"])] += 1
                ent_fmt[(e["type"], e["format"])] += 1
        lines.append(f"| `data/{name}` | {len(recs)} | {dev} | {len(recs) - dev} | {ne} | {len(data)} | "
                     f"`{hashlib.sha256(data).hexdigest()[:16]}…` |")
    lines.append("")
    lines.append("Entities per set and type:")
    lines.append("")
    pii_sets = ("pii-a", "pii-b", "pii-c", "pii-d")
    lines.append("| type | " + " | ".join(pii_sets) + " |")
    lines.append("| --- |" + " ---: |" * len(pii_sets))
    for t in ENTITY_TYPES:
        lines.append(f"| `{t}` | " + " | ".join(str(ent_type[(p, t)]) for p in pii_sets) + " |")
    lines.append("")
    lines.append("Entities per type and format (all pii sets):")
    lines.append("")
    lines.append("| type | format | count |")
    lines.append("| --- | --- | ---: |")
    for (t, f), c in sorted(ent_fmt.items(), key=lambda kv: (ENTITY_TYPES.index(kv[0][0]), kv[0][1])):
        lines.append(f"| `{t}` | `{f}` | {c} |")
    lines.append("")
    lines.append("Languages: " + ", ".join(f"{s}/{l} {c}" for (s, l), c in langs.items()
                                          if s in ("benign-chat", "benign-hard")) + "; `attacks` below; every other set is `en`.")
    fam = Counter()
    fam_split = Counter()
    for name, data in files.items():
        for l in data.decode("utf-8").splitlines():
            r = json.loads(l)
            if "attack" in r:
                fam[(r["set"], r["attack"], r["lang"])] += 1
                fam_split[(r["set"], r["attack"], r["split"])] += 1
    if fam:
        lines.append("")
        lines.append("Attack samples per set and family (`attack`), with their languages:")
        lines.append("")
        lines.append("| set | family | records | test | languages |")
        lines.append("| --- | --- | ---: | ---: | --- |")
        for (st, f) in sorted({(st, f) for st, f, _ in fam}):
            per = [(l, c) for (s2, f2, l), c in fam.items() if (s2, f2) == (st, f)]
            total = sum(c for _, c in per)
            langs_f = ", ".join(f"{l} {c}" for l, c in per)
            lines.append(f"| `{st}` | `{f}` | {total} | {fam_split[(st, f, 'test')]} | {langs_f} |")
    if ODDITIES:
        lines.append("")
        lines.append("Faker draws rejected during generation (re-drawn, never written):")
        lines.append("")
        for k, c in ODDITIES.items():
            ex = ", ".join(f"`{e}`" for e in ODDITY_EXAMPLES.get(k, []))
            lines.append(f"- {k}: {c}" + (f" (e.g. {ex})" if ex else ""))
    return "\n".join(lines)


BEGIN, END = "<!-- stats:begin -->", "<!-- stats:end -->"


def readme_with_stats(stats: str) -> str:
    text = README.read_text(encoding="utf-8")
    a, b = text.index(BEGIN), text.index(END)
    return text[:a + len(BEGIN)] + "\n" + stats + "\n" + text[b:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if eval/data or the README stats differ")
    args = ap.parse_args()
    files = build()
    stats = stats_markdown(files)
    readme = readme_with_stats(stats)
    if args.check:
        bad = [n for n, d in files.items() if not (DATA / n).exists() or (DATA / n).read_bytes() != d]
        if README.read_text(encoding="utf-8") != readme:
            bad.append("README.md stats")
        if bad:
            sys.exit("out of date: " + ", ".join(bad))
        print("eval data up to date")
        return
    DATA.mkdir(exist_ok=True)
    for n, d in files.items():
        (DATA / n).write_bytes(d)
    README.write_text(readme, encoding="utf-8")
    print(stats)


if __name__ == "__main__":
    main()
