"""Run sobctl as ``python -m sobctl``."""

from sobctl.cli.app import main

if __name__ == "__main__":
    main()
