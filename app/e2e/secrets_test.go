package e2e

import (
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Provider credentials that an older Admit stored in clear are encrypted at
// the next start and still connect the provider; a start with a secret.key
// that is not the database's stops with a message naming the key file.
func TestStoredSecretsSealedWithTheKey(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOpts{Admin: true})
	s.stop(t)
	data := filepath.Join(s.opt.Dir, "data")
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(data, "admit.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`INSERT INTO settings(key, value) VALUES ('payments.stripe', '{"secret_key":"sk_test_e2eStoredKey9876","webhook_secret":"whsec_e2eStored"}')`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s = s.restart(t)
	var info struct {
		Connected bool              `json:"connected"`
		Settings  map[string]string `json:"settings"`
	}
	token := s.login(t, adminEmail, adminPassword)
	if status := api(t, httpClient, "GET", s.base+"/api/v1/settings/payments/stripe", token, nil, &info); status != http.StatusOK ||
		!info.Connected || info.Settings["secret_key"] != "sk_test_••••9876" {
		t.Fatalf("after the start: %d %+v", status, info)
	}
	s.stop(t)
	var raw string
	if err := openReadOnly(t, filepath.Join(data, "admit.db")).QueryRow(`SELECT value FROM settings WHERE key = 'payments.stripe'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, "enc:v1:") || strings.Contains(raw, "e2eStored") {
		t.Fatalf("still in clear: %s", raw)
	}

	if err := os.WriteFile(filepath.Join(data, "secret.key"), []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, bin, s.opt.Dir, []string{"ADMIT_HTTP__ADDRESS=" + freeAddr(t)})
	if code == 0 || !strings.Contains(stderr, "secret.key") || !strings.Contains(stderr, "payments.stripe") {
		t.Fatalf("start with another secret.key: exit %d, stderr:\n%s", code, stderr)
	}
}
