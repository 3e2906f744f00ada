package tracking

import (
	"context"
	"database/sql"
	"fmt"
)

// DeleteArtifact forgets an artifact whose file the runner removed (an older
// checkpoint), so that the record never lists a file that is gone.
func (s *Store) DeleteArtifact(ctx context.Context, runID, path string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM artifacts WHERE run_id = ? AND path = ?", runID, path); err != nil {
			return fmt.Errorf("tracking: deleting artifact %q of %s: %w", path, runID, err)
		}
		return nil
	})
}
