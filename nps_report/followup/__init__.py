"""The outer loop: what owners did about the recommended actions, and what came of it."""
