package web

import "strings"

func joinLocales(l []string) string { return strings.Join(l, ", ") }
