"""``python -m cosmo_agent.agent.daemon --mission FLEET.yaml``."""

import sys

from cosmo_agent.agent.daemon.command import main

sys.exit(main())
