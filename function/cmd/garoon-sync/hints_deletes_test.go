package main

import (
	"fmt"
	"testing"

	"garoon-calendar-sync/function/internal/syncer"
)

// The engine's ErrTooManyDeletes says only what happened; the CLI names the
// way out, for the place the secret came from.
func TestFixRunTooManyDeletes(t *testing.T) {
	err := fmt.Errorf("%w: 11 delete notices, the limit is 10; nothing was changed", syncer.ErrTooManyDeletes)
	for _, tc := range []struct {
		place secretPlace
		want  string
	}{
		{secretPlace{id: "garoon-calendar-sync/prod", env: "prod"},
			"check the deletes with `garoon-sync run --env prod --dry-run --max-deletes -1`; if they are real, run once with a higher limit (--max-deletes N, or GAROON_SYNC_MAX_DELETES)"},
		{secretPlace{file: "secret.json"},
			"check the deletes with `garoon-sync run --secret-file secret.json --dry-run --max-deletes -1`; if they are real, run once with a higher limit (--max-deletes N, or GAROON_SYNC_MAX_DELETES)"},
	} {
		if got := tc.place.fixRun(err, false); got != tc.want {
			t.Errorf("fixRun(%+v) = %q, want %q", tc.place, got, tc.want)
		}
	}
}
