"""Input references compare, hash and travel by (topic, partition, offset)."""

from sizing.refs import InputRef, applied


def test_equal_refs_are_one_key():
    a, b = InputRef("t", 1, 5), InputRef("t", 1, 5)

    assert a == b and hash(a) == hash(b)
    assert {a: "x"}[b] == "x"
    assert a != InputRef("t", 1, 6) and a != InputRef("t", 2, 5) and a != InputRef("u", 1, 5)


def test_a_ref_is_not_equal_to_its_tuple():
    assert InputRef("t", 1, 5) != ("t", 1, 5)


def test_a_ref_round_trips_through_its_dict():
    ref = InputRef("himari.l2.tactical", 3, 12)

    assert InputRef.from_dict(ref.as_dict()) == ref
    assert InputRef.from_dict(None) is None


def test_repr_names_the_fields():
    assert repr(InputRef("t", 1, 5)) == "InputRef(topic='t', partition=1, offset=5)"


def test_applied_holds_for_the_ref_and_later_inputs_of_its_partition():
    ref = InputRef("t", 1, 5)

    assert applied(ref, ref) and applied(InputRef("t", 1, 9), ref)
    assert not applied(InputRef("t", 1, 4), ref)
    assert not applied(InputRef("t", 2, 9), ref)
    assert not applied(None, ref)
