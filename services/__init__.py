"""The four Countersign services, the operator CLI and the local dev stack."""
