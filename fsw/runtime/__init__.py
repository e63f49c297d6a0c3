"""What every flight process shares: the process loop, commands, events, telemetry, launch."""
