"""Running simulations: the Monte Carlo driver, its results, executors (local processes or Dask), batch sweeps, reruns and benchmarks."""
