"""Landscape theory of aggregation (Axelrod & Bennett 1993): energies, local minima, frustration.

Actors i with sizes s_i > 0 and symmetric pairwise propensities p_ij split into two coalitions.
A configuration X puts each actor on one of two sides; d_ij(X) = 1 when i and j are apart.

- energy ``E(X) = sum_i sum_{j != i} s_i s_j p_ij d_ij(X)``: ordered pairs, so every unordered
  pair counts twice (the paper's footnote 2);
- frustration ``F_i(X) = sum_{j != i} s_j p_ij d_ij(X)``, so that ``E(X) = sum_i s_i F_i(X)``;
- switching actor k changes E by ``2 s_k (q_k - 2 F_k(X))`` with ``q_k = sum_j s_j p_kj``, and X
  is a *local minimum* when no single switch lowers E (a switch that leaves E unchanged does not
  disqualify it: ties count as minima).

Positions may also be fractional, x_i in [0, 1] (0: the first actor's side, 1: the other), with
``d_ij = x_i (1 - x_j) + x_j (1 - x_i)``, the chance that i and j are apart when each stands on the
second side with chance x; on whole positions it is the definition above. `descend` holds such an
actor where it is (the decision rule's half-way partner, sim/rules/landscape.py).

Conventions (docs/landscape.md): a configuration and its mirror image are one, so there are
2^(n-1) of them, the grand coalition (E = 0) included. Configuration number c (0 .. 2^(n-1) - 1)
keeps the first actor on the first side and puts actor k >= 1 on the second side when bit k-1 of
c is set; configurations come in that order, and each side lists its actors in input order.
Up to ``EXACT_LIMIT`` actors every configuration is enumerated; beyond it a seeded steepest-descent
search with restarts finds local minima, and says so.

Pure functions over numpy arrays; nothing here prints or exits.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from .scenario import InputError, Issue
from .scenario.loader import read_input_text

EXACT_LIMIT = 20  # actors: 2^19 configurations, enumerated in seconds (benchmarks/bench_landscape.py); 2^(n-1) grows fast
MAX_ACTORS = 1000  # the propensity matrix and the search stay small in memory and time
RESTARTS = 1000
MAX_RESTARTS = 100_000  # restarts x actors booleans and floats stay within a few GB at 1,000 actors
SEED = 0
CHUNK = 1 << 15  # configurations evaluated at once: memory stays near CHUNK * n * 8 bytes per array
TIE = 1e-12  # a switch lowers E only by more than TIE * sum |s_i s_j p_ij|: rounding is not a descent


@dataclass(frozen=True)
class Landscape:
    """Actors, their sizes (n,) and the symmetric propensity matrix (n, n) with a zero diagonal."""

    actors: tuple[str, ...]
    sizes: np.ndarray
    propensities: np.ndarray


@dataclass(frozen=True)
class Analysis:
    """Configurations (all of them, or the local minima a search found) and their properties.

    ``sides[c, k]`` is True when actor k is not on the first actor's side in configuration c.
    ``basin[c]`` is, for a local minimum, how many configurations steepest descent brings to it
    (enumeration) or how many restarts ended in it (search); 0 for other configurations.
    """

    landscape: Landscape
    method: str  # "enumeration" or "search"
    sides: np.ndarray
    energy: np.ndarray
    local_minimum: np.ndarray
    basin: np.ndarray
    frustration: np.ndarray | None = None
    restarts: int | None = None
    seed: int | None = None

    @property
    def total_configurations(self) -> int:
        return 2 ** (len(self.landscape.actors) - 1)

    def coalitions(self, c: int) -> list[list[str]]:
        actors = self.landscape.actors
        return [[a for a, apart in zip(actors, self.sides[c]) if not apart],
                [a for a, apart in zip(actors, self.sides[c]) if apart]]

    def minima(self) -> np.ndarray:
        """Indices of the local minima by ascending energy (ties in configuration order)."""
        found = np.flatnonzero(self.local_minimum)
        return found[np.argsort(self.energy[found], kind="stable")]

    def records(self) -> Iterator[dict]:
        """One dict per configuration, in order, as in the JSON output."""
        for c in range(len(self.energy)):
            record = {"coalitions": self.coalitions(c), "energy": float(self.energy[c]),
                      "local_minimum": bool(self.local_minimum[c])}
            if self.frustration is not None:
                record["frustration"] = dict(zip(self.landscape.actors, map(float, self.frustration[c])))
            yield record

    def minima_records(self) -> list[dict]:
        return [{"coalitions": self.coalitions(c), "energy": float(self.energy[c])} for c in self.minima()]

    def search_record(self) -> dict | None:
        """What the search did, for the output; None for an enumeration."""
        if self.method != "search":
            return None
        return {"method": "local search, not an enumeration: configurations lists the local minima found",
                "restarts": self.restarts, "seed": self.seed, "total_configurations": self.total_configurations}

    def as_dict(self) -> dict:
        """The JSON document of `alignsim landscape --json` (large: 2^(n-1) configurations)."""
        result = {"actors": list(self.landscape.actors), "configurations": list(self.records()),
                  "local_minima": self.minima_records()}
        search = self.search_record()
        if search is not None:
            result["search"] = search
        return result


def analyse(landscape: Landscape, frustration: bool = False, restarts: int = RESTARTS, seed: int = SEED) -> Analysis:
    """Every configuration up to EXACT_LIMIT actors, else the local minima a seeded search finds."""
    if len(landscape.actors) <= EXACT_LIMIT:
        return enumerate_configurations(landscape, frustration)
    return search(landscape, frustration, restarts, seed)


def _weights(landscape: Landscape) -> tuple[np.ndarray, np.ndarray, float]:
    """Q[i, j] = s_j p_ij, q_i = sum_j Q[i, j], and the tie tolerance on s_k (q_k - 2 F_k)."""
    q_matrix = landscape.propensities * landscape.sizes[None, :]
    total = float(np.abs(q_matrix * landscape.sizes[:, None]).sum())
    return q_matrix, q_matrix.sum(axis=1), TIE * max(total, np.finfo(float).tiny)


def frustrations(landscape: Landscape, sides: np.ndarray) -> np.ndarray:
    """F_i(X) for configurations ``sides`` (m, n) of booleans, or positions in [0, 1]: (m, n)."""
    q_matrix, q, _ = _weights(landscape)
    return _frustrations(sides.astype(float), q_matrix, q)


def _frustrations(x: np.ndarray, q_matrix: np.ndarray, q: np.ndarray) -> np.ndarray:
    together = x @ q_matrix.T  # sum over j of s_j p_ij x_j
    # an actor on the second side is apart from those with x_j = 0, one on the first from those with x_j = 1
    return x * (q - together) + (1.0 - x) * together + 0.0  # + 0.0: no negative zeros in the output


def energies(landscape: Landscape, sides: np.ndarray) -> np.ndarray:
    """E(X) = sum_i s_i F_i(X) for configurations ``sides`` (m, n): (m,)."""
    return frustrations(landscape, sides) @ landscape.sizes + 0.0


def _slack(frustration: np.ndarray, sizes: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Half the change in E when each actor switches sides: s_k (q_k - 2 F_k)."""
    return sizes * (q - 2.0 * frustration)


