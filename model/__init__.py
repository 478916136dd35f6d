"""cosmo_agent.model"""
