#!/usr/bin/env python3
"""Validates the OSCAL documents `aimsgate oscal all` wrote, with
compliance-trestle's OSCAL models (generated from NIST's OSCAL JSON
schemas; unknown fields are refused), and round-trips each one: read by
trestle, written by trestle, read again, equal.

usage: validate.py DIR
Exit status 1 and the model's error on the first document that does not
validate or does not survive the round trip.
"""
import json
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from trestle.oscal import OSCAL_VERSION
from trestle.oscal.assessment_plan import AssessmentPlan
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.catalog import Catalog
from trestle.oscal.component import ComponentDefinition
from trestle.oscal.profile import Profile
from trestle.oscal.ssp import SystemSecurityPlan

DOCUMENTS = [
    ("catalog.json", Catalog),
    ("profile.json", Profile),
    ("component-definition.json", ComponentDefinition),
    ("ssp.json", SystemSecurityPlan),
    ("assessment-plan.json", AssessmentPlan),
    ("assessment-results.json", AssessmentResults),
]


def same(written, read) -> bool:
    """Equal, reading date-times as instants (trestle writes `Z` as
    `+00:00`)."""
    if isinstance(written, dict) and isinstance(read, dict):
        return written.keys() == read.keys() and all(same(written[k], read[k]) for k in written)
    if isinstance(written, list) and isinstance(read, list):
        return len(written) == len(read) and all(same(a, b) for a, b in zip(written, read))
    if isinstance(written, str) and isinstance(read, str) and written != read:
        try:
            return datetime.fromisoformat(written) == datetime.fromisoformat(read)
        except ValueError:
            return False
    return written == read


def main() -> int:
    directory = Path(sys.argv[1])
    for name, model in DOCUMENTS:
        path = directory / name
        original = json.loads(path.read_text())
        try:
            document = model.oscal_read(path)
        except Exception as error:  # the model's validation error says where
            print(f"{path}: not valid OSCAL {OSCAL_VERSION}: {error}")
            return 1
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / name
            document.oscal_write(copy)
            again = model.oscal_read(copy)
        if again != document:
            print(f"{path}: changed in a round trip through trestle")
            return 1
        # Nothing aimsgate wrote was dropped or renamed on the way in.
        written = json.loads(document.oscal_serialize_json(pretty=False))
        if not same(original, written):
            print(f"{path}: trestle reads it differently from what was written")
            return 1
        print(f"{path}: valid OSCAL {OSCAL_VERSION} ({model.__name__}), round trip equal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
