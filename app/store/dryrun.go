package store

import "github.com/admit/admit/app/model"

// Marks are the newest outbox and refund ids: what a transaction queues
// after them is what it added (a preview reads it, then rolls back).
type Marks struct{ Mail, Refund int64 }

// Marks reads where the outbox and the refunds stand.
func (t *Tx) Marks() (Marks, error) {
	var m Marks
	err := t.queryRow("dryrun-marks").Scan(&m.Mail, &m.Refund)
	return m, err
}

// MailsSince lists the messages queued after m, by id.
func (t *Tx) MailsSince(m Marks) ([]model.OutboxMail, error) {
	rows, err := t.stmt("dryrun-mails").QueryContext(t.ctx, m.Mail)
	return collect(rows, err, values(scanMail))
}

// RefundsSince lists the refunds queued after m, by id.
func (t *Tx) RefundsSince(m Marks) ([]*model.Refund, error) {
	rows, err := t.stmt("dryrun-refunds").QueryContext(t.ctx, m.Refund)
	return collect(rows, err, scanRefund)
}
