-- Jobs are claimed with a lease so that several processes run each job once: `owner` is the
-- claiming process (host:pid:random), `lease_until` when another process may take it over.

ALTER TABLE jobs ADD COLUMN owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_until TIMESTAMPTZ;
