-- Jobs are claimed with a lease: `owner` is the claiming process (host:pid:random),
-- `lease_until` (UTC text) when another process may take the job over. SQLite has one process
-- (a lock file refuses a second), but the runner works the same on both backends.

ALTER TABLE jobs ADD COLUMN owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_until TEXT;
