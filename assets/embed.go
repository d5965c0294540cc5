// Package assets embeds Admit's pages, email templates and translations so
// that the binary carries everything it serves.
package assets

import "embed"

// FS holds public/ (page templates and static files), email/ (mail
// templates) and i18n/ (one TOML file per language).
//
//go:embed public email i18n
var FS embed.FS
