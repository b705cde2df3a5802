"""``python -m seedclean``: the same command line as ``seedclean``."""

from seedclean.cli import main

if __name__ == "__main__":
    main()
