"""The channel-free dialogue engine: Messages in, Replies out."""
