from mlops_desktop.cli import main

raise SystemExit(main())
