package store

import "database/sql"

// Reading many rows: every multi-row read goes through eachRow, with a
// scan function that reads one row (the same one a single-row read uses
// where there is one).

// scanner is one row to read: a *sql.Row or the current row of *sql.Rows.
type scanner interface{ Scan(...any) error }

// eachRow calls fn on every row (rows and err as QueryContext gave them)
// and closes rows. It stops at fn's first error; otherwise it reports the
// iteration's error (rows.Err) or, failing that, Close's.
func eachRow(rows *sql.Rows, err error, fn func(scanner) error) (rerr error) {
	if err != nil {
		return err
	}
	defer func() {
		if err := rows.Close(); rerr == nil {
			rerr = err
		}
	}()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// collect scans every row with scan, in order (an empty slice, never nil,
// when there is none).
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	out := []T{}
	err = eachRow(rows, err, func(r scanner) error {
		v, err := scan(r)
		if err == nil {
			out = append(out, v)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// collectMap scans every row with scan into a map (a later row with the
// same key wins).
func collectMap[K comparable, V any](rows *sql.Rows, err error, scan func(scanner) (K, V, error)) (map[K]V, error) {
	out := map[K]V{}
	err = eachRow(rows, err, func(r scanner) error {
		k, v, err := scan(r)
		if err == nil {
			out[k] = v
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// values adapts a scan function giving pointers to one giving values.
func values[T any](scan func(scanner) (*T, error)) func(scanner) (T, error) {
	return func(r scanner) (T, error) {
		p, err := scan(r)
		if err != nil {
			var zero T
			return zero, err
		}
		return *p, nil
	}
}

// scanOne reads a row of one column.
func scanOne[T any](r scanner) (T, error) {
	var v T
	err := r.Scan(&v)
	return v, err
}

// idSet reads rows of one id column into a set.
func idSet(rows *sql.Rows, err error) (map[int64]bool, error) {
	return collectMap(rows, err, func(r scanner) (int64, bool, error) {
		id, err := scanOne[int64](r)
		return id, true, err
	})
}
