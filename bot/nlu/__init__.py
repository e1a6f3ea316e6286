"""Understanding what a worker typed: Rasa client, language identification, safety net."""
