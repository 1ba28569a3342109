import multiprocessing

if __name__ == "__main__":
    # In the frozen app, worker processes and the forkserver are this same executable started with
    # multiprocessing's own arguments: run their part here, before the CLI reads argv.
    multiprocessing.freeze_support()
    from mlops_desktop.cli import main

    raise SystemExit(main())
