package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/admit/admit/app/config"
	"github.com/admit/admit/app/server"
)

// TestExampleDocumentsEveryKey: config.example.toml lists every key, the
// registered payment providers' sections included, with the default, and
// loads as it is.
func TestExampleDocumentsEveryKey(t *testing.T) {
	body, err := os.ReadFile("config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	section := ""
	var keys []string
	for _, line := range strings.Split(string(body), "\n") {
		if m := regexp.MustCompile(`^\[(\w+)\]`).FindStringSubmatch(line); m != nil {
			section = m[1]
		} else if m := regexp.MustCompile(`^(\w+) =`).FindStringSubmatch(line); m != nil {
			keys = append(keys, section+"."+m[1])
		}
	}
	slices.Sort(keys)
	sections := server.ConfigSections(providers())
	if want := config.Keys(sections...); !slices.Equal(keys, want) {
		t.Fatalf("example keys %v\nknown keys   %v", keys, want)
	}
	c, err := config.Load("config.example.toml", sections...)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := config.Load("", sections...)
	if !reflect.DeepEqual(c, d) {
		t.Fatalf("the example's values differ from the defaults:\n%+v\n%+v", c, d)
	}
}

// TestProviderSettingsChecked: a provider's configuration is checked as
// its module says, and the error names the key.
func TestProviderSettingsChecked(t *testing.T) {
	for _, c := range []struct{ env, value, key string }{
		{"ADMIT_PAYPAL__MODE", "prod", "paypal.mode"},
		{"ADMIT_STRIPE__API_BASE", "localhost:12111", "stripe.api_base"},
	} {
		t.Setenv(c.env, c.value)
		_, err := config.Load("", server.ConfigSections(providers())...)
		var fe *config.FieldError
		if !errors.As(err, &fe) || fe.Key != c.key {
			t.Errorf("%s=%s: %v, want an error on %s", c.env, c.value, err, c.key)
		}
		os.Unsetenv(c.env)
	}
	t.Setenv("ADMIT_STRIPE__API_BASE", "http://stripe-mock:12111") // the operator's file may point anywhere
	if _, err := config.Load("", server.ConfigSections(providers())...); err != nil {
		t.Errorf("a test double on another host: %v", err)
	}
}

// TestEveryProviderRunsTheContract: each registered provider is a folder
// under plugins/ whose tests run the paymenttest contract suite with its
// Module.
func TestEveryProviderRunsTheContract(t *testing.T) {
	for _, name := range providers().Names() {
		files, _ := filepath.Glob(filepath.Join("plugins", name, "*_test.go"))
		found := false
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			found = found || (strings.Contains(string(b), "paymenttest.Run(") && strings.Contains(string(b), "Module: "))
		}
		if !found {
			t.Errorf("provider %s: no test in plugins/%s runs paymenttest.Run with its Module", name, name)
		}
	}
}