def configuration_sides(n: int, numbers: np.ndarray) -> np.ndarray:
    """The sides (len(numbers), n) of configurations by number (see the module's conventions)."""
    bits = (numbers[:, None] >> np.arange(n - 1, dtype=np.int64)) & 1
    return np.concatenate([np.zeros((len(numbers), 1), dtype=bool), bits.astype(bool)], axis=1)


def enumerate_configurations(landscape: Landscape, frustration: bool = False) -> Analysis:
    """All 2^(n-1) configurations, in chunks; basins by steepest descent (first actor on ties)."""
    n = len(landscape.actors)
    if n > EXACT_LIMIT:  # memory and time double with every actor
        raise ValueError(f"{n} actors are more than {EXACT_LIMIT} to enumerate; search() or analyse() find minima")
    total = 2 ** (n - 1)
    q_matrix, q, tolerance = _weights(landscape)
    # switching actor 0 is the mirror of switching all the others
    flips = np.array([total - 1] + [1 << k for k in range(n - 1)], dtype=np.int64)
    numbers = np.arange(total, dtype=np.int64)
    sides = np.empty((total, n), dtype=bool)
    energy = np.empty(total)
    successor = np.empty(total, dtype=np.int64)
    frustration_all = np.empty((total, n)) if frustration else None
    for start in range(0, total, CHUNK):
        chunk = numbers[start:start + CHUNK]
        x = configuration_sides(n, chunk)
        f = _frustrations(x.astype(float), q_matrix, q)
        slack = _slack(f, landscape.sizes, q)
        steepest = np.argmin(slack, axis=1)
        descends = slack[np.arange(len(chunk)), steepest] < -tolerance
        sides[start:start + CHUNK] = x
        energy[start:start + CHUNK] = f @ landscape.sizes + 0.0
        successor[start:start + CHUNK] = np.where(descends, chunk ^ flips[steepest], chunk)
        if frustration_all is not None:
            frustration_all[start:start + CHUNK] = f
    minimum = successor == numbers
    end = successor
    while True:  # pointer doubling: every configuration to the minimum its descent ends in
        further = end[end]
        if np.array_equal(further, end):
            break
        end = further
    basin = np.where(minimum, np.bincount(end, minlength=total), 0)
    return Analysis(landscape, "enumeration", sides, energy, minimum, basin, frustration_all)


