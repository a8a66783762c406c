"""The event backbone: CloudEvents envelope, contracts, topology, outbox, relay, consumers."""
