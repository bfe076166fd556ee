"""Distributions: closed-form moments, exact quantiles, Monte Carlo checks with SE-derived tolerances."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from portfolio.uncertainty import distributions as D

N = 200_000
K_SE = 4.5  # tolerance in standard errors


def _u(n=N, seed=20240601):
    return np.random.default_rng(seed).random(n)


def _assert_mean_within_se(x, mean, sd):
    se = sd / math.sqrt(x.size)
    assert abs(x.mean() - mean) < K_SE * se, (x.mean(), mean, se)


def _assert_var_within_se(x, var, excess_kurtosis):
    # se of the sample variance: sigma^2 sqrt((kurtosis - 1)/n), kurtosis = excess + 3
    se = var * math.sqrt((excess_kurtosis + 2.0) / x.size)
    assert abs(x.var(ddof=1) - var) < K_SE * se, (x.var(ddof=1), var, se)


# --- PERT ----------------------------------------------------------------------------------------


def test_pert_closed_form_moments():
    d = D.Pert(2.0, 5.0, 14.0)
    assert d.mean() == pytest.approx((2 + 4 * 5 + 14) / 6, rel=1e-14)
    mu = d.mean()
    assert d.var() == pytest.approx((mu - 2) * (14 - mu) / 7, rel=1e-12)


def test_pert_sample_moments():
    d = D.Pert(2.0, 5.0, 14.0)
    x = d.ppf(_u())
    kurt = float(stats.beta(d.alpha, d.beta).stats(moments="k"))
    _assert_mean_within_se(x, 6.0, math.sqrt(32 / 7))
    _assert_var_within_se(x, 32 / 7, kurt)


def test_pert_lambda_mean_and_ppf_inverts_beta_cdf():
    d = D.Pert(10.0, 12.0, 20.0, lam=2.0)
    assert d.mean() == pytest.approx((10 + 2 * 12 + 20) / 4, rel=1e-14)
    u = np.linspace(0.0, 1.0, 1001)
    y = (d.ppf(u) - 10.0) / 10.0
    assert np.allclose(stats.beta.cdf(y, d.alpha, d.beta), u, atol=1e-10)


# --- triangular ----------------------------------------------------------------------------------


def test_triangular_moments_and_ppf():
    a, m, b = 1.0, 2.0, 6.0
    d = D.Triangular(a, m, b)
    var = (a * a + m * m + b * b - a * m - a * b - m * b) / 18
    assert d.mean() == pytest.approx(3.0, rel=1e-14)
    assert d.var() == pytest.approx(var, rel=1e-14)
    x = d.ppf(_u())
    _assert_mean_within_se(x, 3.0, math.sqrt(var))
    _assert_var_within_se(x, var, -0.6)
    u = np.linspace(0, 1, 501)
    assert np.allclose(stats.triang.cdf(d.ppf(u), (m - a) / (b - a), loc=a, scale=b - a), u, atol=1e-12)
    assert d.ppf(np.array([0.0, 1.0])).tolist() == [a, b]


# --- lognormal -----------------------------------------------------------------------------------


def test_lognormal_from_p50_p80_quantiles_exact():
    d = D.LogNormal.from_p50_p80(1.2, 1.6)
    q = d.ppf(np.array([0.5, 0.8]))
    assert abs(q[0] - 1.2) < 1e-12
    assert abs(q[1] - 1.6) < 1e-12
    assert d.sigma == pytest.approx(math.log(1.6 / 1.2) / 0.8416212335729143, rel=1e-15)


def test_lognormal_from_mean_sd():
    d = D.LogNormal.from_mean_sd(2.0, 0.5)
    assert d.mean() == pytest.approx(2.0, rel=1e-12)
    assert d.sd() == pytest.approx(0.5, rel=1e-12)
    _assert_mean_within_se(d.ppf(_u()), 2.0, 0.5)
    assert np.all(np.isfinite(d.ppf(np.array([0.0, 1.0]))))


# --- normal --------------------------------------------------------------------------------------


def test_normal_quantile():
    d = D.Normal(0.02, 0.005)
    assert d.ppf(np.array([0.975]))[0] == pytest.approx(0.02 + 1.959963984540054 * 0.005, rel=1e-13)
    assert np.all(np.isfinite(d.ppf(np.array([0.0, 1.0]))))


def test_normal_truncation_stays_in_bounds_and_is_exact():
    d = D.Normal(0.0, 1.0, low=-0.5, high=2.0)
    u = np.concatenate([[0.0, 1e-300, 1.0], _u(50_000)])
    x = d.ppf(u)
    assert x.min() >= -0.5 and x.max() <= 2.0
    assert x[0] == -0.5 and x[2] == 2.0
    # ppf inverts the truncated CDF (Phi(x) - Phi(a)) / (Phi(b) - Phi(a))
    phi = stats.norm.cdf
    uu = np.linspace(0, 1, 101)
    back = (phi(d.ppf(uu)) - phi(-0.5)) / (phi(2.0) - phi(-0.5))
    assert np.allclose(back, uu, atol=1e-12)


def test_half_normal_moments():
    d = D.Normal(0.0, 1.0, low=0.0)
    assert d.mean() == pytest.approx(math.sqrt(2 / math.pi), rel=1e-10)
    assert d.var() == pytest.approx(1 - 2 / math.pi, rel=1e-10)
    _assert_mean_within_se(d.ppf(_u()), math.sqrt(2 / math.pi), math.sqrt(1 - 2 / math.pi))


def test_normal_far_tail_truncation_is_finite():
    x = D.Normal(0.0, 1.0, low=10.0).ppf(np.array([0.0, 0.5, 1.0]))
    assert np.all(np.isfinite(x)) and np.all(x >= 10.0)


# --- discrete / bernoulli -------------------------------------------------------------------------


def test_discrete_sorted_and_frequencies():
    d = D.Discrete([3.0, 1.0, 2.0], [0.2, 0.5, 0.3])
    assert d.values == (1.0, 2.0, 3.0)
    assert d.probabilities == pytest.approx((0.5, 0.3, 0.2))
    x = d.ppf(_u())
    for v, p in zip(d.values, d.probabilities):
        freq = np.mean(x == v)
        assert abs(freq - p) < K_SE * math.sqrt(p * (1 - p) / x.size)
    assert d.mean() == pytest.approx(0.5 + 0.6 + 0.6)


def test_bernoulli_rule_and_frequency():
    d = D.Bernoulli(0.3)
    edge = 1.0 - 0.3
    assert d.ppf(np.array([edge]))[0] == 0.0
    assert d.ppf(np.array([np.nextafter(edge, 1.0)]))[0] == 1.0
    x = d.ppf(_u())
    assert set(np.unique(x)) <= {0.0, 1.0}
    assert abs(x.mean() - 0.3) < K_SE * math.sqrt(0.21 / x.size)
    assert D.Bernoulli(0.0).ppf(_u(100)).max() == 0.0


# --- overrun mixture -----------------------------------------------------------------------------


def _class_mixture(name, cap=4.0):
    s = D.reference_class(name, "cost")
    return D.OverrunMixture(s["mean"], s["tail_share"], s["tail_mean"], cap=cap)


def test_overrun_uncapped_mean_is_exact():
    for name in D.REFERENCE_CLASSES:
        d = _class_mixture(name, cap=math.inf)
        assert d.mean() == pytest.approx(1 + D.reference_class(name, "cost")["mean"], abs=1e-12)


def test_overrun_airports_sample_mean_within_se():
    # airports: a = 0.88 / 0.38 = 2.32 > 2, so the uncapped variance is finite and the SE exists
    d = _class_mixture("airport", cap=math.inf)
    assert d.tail_index == pytest.approx(0.88 / 0.38)
    assert math.isfinite(d.var())
    x = d.ppf(_u(400_000))
    _assert_mean_within_se(x, 1.39, d.sd())


def test_overrun_rail_body_and_tail_separately():
    # rail: a = 1.16/0.66 = 1.76 < 2 (infinite variance), so test the body and the tail separately
    d = _class_mixture("rail", cap=math.inf)
    t = 0.28
    x = d.ppf(_u(400_000)) - 1.0
    tail = x[x >= 0.5]
    body = x[x < 0.5]
    # P(X >= +50%) = tail share
    assert abs(tail.size / x.size - t) < K_SE * math.sqrt(t * (1 - t) / x.size)
    # body: PERT(-0.3, mode, 0.5) with mean b = (m - tT)/(1-t)
    b = (0.39 - t * 1.16) / (1 - t)
    _assert_mean_within_se(body, b, math.sqrt((b + 0.3) * (0.5 - b) / 7))
    # tail: ln(X/0.5) ~ Exponential(a), mean and sd 1/a, with a = T/(T-0.5) so E[X | tail] = T
    a = 1.16 / (1.16 - 0.5)
    _assert_mean_within_se(np.log(tail / 0.5), 1 / a, 1 / a)


def test_overrun_junction_continuous_and_monotone():
    d = _class_mixture("rail")
    split = 1 - 0.28
    assert d.ppf(np.array([split]))[0] == 1.5
    assert d.ppf(np.array([split - 1e-9]))[0] == pytest.approx(1.5, abs=1e-3)
    assert d.ppf(np.array([split - 1e-9]))[0] < 1.5
    assert d.ppf(np.array([split + 1e-9]))[0] == pytest.approx(1.5, abs=1e-6)
    u = np.linspace(0, 1, 100_001)
    r = d.ppf(u)
    assert np.all(np.diff(r) >= 0)
    assert r[0] == pytest.approx(0.7) and r[-1] == 5.0  # 1 + body_low, 1 + cap


def test_overrun_capped_moments_match_integral_of_ppf():
    for name in ("rail", "hydro", "buildings", "wind"):
        d = _class_mixture(name)
        split = 1 - d.tail_share
        m1 = sum(integrate.quad(lambda u: d.ppf(np.array([u]))[0], lo, hi, limit=200)[0]
                 for lo, hi in ((0, split), (split, 1)))
        m2 = sum(integrate.quad(lambda u: d.ppf(np.array([u]))[0] ** 2, lo, hi, limit=200)[0]
                 for lo, hi in ((0, split), (split, 1)))
        assert d.mean() == pytest.approx(m1, rel=1e-7)
        assert d.var() == pytest.approx(m2 - m1**2, rel=1e-6)
        assert d.mean() < 1 + D.reference_class(name, "cost")["mean"]  # the cap lowers the mean


def test_overrun_point_mass_tail_solar():
    d = _class_mixture("solar")
    assert math.isinf(d.tail_index)
    assert d.ppf(np.array([1.0]))[0] == 1.5
    assert d.mean() == pytest.approx(1.01, abs=1e-12)
    assert d.bounds() == (0.7, 1.5)


def test_overrun_inconsistent_figures_raise():
    with pytest.raises(ValueError, match="mode"):
        D.OverrunMixture(0.05, 0.3, 1.0)


# --- describe, is_fixed --------------------------------------------------------------------------


def test_describe():
    assert D.Pert(20, 24.5, 40).describe() == "PERT(20, 24.5, 40)"
    assert D.Normal(0.02, 0.005).describe() == "N(0.02, 0.005)"
    assert D.LogNormal.from_p50_p80(1.1, 1.35).describe() == "LN(P50 1.1, P80 1.35)"
    assert _class_mixture("rail").describe() == "Overrun(mean +39%, tail 28% × +116%)"
    assert D.Fixed(3.5).describe() == "3.5"


def test_is_fixed_only_for_fixed():
    assert D.Fixed(1.0).is_fixed
    assert D.Fixed(2.0).ppf(np.zeros((2, 3))).tolist() == [[2.0] * 3] * 2
    others = [D.Normal(0, 1), D.LogNormal(0, 1), D.Uniform(0, 1), D.Triangular(0, 1, 2),
              D.Pert(0, 1, 2), D.Discrete([1], [1]), D.Bernoulli(0.5), _class_mixture("rail")]
    assert not any(d.is_fixed for d in others)


# --- ppf monotone for every class (property test) ------------------------------------------------

U_GRID = np.concatenate([[0.0, 1e-15], np.linspace(0, 1, 2001), [1 - 1e-15, 1.0]])
U_GRID.sort()
finite = st.floats(-1e3, 1e3, allow_nan=False)
positive = st.floats(1e-3, 1e2)
frac = st.floats(0.0, 1.0)


@st.composite
def distributions(draw):
    kind = draw(st.sampled_from(["normal", "tnormal", "lognormal", "uniform", "triangular", "pert",
                                 "discrete", "bernoulli", "overrun"]))
    if kind == "normal":
        return D.Normal(draw(finite), draw(positive))
    if kind == "tnormal":
        m, s = draw(finite), draw(positive)
        lo = m + s * draw(st.floats(-8, 6))
        return D.Normal(m, s, low=lo, high=lo + s * draw(st.floats(0.01, 10)))
    if kind == "lognormal":
        p50 = draw(positive)
        return D.LogNormal.from_p50_p80(p50, p50 * (1 + draw(st.floats(1e-3, 5))))
    if kind in ("uniform", "triangular", "pert"):
        lo, w = draw(finite), draw(positive)
        if kind == "uniform":
            return D.Uniform(lo, lo + w)
        mode = lo + w * draw(frac)
        if kind == "triangular":
            return D.Triangular(lo, mode, lo + w)
        return D.Pert(lo, mode, lo + w, lam=draw(st.floats(0.5, 20)))
    if kind == "discrete":
        vals = draw(st.lists(finite, min_size=1, max_size=6))
        w = np.array(draw(st.lists(st.floats(0.01, 1), min_size=len(vals), max_size=len(vals))))
        return D.Discrete(vals, w / w.sum())
    if kind == "bernoulli":
        return D.Bernoulli(draw(frac))
    t, T = draw(st.floats(0.01, 0.6)), draw(st.floats(0.5, 4.0))
    b = (4 * (-0.3 + 0.8 * draw(st.floats(0.001, 0.999))) + 0.2) / 6  # body mean from a mode in range
    return D.OverrunMixture((1 - t) * b + t * T, t, T, cap=draw(st.sampled_from([4.0, math.inf])))


@settings(max_examples=300, deadline=None)
@given(distributions())
def test_ppf_monotone_finite_in_bounds(d):
    x = d.ppf(U_GRID)
    assert np.all(np.isfinite(x))
    assert np.all(np.diff(x) >= 0)
    lo, hi = d.bounds()
    assert np.all(x >= lo) and np.all(x <= hi)


# --- from_spec -----------------------------------------------------------------------------------


def test_from_spec_builds_every_kind():
    assert D.from_spec(3) == D.Fixed(3.0)
    assert isinstance(D.from_spec({"dist": "fixed", "value": 1.5}), D.Fixed)
    assert isinstance(D.from_spec({"dist": "normal", "mean": 0, "sd": 1, "low": 0}), D.Normal)
    ln = D.from_spec({"dist": "lognormal", "p50": 1.1, "p80": 1.35})
    assert ln.ppf(np.array([0.8]))[0] == pytest.approx(1.35, rel=1e-12)
    assert D.from_spec({"dist": "lognormal", "mean": 2, "sd": 1}).mean() == pytest.approx(2.0)
    assert isinstance(D.from_spec({"dist": "uniform", "low": 0, "high": 1}), D.Uniform)
    assert isinstance(D.from_spec({"dist": "triangular", "low": 0, "mode": 0, "high": 1}), D.Triangular)
    assert D.from_spec({"dist": "pert", "low": 0, "mode": 1, "high": 2, "lambda": 3}).lam == 3.0
    assert isinstance(D.from_spec({"dist": "discrete", "values": [1, 2], "probabilities": [0.5, 0.5]}),
                      D.Discrete)
    assert isinstance(D.from_spec({"dist": "bernoulli", "p": 0.1}), D.Bernoulli)
    ov = D.from_spec({"dist": "overrun", "mean": 0.39, "tail_share": 0.28, "tail_mean": 1.16,
                      "cap": float("inf")})
    assert ov.mean() == pytest.approx(1.39, abs=1e-12)
    assert set(D.DIST_PARAMS) == {"fixed", "normal", "lognormal", "uniform", "triangular", "pert",
                                  "discrete", "bernoulli", "overrun"}


@pytest.mark.parametrize(
    "spec, key",
    [
        ({"mean": 1}, "'dist'"),
        ({"dist": "gamma"}, "unknown dist"),
        ({"dist": "normal", "mean": 1}, "'sd'"),
        ({"dist": "normal", "mean": 1, "sd": 0}, "'sd'"),
        ({"dist": "normal", "mean": 1, "sd": 1, "sdd": 2}, "'sdd'"),
        ({"dist": "normal", "mean": 0, "sd": 1, "low": 2, "high": 1}, "'low'"),
        ({"dist": "uniform", "low": 2, "high": 1}, "'low'"),
        ({"dist": "uniform", "low": "a", "high": 1}, "'low'"),
        ({"dist": "triangular", "low": 0, "mode": 5, "high": 3}, "'mode'"),
        ({"dist": "pert", "low": 0, "mode": 1}, "'high'"),
        ({"dist": "pert", "low": 0, "mode": 1, "high": 2, "lambda": -1}, "'lambda'"),
        ({"dist": "discrete", "values": [1, 2], "probabilities": [0.5, 0.6]}, "'probabilities'"),
        ({"dist": "discrete", "values": [1, 2], "probabilities": [1.5, -0.5]}, "'probabilities'"),
        ({"dist": "discrete", "values": [1, 2], "probabilities": [1.0]}, "'values'"),
        ({"dist": "bernoulli", "p": 1.5}, "'p'"),
        ({"dist": "lognormal", "p50": 1.2, "p80": 1.1}, "'p80'"),
        ({"dist": "lognormal", "p50": 1.2}, "'p80'"),
        ({"dist": "lognormal", "mean": 1, "p50": 1}, "either"),
        ({"dist": "overrun", "mean": 0.3, "tail_share": 1.2, "tail_mean": 1}, "'tail_share'"),
        ({"dist": "overrun", "mean": 0.3, "tail_share": 0.2}, "'tail_mean'"),
        ({"dist": "fixed", "value": True}, "'value'"),
    ],
)
def test_from_spec_errors_name_the_key(spec, key):
    with pytest.raises(ValueError, match=key):
        D.from_spec(spec)


# --- reference classes ---------------------------------------------------------------------------


def test_reference_classes_complete_and_buildable():
    expected = {"solar", "storage", "wind", "hydro", "transmission", "charging", "airport", "rail",
                "roads", "industrial_park", "petrochemical", "mining", "buildings"}
    assert set(D.REFERENCE_CLASSES) == expected
    for name in D.REFERENCE_CLASSES:
        assert isinstance(D.from_spec(D.reference_class(name, "cost")), D.OverrunMixture)
        assert isinstance(D.from_spec(D.reference_class(name, "schedule")), D.LogNormal)


def test_reference_class_values_from_facts():
    assert D.reference_class("rail", "cost") == {"dist": "overrun", "mean": 0.39, "tail_share": 0.28,
                                                 "tail_mean": 1.16}
    assert D.reference_class("hydro", "cost")["tail_mean"] == 1.86  # facts key hydro_dams
    assert D.reference_class("airport", "schedule") == {"dist": "lognormal", "p50": 1.15, "p80": 1.45}
    assert D.reference_class("roads", "schedule") == D.reference_class("industrial_park", "schedule")


def test_reference_class_unknown_lists_names():
    with pytest.raises(ValueError, match="rail"):
        D.reference_class("canal", "cost")
    with pytest.raises(ValueError, match="schedule"):
        D.reference_class("rail", "budget")


# --- the tabulated Beta inverse: the compiled kernel and its accuracy -----------------------------
def _hermite_reference(a, b, u):
    """The array formula the compiled kernel replaces (numpy, same operations in the same order)."""
    from scipy import special

    u = np.clip(u, 0.0, 1.0)
    x, slope = D._beta_table(float(a), float(b))
    n = D.BETA_TABLE_CELLS
    scaled = u * n
    k = np.minimum(scaled.astype(np.int64), n - 1)
    t = scaled - k
    t2 = t * t
    t3 = t2 * t
    h = 1.0 / n
    y = ((2 * t3 - 3 * t2 + 1) * x[k] + (t3 - 2 * t2 + t) * h * slope[k]
         + (3 * t2 - 2 * t3) * x[k + 1] + (t3 - t2) * h * slope[k + 1])
    m = float(D.BETA_TAIL_PER_OCTAVE)
    for upper, (f, d) in ((False, D._beta_tail_table(float(a), float(b))), (True, D._beta_tail_table(float(b), float(a)))):
        tail = (k >= n - D.BETA_EXACT_CELLS) if upper else (k < D.BETA_EXACT_CELLS)
        w = 1.0 - u[tail] if upper else u[tail]
        with np.errstate(divide="ignore", invalid="ignore"):
            p = m * (np.log2(D.BETA_EXACT_CELLS / n) - np.log2(w))
        inside = (w > 0) & (p < len(f) - 1)
        j = np.where(inside, p, 0).astype(np.int64)
        t = np.where(inside, p, 0) - j
        t2 = t * t
        t3 = t2 * t
        g = np.exp((2 * t3 - 3 * t2 + 1) * f[j] + (t3 - 2 * t2 + t) * d[j]
                   + (3 * t2 - 2 * t3) * f[j + 1] + (t3 - t2) * d[j + 1])
        values = np.where(inside, 1.0 - g if upper else g, special.betaincinv(a, b, u[tail]))
        y[tail] = values
    return y


SHAPES = [(1.0, 1.0), (1.4, 3.6), (2.0, 5.0), (3.0, 3.0), (4.6, 1.4), (1.04, 4.96), (0.7, 2.5)]


@pytest.mark.parametrize("a, b", SHAPES)
def test_beta_ppf_kernel_is_the_array_formula(a, b):
    from scipy import special

    u = np.random.default_rng(3).random(20_000)
    u = np.concatenate([u, [0.0, 1.0, -0.1, 1.1, 2.0**-53, 1 - 2.0**-53, 0.5], np.exp2(-np.linspace(7, 54, 999)),
                        1 - np.exp2(-np.linspace(7, 53, 999))])
    _assert_same_as_the_formula(a, b, u)
    assert D.beta_ppf(a, b, u.reshape(-1, 1)).shape == (len(u), 1)
    for small in ([1e-12, 1 - 1e-12], [0.0, 1.0, 0.001]):         # all in the tails: exact, a shortcut
        assert np.array_equal(D.beta_ppf(a, b, np.array(small)), special.betaincinv(a, b, np.array(small)))
    for small in ([0.3], [1e-12, 0.5]):
        _assert_same_as_the_formula(a, b, np.array(small))


def _assert_same_as_the_formula(a, b, u):
    """Identical bits, except where the tail tables' exp and log2 (compiled vs NumPy's) may round apart."""
    got, want = D.beta_ppf(a, b, u), _hermite_reference(a, b, u)
    cells = np.clip(u, 0, 1) * D.BETA_TABLE_CELLS
    tails = (cells < D.BETA_EXACT_CELLS) | (cells >= D.BETA_TABLE_CELLS - D.BETA_EXACT_CELLS)
    assert np.array_equal(got[~tails], want[~tails])
    np.testing.assert_array_max_ulp(got[tails], want[tails], maxulp=8)


# PERT shapes: alpha = 1 + lam (mode - low)/(high - low), beta = 1 + lam (high - mode)/(high - low)
PERT_SHAPES = [(1 + lam * f, 1 + lam * (1 - f)) for lam in (1.0, 4.0, 8.0, 20.0) for f in (0.0, 0.01, 0.1, 0.3, 0.5, 0.9)]


@pytest.mark.parametrize("a, b", PERT_SHAPES)
def test_beta_ppf_is_accurate_to_the_documented_1_2e_8(a, b):
    """The documented accuracy (distributions.beta_ppf, README): within 1.2e-8 of the exact inverse
    (of the unit interval; worst measured 1.1e-8, for alpha or beta near 1) on a fine grid of u."""
    from scipy import special

    u = np.linspace(0.0, 1.0, 200_001)
    err = np.abs(D.beta_ppf(a, b, u) - special.betaincinv(a, b, u))
    assert err.max() <= 1.2e-8, err.max()
    # the tail tables (u < 2^-7 and 1 − u < 2^-7, in logs): within 1e-9 relative of the exact inverse
    # (of x, and of 1 − x above; worst measured 6.3e-10) down to the smallest uniform draw, 2^-53
    tail = np.exp2(-np.linspace(7.0, 53.0, 100_001))
    near_one = 1.0 - tail[tail >= 2.0**-52]                 # rounded: its own 1 − u is what counts
    low, high = D.beta_ppf(a, b, tail), 1.0 - D.beta_ppf(a, b, near_one)
    exact_low, exact_high = special.betaincinv(a, b, tail), special.betaincinv(b, a, 1.0 - near_one)
    assert np.max(np.abs(low / exact_low - 1)) <= 1e-9
    upper_err = np.abs(high - exact_high)            # 1 − x in double: absolute to 1 ulp of 1, relative above
    assert np.all(upper_err <= 1e-9 * exact_high + 2.3e-16)


@pytest.mark.parametrize("a, b", [(-2.0, 2.0), (-np.inf, 0.5), (0.3, np.inf), (-1.0, np.inf), (-np.inf, -3.0),
                                  (4.0, 9.0), (-12.0, -8.0), (-0.01, 0.02), (-40.0, 1.0)])
def test_truncated_normal_ppf_agrees_with_scipy_stats(a, b):
    u = np.linspace(1e-12, 1 - 1e-12, 10_001)      # the range Normal.ppf passes with an infinite bound
    got = D.truncated_standard_normal_ppf(u, a, b)
    ref = stats.truncnorm.ppf(u, a, b)
    if np.isinf(b) and a < 0:   # scipy loses digits in this upper tail: the exact tail instead
        upper = u > 0.99
        ref[upper] = stats.norm.isf((1 - u[upper]) * stats.norm.sf(a))
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-15)
    assert np.all(np.diff(got) >= 0) and np.all((got >= a) & (got <= b))


def test_truncated_normal_far_tails_are_exact():
    # below a upper bound of infinity, P(X > x) = (1 − q)·mass exactly: x = isf((1 − q)·mass)
    q = 1 - np.array([2.0**-53, 1e-15, 1e-12])
    mass = stats.norm.sf(-1.0)
    np.testing.assert_allclose(D.truncated_standard_normal_ppf(q, -1.0, np.inf), stats.norm.isf((1 - q) * mass),
                               rtol=1e-13)
    np.testing.assert_allclose(D.truncated_standard_normal_ppf(1 - q, -np.inf, 1.0),
                               stats.norm.ppf((1 - q) * stats.norm.cdf(1.0)), rtol=1e-13)
