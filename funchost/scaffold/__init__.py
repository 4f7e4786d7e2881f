"""Project and function scaffolding: ``funchost init``, ``funchost new`` and ``funchost templates``.

The API lives in :mod:`funchost.scaffold.project` (new projects) and :mod:`funchost.scaffold.functions`
(the function template catalogue and adding a function to ``function_app.py``).
"""
