package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// backupLayout names a scheduled backup by the time it was made (UTC), so
// that the names sort as the times.
const backupLayout = "admit-20060102-150405.db"

// Backups are the scheduled backups (backup.dir, backup.every, backup.keep).
type Backups struct {
	Dir   string
	Every time.Duration
	Keep  int
	// Copy writes a consistent copy of the database to dest (store.Backup).
	Copy func(ctx context.Context, dest string) error
	// Check fails unless the file at path passes PRAGMA integrity_check
	// (store.CheckFile).
	Check func(ctx context.Context, path string) error
	Now   func() time.Time
}

// Backup makes a backup every b.Every, checks it, and only then removes
// the oldest beyond b.Keep; a backup that fails its check is removed and
// the older ones kept.
func Backup(b Backups) Job {
	return Func{JobName: "backup", Spec: "@every " + b.Every.String(), Fn: b.run}
}

func (b Backups) run(ctx context.Context) error {
	if err := os.MkdirAll(b.Dir, 0o750); err != nil {
		return fmt.Errorf("backup.dir: %w", err)
	}
	dest := filepath.Join(b.Dir, b.Now().UTC().Format(backupLayout))
	if err := b.Copy(ctx, dest); err != nil {
		return err
	}
	if err := b.Check(ctx, dest); err != nil {
		return errors.Join(err, os.Remove(dest))
	}
	entries, err := os.ReadDir(b.Dir)
	if err != nil {
		return err
	}
	var backups []string
	for _, e := range entries {
		if _, err := time.Parse(backupLayout, e.Name()); err == nil && e.Type().IsRegular() {
			backups = append(backups, e.Name())
		}
	}
	slices.Sort(backups)
	var errs []error
	for len(backups) > b.Keep {
		errs = append(errs, os.Remove(filepath.Join(b.Dir, backups[0])))
		backups = backups[1:]
	}
	return errors.Join(errs...)
}
