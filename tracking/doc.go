// Package tracking is exp's record of what ran: a SQLite database holding
// experiments, sweeps, runs (source, resolved parameters, seed, provenance,
// status), metric series and artifacts.
//
// It owns the schema and its migrations (migrations/NNNN_name.sql, embedded,
// applied in order on Open, each in its own BEGIN IMMEDIATE transaction and
// recorded in schema_migrations), the connection settings, and every query
// the commands need. docs/schema.md describes the schema for people who open
// the file with sqlite3; a test keeps it in step with the real one.
//
// Invariants:
//   - Every write goes through one connection and begins IMMEDIATE, so a
//     write never fails half-way for lack of a lock; parallel processes wait
//     for each other through the busy timeout instead.
//   - Run and sweep ids are 12 lowercase hex characters drawn from
//     crypto/rand, so runs recorded in separate files merge without clashes.
//   - Times are stored as fixed-width RFC 3339 UTC text with nanoseconds;
//     they sort as text in time order. Store.Now is the clock.
//   - A metric row is keyed by (run, name, step); logging a step again
//     replaces it, so a resumed run never duplicates rows. A NaN value is
//     stored as NULL and read back as NaN.
//   - Every value that comes from a user is a bound parameter; the few
//     identifiers a caller may choose (sort keys) come from an allow-list.
//
// It refuses to: know about HCL, tensors or training; log; write files other
// than the database (artifacts are recorded here, written by the runner);
// decide what a metric means.
package tracking
