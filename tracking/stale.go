package tracking

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// MarkStale marks as interrupted the runs left running whose last sign of
// life (heartbeat, else start) is older than d, or whose process is gone
// from this host. d <= 0 skips the age test. Their end time becomes that
// last sign of life. It returns how many runs it marked.
func (s *Store) MarkStale(ctx context.Context, d time.Duration) (n int, err error) {
	now := s.now()
	err = s.write(ctx, func(tx *sql.Tx) error {
		type cand struct {
			id, host, last string
			pid            int
		}
		rows, err := tx.QueryContext(ctx,
			"SELECT id, host, pid, coalesce(heartbeat_at, started_at) FROM runs WHERE status = 'running' ORDER BY id")
		if err != nil {
			return fmt.Errorf("tracking: mark stale: %w", err)
		}
		var cands []cand
		for rows.Next() {
			var c cand
			if err := rows.Scan(&c.id, &c.host, &c.pid, &c.last); err != nil {
				rows.Close()
				return fmt.Errorf("tracking: mark stale: %w", err)
			}
			cands = append(cands, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("tracking: mark stale: %w", err)
		}
		for _, c := range cands {
			last, err := parseTime(c.last)
			if err != nil {
				return err
			}
			var reason string
			switch {
			case d > 0 && now.Sub(last) > d:
				reason = fmt.Sprintf("interrupted: no heartbeat since %s (over %s)", c.last, d)
			case c.host != "" && c.host == s.host && c.pid > 0 && !s.alive(c.pid):
				reason = fmt.Sprintf("interrupted: process %d on %s is gone", c.pid, c.host)
			default:
				continue
			}
			res, err := tx.ExecContext(ctx,
				"UPDATE runs SET status = 'interrupted', error = ?, finished_at = ? WHERE id = ? AND status = 'running'",
				reason, c.last, c.id)
			if err != nil {
				return fmt.Errorf("tracking: mark stale %s: %w", c.id, err)
			}
			k, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("tracking: mark stale %s: %w", c.id, err)
			}
			n += int(k)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