def descend(landscape: Landscape, positions: np.ndarray, movable: np.ndarray | None = None) -> np.ndarray:
    """Steepest descent from each configuration of ``positions`` (m, n), each x_i in [0, 1]: while
    some switch of an actor lowers E, the actor whose switch lowers it most (the first on ties)
    moves to the other side. Only actors at 0 or 1 that are ``movable`` (m, n; default all) switch.
    Returns the positions reached (m, n), each a local minimum for the movable actors."""
    q_matrix, q, tolerance = _weights(landscape)
    x = np.array(positions, dtype=float)
    held = np.zeros(x.shape) if movable is None else np.where(movable, 0.0, np.inf)
    held[(x != 0.0) & (x != 1.0)] = np.inf
    while _descend(x, _frustrations(x, q_matrix, q), q_matrix, q, landscape.sizes, tolerance, held):
        pass  # each pass starts from frustrations recomputed afresh: incremental updates drift
    return x


def _descend(x: np.ndarray, f: np.ndarray, q_matrix: np.ndarray, q: np.ndarray, sizes: np.ndarray,
             tolerance: float, held: np.ndarray | float = 0.0) -> bool:
    """Steepest descent of positions ``x`` (m, n) with frustrations ``f``, both updated in place;
    ``held`` adds +inf to the slack of actors that may not switch. True if any actor moved."""
    rows_all = np.arange(len(x))
    moved = False
    while True:
        slack = _slack(f, sizes, q) + held
        steepest = np.argmin(slack, axis=1)
        rows = np.flatnonzero(slack[rows_all, steepest] < -tolerance)
        if len(rows) == 0:
            return moved
        moved = True
        k = steepest[rows]
        previous = f[rows, k]
        # d_jk changes by (1 - 2 x_j)(1 - 2 x_k): -1 for an actor it leaves, +1 for one it joins, 0 half-way
        f[rows] += q_matrix[:, k].T * ((1.0 - 2.0 * x[rows]) * (1.0 - 2.0 * x[rows, k])[:, None])
        f[rows, k] = q[k] - previous
        x[rows, k] = 1.0 - x[rows, k]


