"""Expectation maximisation of Fellegi-Sunter m/u parameters from comparison vectors.

The input is the distinct comparison vectors of the candidate pairs with how often each
occurs (a few thousand rows even for tens of millions of pairs), so EM runs in numpy in
well under a second. Level -1 (the comparison could not be made) contributes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# The seed's prior row: matching pairs per record, which does not depend on how many
# records there are (the share of all pairs that match does; the scoring SQL computes it).
PRIOR = "matching_pairs_per_record"
FLOOR = 1e-6  # no probability is written as 0: a weight must stay finite


@dataclass
class Parameters:
    comparisons: list[str]
    levels: list[list[int]]  # per comparison, the levels seen (>= 0)
    m: list[np.ndarray]
    u: list[np.ndarray]
    prior: float  # the share of all pairs that match, in the data trained on
    iterations: int = 0
    matching_pairs_per_record: float = 0.0  # set when the prior is scaled to all pairs
    prior_source: str = "EM"  # or "capture-recapture" (pipeline.capture_recapture_matches)
    prior_check: dict = field(default_factory=dict)  # both estimates and the rules' counts
    history: list[float] = field(default_factory=list)

    def probabilities(self) -> dict[tuple[str, int], tuple[float, float]]:
        out = {}
        for name, levels, m, u in zip(self.comparisons, self.levels, self.m, self.u, strict=True):
            for level, m_level, u_level in zip(levels, m, u, strict=True):
                out[(name, level)] = (float(m_level), float(u_level))
        return out


def _index(patterns: np.ndarray, levels: list[list[int]]) -> np.ndarray:
    """Per cell, the position of its level in that comparison's level list; -1 for null."""
    index = np.full(patterns.shape, -1, dtype=np.int64)
    for k, comparison_levels in enumerate(levels):
        for position, level in enumerate(comparison_levels):
            index[patterns[:, k] == level, k] = position
    return index


def _log_likelihood(index: np.ndarray, probabilities: list[np.ndarray]) -> np.ndarray:
    total = np.zeros(index.shape[0])
    for k, p in enumerate(probabilities):
        column = index[:, k]
        seen = column >= 0
        total[seen] += np.log(p[column[seen]])
    return total


def level_shares(
    patterns: np.ndarray, counts: np.ndarray, levels: list[list[int]]
) -> list[np.ndarray]:
    """Per comparison, the share of (non-null) pairs at each level, with half a pair
    added to every level so that a level never seen still has a small, finite share."""
    index = _index(np.asarray(patterns, dtype=np.int64), levels)
    counts = np.asarray(counts, dtype=float)
    shares = []
    for k, comparison_levels in enumerate(levels):
        seen = (
            np.array([counts[index[:, k] == i].sum() for i in range(len(comparison_levels))]) + 0.5
        )
        shares.append(seen / seen.sum() if len(comparison_levels) else seen)
    return shares


def estimate(
    comparisons: list[str],
    patterns: np.ndarray,
    counts: np.ndarray,
    *,
    levels: list[list[int]] | None = None,
    fixed_u: list[np.ndarray] | None = None,
    prior: float = 0.2,
    max_iterations: int = 500,
    tolerance: float = 1e-6,
) -> Parameters:
    """Estimate m (and u unless fixed_u) and the prior among the candidate pairs by EM.

    patterns: (n, K) integer levels per comparison; counts: (n,) pairs per pattern;
    levels: per comparison the levels (>= 0) to estimate, sorted low to high (default:
    those in patterns). m starts heavy on the top levels; u starts at (or stays at)
    fixed_u, else at each level's share of the pairs.
    """
    patterns = np.asarray(patterns, dtype=np.int64)
    counts = np.asarray(counts, dtype=float)
    if levels is None:
        levels = [
            sorted({int(v) for v in patterns[:, k] if v >= 0}) for k in range(len(comparisons))
        ]
    index = _index(patterns, levels)

    m: list[np.ndarray] = []
    u: list[np.ndarray] = (
        list(fixed_u) if fixed_u is not None else level_shares(patterns, counts, levels)
    )
    for comparison_levels in levels:
        ranks = np.arange(len(comparison_levels), dtype=float)
        m_k = 4.0**ranks  # levels are sorted low to high: the top level gets most
        m.append(m_k / m_k.sum() if len(comparison_levels) else m_k)

    history: list[float] = []
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - reported afterwards
        log_match = np.log(prior) + _log_likelihood(index, m)
        log_non_match = np.log(1 - prior) + _log_likelihood(index, u)
        posterior = 1.0 / (1.0 + np.exp(np.clip(log_non_match - log_match, -700, 700)))
        match_weight = counts * posterior
        non_match_weight = counts * (1 - posterior)

        new_prior = float(match_weight.sum() / counts.sum())
        change = abs(new_prior - prior)
        new_m, new_u = [], []
        for k, comparison_levels in enumerate(levels):
            if not comparison_levels:
                new_m.append(m[k])
                new_u.append(u[k])
                continue
            column = index[:, k]
            m_sums = np.array(
                [match_weight[column == i].sum() for i in range(len(comparison_levels))]
            )
            u_sums = np.array(
                [non_match_weight[column == i].sum() for i in range(len(comparison_levels))]
            )
            m_k = np.maximum(m_sums / max(m_sums.sum(), FLOOR), FLOOR)
            u_k = (
                u[k]
                if fixed_u is not None
                else np.maximum(u_sums / max(u_sums.sum(), FLOOR), FLOOR)
            )
            change = max(change, float(np.abs(m_k - m[k]).max()), float(np.abs(u_k - u[k]).max()))
            new_m.append(m_k)
            new_u.append(u_k)
        m, u, prior = new_m, new_u, min(max(new_prior, FLOOR), 1 - FLOOR)
        history.append(change)
        if change < tolerance:
            break
    return Parameters(comparisons, levels, m, u, prior, iteration, history)
