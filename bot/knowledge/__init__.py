"""The rights knowledge base: instruments, topics and the referral directory, as data."""
