package model

import "time"

// MailTokenRotated carries a registrant's new access link after the
// organizer replaced the old one.
const MailTokenRotated = "token_rotated"

// View is a device starting to watch a recording through a registration's
// access link.
type View struct {
	ID             int64
	RegistrationID int64
	RecordingID    int64
	// Title is the recording's title when the view started.
	Title string
	// Device is the opaque id the stream link was bound to.
	Device    string
	ClientIP  string
	UserAgent string
	StartedAt time.Time
}
