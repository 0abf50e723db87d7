"""Settings split by environment: base, dev (the default), test and prod."""
