"""The typed callback context that hands Telegram handlers the dialogue engine."""

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.engine.dialogue import DialogueEngine


class SaathiContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Callback context that hands handlers the dialogue engine."""

    @property
    def engine(self) -> DialogueEngine:
        """Return the engine opened in post_init."""
        engine: DialogueEngine = self.application.bot_data["engine"]
        return engine


SaathiApp = Application[Any, SaathiContext, Any, Any, Any, Any]
