"""Decision inputs and outputs survive Temporal's default JSON data converter unchanged."""

from datetime import timedelta

import pytest
from temporalio.converter import DataConverter

from rules import (
    DirectEngagement,
    DiscountRequest,
    ExitType,
    RegistrationFacts,
    RegistrationIndex,
    Rulebook,
    decide_discount,
    decide_extension,
    decide_registration,
    dispute_levels,
    dispute_path,
    exit_plan,
    load_rulebook,
    protection_window,
)
from tests.rules.helpers import DEFAULT, T0, existing, partner, request

CONVERTER = DataConverter.default.payload_converter


def round_trip(value):
    (payload,) = CONVERTER.to_payloads([value])
    (back,) = CONVERTER.from_payloads([payload], [type(value)])
    return back


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(DEFAULT)


def test_registration_inputs_and_decision(rulebook):
    held = existing("r-1", "p-other", "Globex Retail", "globex-retail.com")
    facts = RegistrationFacts(partner(), RegistrationIndex([held]))
    decision = decide_registration(rulebook, request(account="Globex Realty", domain=""), facts, T0)
    assert decision.matches and decision.path
    for value in (decision, request(), partner(), held, DirectEngagement("Globex", "globex.com", None, T0)):
        assert round_trip(value) == value


def test_other_decisions(rulebook):
    values = [
        protection_window(rulebook, T0),
        decide_extension(rulebook, 0, T0 + timedelta(days=5), T0),
        decide_discount(rulebook, DiscountRequest("gold", 600_000, 0.25, "competitor"), T0),
        exit_plan(rulebook, ExitType.VOLUNTARY, [existing("r-1", "p")], T0),
        dispute_path(rulebook),
        dispute_levels(rulebook)[0],
    ]
    for value in values:
        assert round_trip(value) == value


def test_rulebook_travels_as_its_json_dump(rulebook):
    dumped = round_trip(rulebook.model_dump(mode="json"))
    assert Rulebook.model_validate(dumped) == rulebook
