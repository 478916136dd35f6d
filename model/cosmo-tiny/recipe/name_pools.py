"""Write the names the training worlds use into a model directory's generation config
(``cosmo_name_surrogates``): the names Cosmo reads in place of a mission's unlearned ones.

Usage: python name_pools.py MODEL_DIR"""
import json
import sys
from pathlib import Path

from cosmo_agent.agent.teacher import RulesTeacher

path = Path(sys.argv[1]) / "generation_config.json"
config = json.loads(path.read_text(encoding="utf-8"))
config["cosmo_name_surrogates"] = RulesTeacher.learned_names()
path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
print({k: len(v) for k, v in config["cosmo_name_surrogates"].items()})
