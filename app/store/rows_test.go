package store

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestCollect drives the one row loop: every row in order, an empty result
// that is not nil, the first error of a scan, of the query or of the
// iteration, and the connection given back in every case.
func TestCollect(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	const numbers = "SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3"
	// abs() of the smallest integer fails while the second row is stepped.
	const failsMidway = "SELECT CASE WHEN x = 2 THEN abs(-9223372036854775807 - 1) ELSE x END FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3)"
	errStop := errors.New("stop")
	tests := []struct {
		name    string
		query   string
		scan    func(scanner) (int64, error)
		want    []int64
		wantErr string
	}{
		{name: "rows in order", query: numbers, scan: scanOne[int64], want: []int64{1, 2, 3}},
		{name: "no row", query: "SELECT 1 WHERE 0", scan: scanOne[int64], want: []int64{}},
		{name: "query fails", query: "SELECT nope", scan: scanOne[int64], wantErr: "no such column"},
		{name: "scan fails", query: numbers, scan: func(r scanner) (int64, error) {
			v, err := scanOne[int64](r)
			if v == 2 {
				return 0, errStop
			}
			return v, err
		}, wantErr: "stop"},
		{name: "iteration fails", query: failsMidway, scan: scanOne[int64], wantErr: "overflow"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := s.w.QueryContext(ctx, tc.query)
			got, err := collect(rows, err, tc.scan)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || got != nil {
					t.Fatalf("collect = %v, %v; want nil and an error with %q", got, err, tc.wantErr)
				}
			} else if err != nil || got == nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("collect = %#v, %v; want %v", got, err, tc.want)
			}
			if n := s.w.Stats().InUse; n != 0 {
				t.Fatalf("%d connections still in use: the rows were not closed", n)
			}
		})
	}
}

func TestCollectMap(t *testing.T) {
	s := openTest(t)
	rows, err := s.r.QueryContext(context.Background(), "SELECT 1, 'a' UNION ALL SELECT 2, 'b' UNION ALL SELECT 1, 'c'")
	got, err := collectMap(rows, err, func(r scanner) (int64, string, error) {
		var k int64
		var v string
		err := r.Scan(&k, &v)
		return k, v, err
	})
	if want := map[int64]string{1: "c", 2: "b"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("collectMap = %v, %v; want %v (a later row wins)", got, err, want)
	}
	if n := s.r.Stats().InUse; n != 0 {
		t.Fatalf("%d connections still in use: the rows were not closed", n)
	}
}
