"""Detector cards (TOML), installed as package data ``higgsino_sim.detector_cards``."""
