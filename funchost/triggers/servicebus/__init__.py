"""The Service Bus trigger: the listener (receive loops, sessions), lock renewal, settlement."""
