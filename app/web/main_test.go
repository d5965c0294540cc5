package web

import (
	"os"
	"sync"
	"testing"

	"github.com/admit/admit/plugins/stripe/stripetest"
)

var stripeMock struct {
	once sync.Once
	m    *stripetest.Mock
	err  error
}

// mockURL starts stripe-mock once for the package.
func mockURL(t *testing.T) string {
	t.Helper()
	stripeMock.once.Do(func() { stripeMock.m, stripeMock.err = stripetest.Start() })
	if stripeMock.err != nil {
		stripetest.Missing(t, stripeMock.err)
	}
	return stripeMock.m.URL
}

func TestMain(m *testing.M) {
	code := m.Run()
	if stripeMock.m != nil {
		stripeMock.m.Close()
	}
	os.Exit(code)
}
