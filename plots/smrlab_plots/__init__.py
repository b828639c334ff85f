"""The figures and the HTML report of one smrlab run.

Modules, one job each:

  data           reading results.csv, timeseries.csv and meta.json; checking them; shaping
                 the rows into what a figure plots (medians over trials, bounds, panels)
  style          what every figure shares: scheme colours and markers, the panel grid,
                 axes, legends, saving as PNG and SVG
  structure_kinds  each structure's kind (pool, deque, set; "other" when meta.json
                   does not say); structures grouped and ordered by kind
  throughput     throughput against threads
  memory_bound   unreclaimed peak against threads, beside each scheme's bound
  over_time      unreclaimed objects against time, one representative trial per scheme
  allocators     schemes compared across allocators (throughput, allocator bytes)
  compatibility  the scheme x structure compatibility matrix from meta.json
  report         index.html

plots/plot_results.py is the command that puts them together. The data shaping is kept
in plain functions so that tests check the numbers a figure draws.
"""