def search(landscape: Landscape, frustration: bool = False, restarts: int = RESTARTS, seed: int = SEED) -> Analysis:
    """Local minima by steepest descent from ``restarts`` random configurations (seeded).

    Each restart switches, while any switch lowers E, the actor whose switch lowers it most
    (the first such actor on ties); it ends in a local minimum. The distinct minima found are
    returned in the order of their first restart; ``basin`` counts the restarts ending in each.
    A search can miss minima with small basins: it is not an enumeration.
    """
    if not 1 <= restarts <= MAX_RESTARTS:
        raise InputError(Issue("--restarts", "", f"must be between 1 and {MAX_RESTARTS}, got {restarts}"))
    n = len(landscape.actors)
    q_matrix, q, _ = _weights(landscape)
    rng = np.random.default_rng(seed)
    x = descend(landscape, rng.integers(0, 2, size=(restarts, n))).astype(bool)
    x ^= x[:, :1]  # the mirror that keeps the first actor on the first side
    found, first, counts = np.unique(x, axis=0, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    sides = found[order]
    f = _frustrations(sides.astype(float), q_matrix, q)
    return Analysis(landscape, "search", sides, f @ landscape.sizes + 0.0, np.ones(len(sides), dtype=bool),
                    counts[order], f if frustration else None, restarts, seed)


def holding(landscape: Landscape, held: dict[int, bool], restarts: int = RESTARTS, seed: int = SEED) -> Analysis:
    """The local minima when actors `held` stay on given sides (actor index: True for the second
    side) and the others are free: no single switch of a free actor lowers E. With fewer than
    EXACT_LIMIT free actors, steepest descent (`descend`) starts from every configuration of the
    free actors, so that every such minimum is found and ``basin`` counts its basin exactly
    (method "enumeration"); beyond, from ``restarts`` random ones drawn with ``seed`` ("search").
    Returns the minima found, in the order of their first start."""
    n = len(landscape.actors)
    free = np.setdiff1d(np.arange(n), list(held))
    exhaustive = len(free) < EXACT_LIMIT
    count = 2 ** len(free) if exhaustive else restarts
    rng = np.random.default_rng(seed)
    movable = np.zeros(n, dtype=bool)
    movable[free] = True
    ends = []
    for begin in range(0, count, CHUNK):
        size = min(CHUNK, count - begin)
        x = np.zeros((size, n))
        x[:, free] = ((np.arange(begin, begin + size)[:, None] >> np.arange(len(free))) & 1 if exhaustive
                      else rng.integers(0, 2, size=(size, len(free))))
        for k, side in held.items():
            x[:, k] = float(side)
        ends.append(descend(landscape, x, np.broadcast_to(movable, x.shape)).astype(bool))
    x = np.concatenate(ends)
    x ^= x[:, :1]  # the mirror that keeps the first actor on the first side
    found, first, counts = np.unique(x, axis=0, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    sides = found[order]
    return Analysis(landscape, "enumeration" if exhaustive else "search", sides, energies(landscape, sides),
                    np.ones(len(sides), dtype=bool), counts[order], None, count, None if exhaustive else seed)


def near_minima(analysis: Analysis, movable: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """The local minima and every configuration one switch (of a `movable` actor, (n,) bool;
    default any) away from one, by ascending energy (a minimum before a neighbour of equal
    energy): their sides (m, n), energies (m,), the rank of the minimum each belongs to (0: the
    lowest; a configuration next to several, to the lowest) and the actor switched (-1 for a
    minimum itself)."""
    minima = analysis.minima()
    n = len(analysis.landscape.actors)
    found = analysis.sides[minima]
    movers = np.arange(n) if movable is None else np.flatnonzero(movable)
    neighbours = np.repeat(found, len(movers), axis=0)
    switched = np.tile(movers, len(minima))
    neighbours[np.arange(len(neighbours)), switched] ^= True
    sides = np.concatenate([found, neighbours])
    sides ^= sides[:, :1]  # the mirror that keeps the first actor on the first side
    rank = np.concatenate([np.arange(len(minima)), np.repeat(np.arange(len(minima)), len(movers))])
    actor = np.concatenate([np.full(len(minima), -1), switched])
    _, first = np.unique(sides, axis=0, return_index=True)
    first = np.sort(first)  # minima first, then neighbours by minimum: the first listing of each wins
    energy = energies(analysis.landscape, sides[first])
    order = np.argsort(energy, kind="stable")
    keep = first[order]
    return sides[keep], energy[order], rank[keep], actor[keep]


# --- input files ---------------------------------------------------------------------------------


def read_landscape(actors_csv: str | Path, propensities_csv: str | Path) -> Landscape:
    """The actors file (``actor,size``) and the propensities file (``a,b,propensity``, one row per
    unordered pair; a missing pair is 0). Every problem raises InputError with file and line."""
    actors, sizes = read_actors(actors_csv)
    return Landscape(actors, sizes, read_propensities(propensities_csv, actors))


def read_actors(path: str | Path) -> tuple[tuple[str, ...], np.ndarray]:
    file = str(path)
    names: dict[str, int] = {}
    sizes = []
    line = 1
    for line, row in _rows(path, ("actor", "size")):
        name = row["actor"]
        if not name:
            raise InputError(Issue(file, "actor", "is empty", line))
        if name in names:
            raise InputError(Issue(file, "actor", f"{name!r} is listed twice (lines {names[name]} and {line})", line))
        size = _number(file, "size", row["size"], line)
        if size <= 0:
            raise InputError(Issue(file, "size", f"must be greater than 0, got {row['size']!r}", line))
        names[name] = line
        sizes.append(size)
        if len(names) > MAX_ACTORS:
            raise InputError(Issue(file, "", f"more than {MAX_ACTORS} actors", line))
    if len(names) < 2:
        raise InputError(Issue(file, "", f"needs at least 2 actors, found {len(names)}", line))
    return tuple(names), np.array(sizes)


def read_propensities(path: str | Path, actors: tuple[str, ...]) -> np.ndarray:
    file = str(path)
    index = {name: i for i, name in enumerate(actors)}
    matrix = np.zeros((len(actors), len(actors)))
    given: dict[tuple[int, int], tuple[int, str]] = {}  # pair -> (line, text) of its first row
    for line, row in _rows(path, ("a", "b", "propensity")):
        for column in ("a", "b"):
            if row[column] not in index:
                raise InputError(Issue(file, column, f"unknown actor {row[column]!r} (not in the actors file)", line))
        i, j = index[row["a"]], index[row["b"]]
        if i == j:
            raise InputError(Issue(file, "b", f"a pair of {row['a']!r} with itself", line))
        value = _number(file, "propensity", row["propensity"], line)
        pair = (min(i, j), max(i, j))
        if pair in given and matrix[i, j] != value:
            first_line, first_text = given[pair]
            raise InputError(Issue(file, "propensity", f"the pair {row['a']}-{row['b']} is given {first_text} "
                                   f"on line {first_line} and {row['propensity']} here", line))
        given.setdefault(pair, (line, row["propensity"]))
        matrix[i, j] = matrix[j, i] = value
    return matrix


def _rows(path: str | Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) of a small UTF-8 CSV file with the given columns, cells stripped, blank lines skipped."""
    file = str(path)
    text = read_input_text(path, "a CSV file")
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise InputError(Issue(file, "", "contains NUL bytes (a binary file?)", line))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            raise InputError(Issue(file, "", f"is empty; expected a header {','.join(columns)}", 1))
        header = [cell.strip() for cell in header]
        missing = [c for c in columns if c not in header]
        if missing:
            raise InputError(Issue(file, "", f"missing column(s) {', '.join(missing)} in the header "
                                   f"(expected {','.join(columns)})", reader.line_num))
        duplicated = sorted({c for c in header if c and header.count(c) > 1})
        if duplicated:
            raise InputError(Issue(file, "", f"column(s) {', '.join(duplicated)} appear twice", reader.line_num))
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                raise InputError(Issue(file, "", f"{len(cells)} cells where the header has {len(header)}",
                                       reader.line_num))
            yield reader.line_num, {name: cell.strip() for name, cell in zip(header, cells)}
    except csv.Error as exc:
        raise InputError(Issue(file, "", f"cannot be read as CSV: {exc}", reader.line_num)) from None


def _number(file: str, column: str, text: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(Issue(file, column, f"expected a number, got {text!r}", line)) from None
    # a finite bound on |E| keeps every energy and frustration finite
    if not math.isfinite(value) or abs(value) > 1e100:
        raise InputError(Issue(file, column, f"expected a finite number of at most 1e100 in size, got {text!r}", line))
    return value
