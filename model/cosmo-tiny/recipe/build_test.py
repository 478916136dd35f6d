"""Held-out TEST conversations: fresh worlds (seeds 1000+, never trained on), every id in the
test split (held-out and blind phrasings), the same teacher as the main corpus; requests the
rules teacher misreads are kept as guided examples (their labels are the intended calls).

Usage: python build_test.py OUT N_WORLDS PER_WORLD [SEED]   (SEED 1000: the test set; the
decoding settings were chosen on a development set of other worlds, SEED 2000)."""
import json
import sys

from cosmo_agent.agent.teacher import RulesTeacher
from cosmo_agent.model.corpus import build_corpus

out, n_worlds, per_world = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
m = build_corpus(RulesTeacher(), out, n_worlds=n_worlds, per_world=per_world, seed=seed,
                 fractions=(0.0, 0.0, 1.0))
print(json.dumps({"counts": m.data["counts"],
                  "teacher": {k: v for k, v in m.data["teacher"].items() if k != "examples"}}))
