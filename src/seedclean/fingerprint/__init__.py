"""What units are compared on: dedup keys, shingles, MinHash signatures, LSH band keys, and their compiled kernels."""
