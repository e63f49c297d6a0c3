"""The message bus: ZeroMQ transport, topic registry, message schemas, sequence numbers."""
