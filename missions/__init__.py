"""The demo missions, shipped as package data: ``load_mission("bundled:demo.yaml")``.

Each ``*.yaml`` here runs offline on the data bundled with :mod:`cosmo_agent.tools`;
``cosmo-agent plan bundled:demo.yaml`` works from any folder once the package is installed.
"""

__all__: list[str] = []
