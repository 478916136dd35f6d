"""Cosmo Agent: a satellite-operations agent with a verified orbital core.

The public names live in the layer packages (``cosmo_agent.orbital``,
``cosmo_agent.tools``, ``cosmo_agent.agent``, ``cosmo_agent.model``); this facade
re-exports the few that embedding software needs most.

>>> from cosmo_agent import Catalog
>>> Catalog.__name__
'Catalog'
"""

from cosmo_agent.orbital import Catalog

__all__ = ["Catalog", "__version__"]

__version__ = "0.1.0"
