"""Extra held-out TEST conversations: fresh worlds (seeds 1000+), every id in the test split
(held-out phrasings), the same teacher and agreement filter as the main corpus."""
import json
import sys

from cosmo_agent.agent.teacher import RulesTeacher
from cosmo_agent.model.corpus import build_corpus

out, n_worlds, per_world = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
m = build_corpus(RulesTeacher(), out, n_worlds=n_worlds, per_world=per_world, seed=1000,
                 fractions=(0.0, 0.0, 1.0))
print(json.dumps({"counts": m.data["counts"],
                  "teacher": {k: v for k, v in m.data["teacher"].items() if k != "examples"}}))
