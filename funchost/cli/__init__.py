"""The `funchost` command line: init, new, templates, start, functions."""
