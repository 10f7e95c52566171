"""Digests per buyer at their local time: when they are due (pure) and the scheduler that sends them."""
