import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik import rng


def test_uniforms_in_open_unit_interval():
    u = rng.uniforms(7, "a.b", 0, 5000, 3)
    assert u.shape == (5000, 3)
    assert (u > 0).all() and (u < 1).all()
    # a uniform sample: mean and variance close to 1/2 and 1/12
    assert abs(u.mean() - 0.5) < 0.01
    assert abs(u.var() - 1 / 12) < 0.005


@settings(max_examples=50, deadline=None)
@given(
    cuts=st.lists(st.integers(min_value=1, max_value=199), max_size=6, unique=True),
    k=st.integers(min_value=1, max_value=9),
)
def test_any_chunking_gives_the_same_draws(cuts, k):
    whole = rng.uniforms(42, "combat/2016-03/attrition", 0, 200, k)
    edges = [0, *sorted(cuts), 200]
    pieces = [
        rng.uniforms(42, "combat/2016-03/attrition", a, b, k)
        for a, b in zip(edges, edges[1:], strict=False)
    ]
    np.testing.assert_array_equal(np.concatenate(pieces), whole)


def test_keys_are_independent():
    a = rng.uniforms(1, "x", 0, 1000)
    b = rng.uniforms(1, "y", 0, 1000)
    c = rng.uniforms(2, "x", 0, 1000)
    assert not np.allclose(a, b) and not np.allclose(a, c)
    assert abs(np.corrcoef(a[:, 0], b[:, 0])[0, 1]) < 0.1


def test_member_rng_prefix_and_shape():
    r = rng.MemberRNG(3, 10, 20).child("actions/5/")
    u = r.uniform("veto", (2, 3))
    assert u.shape == (10, 2, 3)
    np.testing.assert_array_equal(u.reshape(10, 6), rng.uniforms(3, "actions/5/veto", 10, 20, 6))


def test_the_compiled_philox_streams_are_numpys():
    """rng.uniforms computes Philox4x64-10 itself (many keys in one call): the words are exactly
    those of numpy's Generator(Philox(key)).random(), from any member offset."""
    for key, start, stop, k in (("a", 0, 9, 1), ("b.c", 5, 23, 3), ("x/7/y", 1001, 1010, 4),
                                ("z", 3, 4, 6)):  # fmt: skip
        ref = np.random.Generator(np.random.Philox(key=rng.key_words(11, key)))
        words = ref.random(stop * k)[start * k :].reshape(stop - start, k)
        np.testing.assert_array_equal(rng.uniforms(11, key, start, stop, k), words)
    many = rng.uniforms_many(11, ["a", "b.c"], 2, 8, 2)
    np.testing.assert_array_equal(many[1], rng.uniforms(11, "b.c", 2, 8, 2))
