"""Digests: what a buyer reads, assembled from the order files, rendered as text, JSON or HTML, and delivered."""
