"""cosmo_agent.tools"""
