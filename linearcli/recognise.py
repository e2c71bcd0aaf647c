"""Which init scheme a parameter's values look like, from their min, max, mean and std.

Three shapes of distribution tell themselves apart by how far the extremes lie from the
mean, in standard deviations: a uniform draw fills its interval evenly, so its half-range
is √3 deviations whatever the count; a normal draw's largest deviation grows with the
count n, as the largest of n draws does (about 5 for a million values); a truncated
normal stops at its bounds, in between. Each test allows what n draws of its scheme
show in all but about one seed in a thousand, so a weight drawn from a scheme is named
after it. Then the parameter (bound or std) is matched with torch.nn.init's formulas
for the layer's fans: PyTorch's default, Xavier, Kaiming, orthogonal; otherwise it is
written as a number, rounded where the draw cannot tell the rounded value from the
observed one ("normal_(std=0.02)"). Values none of the three fit are not named.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from linearcli.records import Stats

DEFAULT = "default"  # PyTorch's own for nn.Linear: U(-1/sqrt(in_features), +1/sqrt(in_features))
_FEW = 100  # below this many values, only a constant and the Linear default are named
_Z = 3.3  # standard errors: a two-sided band that about one draw in a thousand leaves
_Z_MEAN = 4.0  # a mean this many standard errors off zero is part of the scheme
# n uniform draws stop short of a bound by more than 10/n of the range (20/n of the
# half-range) about one time in 20,000.
_UNIFORM_GAP = 20.0
# Values stored in bfloat16 are rounded to 8 significant bits: a bound may look 1/256
# of itself wider or narrower than drawn. Allowed in every dtype: in float32 no two
# formulas of a layer are that close.
_ROUNDING = 2.0**-7
_SMALLEST_CUT = 0.5  # a normal cut closer in than this is a uniform draw, to any count
_NORMAL = NormalDist()


@dataclass(frozen=True)
class Recognised:
    scheme: str  # as a torch.nn.init call: "normal_(std=0.02)", "zeros_", or DEFAULT
    bound: float | None  # the largest value the scheme draws, where it has one
    std: float  # the standard deviation the scheme draws with


def recognise(
    stats: Stats, fan_in: int, fan_out: int, *, linear: bool, bias: bool = False
) -> Recognised | None:
    """The scheme the values look like; None when none fits, or too few values to tell.

    ``linear``: the parameter is an nn.Linear's, whose default has a name of its own;
    ``fan_in``: the layer's in_features, which bounds its bias too; a bias is matched
    with no formula but that default (Xavier and Kaiming are for weights)."""
    if stats.non_finite or not stats.count:
        return None
    if stats.min == stats.max and stats.count > 1:
        return _constant(stats.min)
    if stats.count < _FEW:
        return _small_default(stats, fan_in) if linear else None
    formulas = _Formulas(fan_in, fan_out, linear, bias)
    for test in (_uniform, _normal, _truncated_normal):
        found = test(stats, formulas)
        if found is not None:
            return found
    return None


def _constant(value: float) -> Recognised:
    scheme = {0.0: "zeros_", 1.0: "ones_"}.get(value, f"constant_(val={value!r})")
    return Recognised(scheme, abs(value), 0.0)


def _small_default(stats: Stats, fan_in: int) -> Recognised | None:
    """A few values inside the default's bound: what the default drew, as far as they tell."""
    if fan_in <= 0:
        return None
    bound = 1 / math.sqrt(fan_in)
    if max(abs(stats.min), abs(stats.max)) > bound * (1 + _ROUNDING):
        return None
    return Recognised(DEFAULT, bound, bound / math.sqrt(3))


