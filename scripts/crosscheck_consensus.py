"""Check maillage.core.consensus against pref_voting on random profiles (developer tool, not part of the tests).

pref_voting is not a dependency of Maillage (it brings numba, ortools, matplotlib, seaborn and networkx among
its 14 requirements); install it in a separate environment:

    python3 -m venv /tmp/pv && /tmp/pv/bin/pip install pref_voting==1.18.2
    /tmp/pv/bin/python scripts/crosscheck_consensus.py [PROFILES]

Profiles: 3 to 5 candidates, an odd number of voters from 5 to 41, each ballot a random linear order. Schulze's
winners must be the same set as pref_voting's beat path; our ranked-pairs winner (one tie-breaking rule) must be
among pref_voting's ranked-pairs winners (every tie-breaking rule).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pref_voting.margin_based_methods import beat_path, ranked_pairs
from pref_voting.profiles import Profile

from maillage.core import consensus


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    rng = random.Random(2026)
    same_schulze = same_pairs = 0
    for _ in range(count):
        m = rng.randint(3, 5)
        candidates = list(range(m))
        ballots = [rng.sample(candidates, m) for _ in range(rng.choice(range(5, 42, 2)))]
        names = [str(c) for c in candidates]
        ours = [[str(c) for c in ballot] for ballot in ballots]
        profile = Profile(ballots)
        same_schulze += sorted(consensus.schulze(ours, names).winners) == sorted(str(c) for c in beat_path(profile))
        same_pairs += set(consensus.ranked_pairs(ours, names).winners) <= {str(c) for c in ranked_pairs(profile)}
    print(
        f"{count} profiles: Schulze winners identical in {same_schulze}; "
        f"ranked-pairs winner among pref_voting's in {same_pairs}"
    )
    return 0 if same_schulze == same_pairs == count else 1


if __name__ == "__main__":
    raise SystemExit(main())
