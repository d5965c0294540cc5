// Package assets embeds Admit's pages, email templates and translations so
// that the binary carries everything it serves.
package assets

import "embed"

// FS holds public/ (page templates and static files), admin/ (the admin
// UI's templates), email/ (mail templates) and i18n/ (one TOML file per
// language).
//
//go:embed public admin email i18n
var FS embed.FS
