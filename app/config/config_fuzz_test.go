package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: whatever a config file holds, Load does not panic; and a key
// that is not one of Keys() is always refused, wherever it is written.
func FuzzLoad(f *testing.F) {
	f.Add("[http]\naddress = \"127.0.0.1:8080\"\n", "http", "adress")
	f.Add("[smtp]\nport = 99999\n", "smtp", "host")
	f.Add("[reminders]\noffsets = [\"24h\", \"-1h\"]\n", "reminders", "offset")
	f.Add("data = 1\n", "", "data")
	f.Add("[[http]]\n", "http.x", "")
	f.Add("= =\n[", "log", "format")
	f.Fuzz(func(t *testing.T, file, section, key string) {
		dir := t.TempDir()
		path := filepath.Join(dir, "admit.toml")
		if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _ = Load(path) // any outcome but a panic

		known := map[string]bool{}
		for _, k := range Keys() {
			known[k] = true
		}
		full := key
		line := quote(key) + " = \"1\"\n"
		if section != "" {
			full = section + "." + key
			line = "[" + quote(section) + "]\n" + line
		}
		if known[full] {
			return
		}
		if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path); err == nil {
			t.Fatalf("Load accepted the unknown key %q:\n%s", full, line)
		}
	})
}

// quote writes s as a TOML quoted key (JSON's string syntax is TOML's).
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