def _uniform(stats: Stats, formulas: _Formulas) -> Recognised | None:
    """Half-range √3 deviations: the observed half-range falls short of the bound by at
    most about 20/n of it, and the std errs by about 0.45/sqrt(n) of itself."""
    n, half, centre = stats.count, (stats.max - stats.min) / 2, (stats.max + stats.min) / 2
    gap = half * _UNIFORM_GAP / n  # how far the bounds may lie beyond the extremes
    spread = _Z * 0.45 / math.sqrt(n) + _ROUNDING
    if not half * (1 - spread) <= stats.std * math.sqrt(3) <= (half + gap) * (1 + spread):
        return None
    if abs(stats.mean - centre) > _Z * stats.std / math.sqrt(n) + gap:
        return None
    if abs(centre) > gap + _Z_MEAN * stats.std / math.sqrt(n):  # U(a, b) off zero: torch.rand
        low, high = _simplest(stats.min - gap, stats.min), _simplest(stats.max, stats.max + gap)
        largest = max(abs(float(low)), abs(float(high)))
        return Recognised(f"uniform_(a={low}, b={high})", largest, stats.std)
    narrowest, widest = half * (1 - _ROUNDING), (half + gap) * (1 + _ROUNDING)
    named = [(name, b) for name, b in formulas.uniform() if narrowest <= b <= widest]
    if named:
        bound = named[0][1]
        return Recognised(" or ".join(name for name, _ in named), bound, bound / math.sqrt(3))
    shown = _simplest(half, half + gap)
    return Recognised(f"uniform_(a=-{shown}, b={shown})", float(shown), float(shown) / math.sqrt(3))


def _normal(stats: Stats, formulas: _Formulas) -> Recognised | None:
    """Each tail's extreme, in deviations, within what the largest of n normal draws
    reaches (one-sided quantiles), the std itself erring by about 1/sqrt(2n)."""
    n, std = stats.count, stats.std
    if std <= 0:
        return None
    error = _Z / math.sqrt(2 * n)
    low, high = _largest_of_normals(n, 0.00025), _largest_of_normals(n, 0.99975)
    for tail in (stats.max - stats.mean, stats.mean - stats.min):
        if not low / (1 + error) <= tail / std <= high / (1 - min(error, 0.5)):
            return None
    mean = _mean_part(stats)
    candidates = [] if mean else formulas.normal()
    named = [(name, sigma) for name, sigma in candidates if abs(sigma - std) <= error * std]
    if named:
        return Recognised(" or ".join(name for name, _ in named), None, named[0][1])
    sigma = _simplest(std * (1 - error), std * (1 + error))
    return Recognised(f"normal_({mean}std={sigma})", None, float(sigma))


def _truncated_normal(stats: Stats, formulas: _Formulas) -> Recognised | None:
    """Bounded like a uniform draw, peaked like a normal one: half-range between √3 and
    the normal's extremes, symmetric about the mean; from n >= 1000 values, below which
    a normal draw's extremes are as close in."""
    n, half, centre = stats.count, (stats.max - stats.min) / 2, (stats.max + stats.min) / 2
    if n < 1000 or stats.std <= 0:
        return None
    cut = _cut_for(half / stats.std)  # the bounds, in the underlying normal's deviations
    if cut is None or cut < _SMALLEST_CUT:
        return None
    # n draws stop short of a bound by more than 6.9 / (n x the density there) one time
    # in a thousand; the density at the cut, per half-range, is cut φ(cut) / mass.
    density = cut * _NORMAL.pdf(cut) / (2 * _NORMAL.cdf(cut) - 1)
    gap = half * 6.9 / (n * density)
    if abs(stats.mean - centre) > _Z * stats.std / math.sqrt(n) + gap:
        return None
    sigma = stats.std / _truncated_std(cut)
    error = 3 * _Z / math.sqrt(2 * n) + 0.005  # the cut's estimate adds to the std's error
    shown = _simplest(sigma * (1 - error), sigma * (1 + error))
    low, high = _simplest(stats.min - gap, stats.min), _simplest(stats.max, stats.max + gap)
    return Recognised(
        f"trunc_normal_({_mean_part(stats)}std={shown}, a={low}, b={high})",
        max(abs(float(low)), abs(float(high))),
        stats.std,
    )


