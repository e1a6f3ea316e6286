"""Saathi: a rights companion for migrant workers, on Telegram and in the terminal."""
