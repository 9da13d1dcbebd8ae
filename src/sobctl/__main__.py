"""Run sobctl as ``python -m sobctl``."""

if __name__ == "__main__":
    import gc

    gc.disable()  # from the first import on: one process, one command (see sobctl.cli.app.main)

    from sobctl.cli.app import run

    run()
