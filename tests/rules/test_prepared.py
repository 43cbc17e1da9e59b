"""Reason texts written when read, and rulebook tables prepared once per rulebook object."""

import copy
import dataclasses
import pickle

from rules import RegistrationFacts, decide_registration, load_rulebook
from rules.prepared import prepared
from rules.reasons import Reason, ReasonCode, reason
from rules.registration_tables import registration_tables
from tests.rules.helpers import DEFAULT, T0, partner, request


def test_a_text_given_as_a_function_is_written_once_on_first_read():
    calls = []

    def text() -> str:
        calls.append(1)
        return "written"

    made = reason(ReasonCode.AUTO_APPROVED, text, deal_value=1.5)
    assert made.code == "auto.approved" and made.facts == {"deal_value": "1.5"}
    assert not calls
    assert made.text == "written" and made.text == "written"
    assert len(calls) == 1


def test_a_deferred_text_reads_compares_and_serialises_as_a_written_one():
    def deferred() -> Reason:
        return reason(ReasonCode.AUTO_APPROVED, lambda: "written", tier="gold")

    written = Reason("auto.approved", "written", {"tier": "gold"})
    assert deferred() == written and written == deferred()
    assert str(deferred()) == str(written) and repr(deferred()) == repr(written)
    assert dataclasses.asdict(deferred()) == dataclasses.asdict(written)
    assert pickle.loads(pickle.dumps(deferred())) == written
    assert copy.deepcopy(deferred()) == written
    assert dataclasses.replace(deferred(), code="auto.rejected").text == "written"


def test_the_tables_are_built_once_per_rulebook_and_never_shared():
    rulebook = load_rulebook(DEFAULT)
    built = []

    def build(rb):
        built.append(rb)
        return rb.version

    assert prepared(rulebook, build) == prepared(rulebook, build) == rulebook.version
    assert built == [rulebook]
    # A copy carries the original's attributes, the memo among them, and still builds its own.
    other = rulebook.model_copy(update={"version": "2099.1"})
    assert prepared(other, build) == "2099.1"
    assert prepared(pickle.loads(pickle.dumps(rulebook)), build) == rulebook.version
    assert len(built) == 3
    assert registration_tables(rulebook) is registration_tables(rulebook)
    assert registration_tables(load_rulebook(DEFAULT)) is not registration_tables(rulebook)


def test_a_copy_with_another_program_decides_by_its_own_program():
    rulebook = load_rulebook(DEFAULT)
    facts = RegistrationFacts(partner())
    assert decide_registration(rulebook, request(), facts, T0).outcome.value == "auto_approved"
    program = rulebook.program.model_copy(update={"territories": ["emea"]})
    narrowed = rulebook.model_copy(update={"program": program})
    decision = decide_registration(narrowed, request(), facts, T0)
    assert "eligibility.unknown_territory" in decision.codes
    assert "(emea)" in decision.reasons[0].text
    assert decide_registration(rulebook, request(), facts, T0).outcome.value == "auto_approved"


def test_facts_are_turned_into_strings_on_first_read_and_default_to_none():
    made = reason(ReasonCode.AUTO_APPROVED, "t", since=T0, share=0.5, count=3)
    assert made.facts == {"since": T0.isoformat(), "share": "0.5", "count": "3"}
    assert made.facts is made.facts
    bare = Reason("auto.approved", "t")
    assert bare.facts == {} and Reason("auto.approved", "t").facts is not bare.facts
