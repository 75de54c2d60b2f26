"""Synergy stage: NMF muscle synergies and the SynergyBasis artifact."""
