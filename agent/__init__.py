"""cosmo_agent.agent"""
