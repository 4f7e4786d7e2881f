"""The scale controller: KEDA-exact scalers, a pure scaling rule, and scale targets (see DESIGN.md)."""
