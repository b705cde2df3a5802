"""From fingerprints to decisions: exact groups, candidate pairs, verification, components,
stars, the keep decision, and the dedup engine that runs them."""