@dataclass(frozen=True)
class _Formulas:
    """torch.nn.init's bounds and stds for a layer's fans, by the name of the scheme."""

    fan_in: int
    fan_out: int
    linear: bool
    bias: bool

    def uniform(self) -> list[tuple[str, float]]:
        fan_in, fan_out = self.fan_in, self.fan_out
        if fan_in <= 0 or fan_out <= 0:
            return []
        formulas = [(DEFAULT, 1 / math.sqrt(fan_in))] if self.linear else []
        if self.bias:
            return formulas
        formulas += [
            ("xavier_uniform_", math.sqrt(6 / (fan_in + fan_out))),
            ("kaiming_uniform_(nonlinearity='relu')", math.sqrt(6 / fan_in)),
        ]
        if fan_out != fan_in:
            fan_out_scheme = "kaiming_uniform_(mode='fan_out', nonlinearity='relu')"
            formulas.append((fan_out_scheme, math.sqrt(6 / fan_out)))
        return formulas

    def normal(self) -> list[tuple[str, float]]:
        fan_in, fan_out = self.fan_in, self.fan_out
        if fan_in <= 0 or fan_out <= 0 or self.bias:
            return []
        formulas = [
            ("xavier_normal_", math.sqrt(2 / (fan_in + fan_out))),
            ("kaiming_normal_(nonlinearity='relu')", math.sqrt(2 / fan_in)),
        ]
        if fan_out != fan_in:
            fan_out_scheme = "kaiming_normal_(mode='fan_out', nonlinearity='relu')"
            formulas.append((fan_out_scheme, math.sqrt(2 / fan_out)))
        # An orthogonal matrix's entries have std 1/sqrt(max(fans)), and look normal.
        formulas.append(("orthogonal_", 1 / math.sqrt(max(fan_in, fan_out))))
        return formulas


def _largest_of_normals(n: int, quantile: float) -> float:
    """The quantile of the largest of n standard normal draws: Φ⁻¹(quantile^(1/n))."""
    return _NORMAL.inv_cdf(min(math.exp(math.log(quantile) / n), 1 - 1e-16))


def _truncated_std(cut: float) -> float:
    """The std of a standard normal truncated to [-cut, cut]."""
    mass = 2 * _NORMAL.cdf(cut) - 1
    return math.sqrt(max(1 - 2 * cut * _NORMAL.pdf(cut) / mass, 1e-300))


def _cut_for(ratio: float) -> float | None:
    """The cut whose truncated normal has half-range ``ratio`` deviations (√3 at a cut
    near 0, growing with it), by bisection; None outside (√3, the cut of 6)."""
    low, high = 1e-3, 6.0
    if not low / _truncated_std(low) < ratio < high / _truncated_std(high):
        return None
    for _ in range(60):
        middle = (low + high) / 2
        if middle / _truncated_std(middle) < ratio:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _mean_part(stats: Stats) -> str:
    """``mean=M, `` where the mean is off zero by more than chance allows, else empty."""
    error = _Z_MEAN * stats.std / math.sqrt(stats.count)
    if abs(stats.mean) <= error:
        return ""
    return f"mean={_simplest(stats.mean - error, stats.mean + error)}, "


def _simplest(low: float, high: float) -> str:
    """The number in [low, high] with the fewest decimals: what the draw cannot tell from
    the observed value, written as someone would have written it (0.02, not 0.01998)."""
    for decimals in range(12):
        scale = 10.0**decimals
        candidate = math.ceil(low * scale) / scale
        if candidate <= high:
            text = repr(round(candidate, decimals) + 0.0)  # every digit it needs; never "-0"
            return text.removesuffix(".0")
    return _number(high)


def _number(value: float) -> str:
    return f"{value:.3g}"
