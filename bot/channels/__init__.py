"""Channel adapters around the dialogue engine: terminal and Telegram."""
