"""Code every Countersign service uses: settings, events, db, broker, errors, logging."""
