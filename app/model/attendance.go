package model

import "time"

// Attendance is a registration's joining of one session: it opened its join
// link while the session's room was open.
type Attendance struct {
	RegistrationID int64
	SessionID      int64
	// FirstAt and LastAt are the first and last time the link was opened
	// during the session; Opens how many times.
	FirstAt, LastAt time.Time
	Opens           int64
}
