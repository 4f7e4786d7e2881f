"""The benchmarks (run as scripts: bench/http.py, bench/events.py, bench/scale.py) and the packages behind them."""
