"""The nine tools of the public contract (being split into one module per tool family)."""

from cosmo_agent.tools.toolkit.conjunctions import *  # noqa: F403
from cosmo_agent.tools.toolkit.conjunctions import __all__ as __all__
