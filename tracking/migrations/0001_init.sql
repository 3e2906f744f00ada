-- 0001: the first schema of the exp store. docs/schema.md describes every
-- table and column; a test keeps the two in step.
--
-- Times are text, UTC, fixed width: 2006-01-02T15:04:05.000000000Z, so that
-- they are valid RFC 3339 and sort as text in time order.

CREATE TABLE experiments (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE CHECK (name <> ''),
	created_at TEXT NOT NULL
);

CREATE TABLE sweeps (
	id            TEXT PRIMARY KEY CHECK (length(id) = 12 AND id NOT GLOB '*[^0-9a-f]*'),
	experiment_id INTEGER NOT NULL REFERENCES experiments (id),
	source        TEXT NOT NULL,
	config_hash   TEXT NOT NULL,
	method        TEXT NOT NULL,
	target        TEXT NOT NULL DEFAULT '',
	goal          TEXT NOT NULL DEFAULT '',
	parallel      INTEGER NOT NULL,
	n_trials      INTEGER NOT NULL,
	status        TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'interrupted', 'stopped')),
	created_at    TEXT NOT NULL,
	finished_at   TEXT
);
CREATE INDEX sweeps_config_hash ON sweeps (config_hash, created_at);

CREATE TABLE runs (
	id                  TEXT PRIMARY KEY CHECK (length(id) = 12 AND id NOT GLOB '*[^0-9a-f]*'),
	experiment_id       INTEGER NOT NULL REFERENCES experiments (id),
	sweep_id            TEXT REFERENCES sweeps (id),
	trial_index         INTEGER,
	status              TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'interrupted', 'stopped')),
	error               TEXT NOT NULL DEFAULT '',
	seed                INTEGER NOT NULL,
	source              TEXT NOT NULL,
	filename            TEXT NOT NULL DEFAULT '',
	config_hash         TEXT NOT NULL,
	params_json         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params_json)),
	tool_version        TEXT NOT NULL DEFAULT '',
	go_version          TEXT NOT NULL DEFAULT '',
	vcs_revision        TEXT NOT NULL DEFAULT '',
	blas_backend        TEXT NOT NULL DEFAULT '',
	threads             INTEGER NOT NULL DEFAULT 0,
	host                TEXT NOT NULL DEFAULT '',
	pid                 INTEGER NOT NULL DEFAULT 0,
	data_checksums_json TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data_checksums_json)),
	started_at          TEXT NOT NULL,
	finished_at         TEXT,
	heartbeat_at        TEXT,
	run_dir             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_started ON runs (started_at);
CREATE INDEX runs_experiment ON runs (experiment_id, started_at);
CREATE INDEX runs_sweep ON runs (sweep_id, trial_index);
CREATE INDEX runs_status ON runs (status);

-- value is NULL where the logged value was NaN: SQLite stores a bound NaN as
-- NULL, so the store reads NULL back as NaN. Infinities are stored as such.
CREATE TABLE metrics (
	run_id    TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	name      TEXT NOT NULL CHECK (name <> ''),
	step      INTEGER NOT NULL,
	epoch     INTEGER NOT NULL,
	value     REAL,
	wall_time REAL NOT NULL,
	PRIMARY KEY (run_id, name, step)
) WITHOUT ROWID;

CREATE TABLE artifacts (
	run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL CHECK (kind <> ''),
	path       TEXT NOT NULL CHECK (path <> ''),
	sha256     TEXT NOT NULL,
	step       INTEGER,
	created_at TEXT NOT NULL,
	PRIMARY KEY (run_id, path)
) WITHOUT ROWID;
