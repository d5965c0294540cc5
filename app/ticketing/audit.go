package ticketing

import (
	"context"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// RecordAudit writes an administrator's action to the audit log, unless
// the write that made the change wrote it already (store.WithAudit).
func (s *Service) RecordAudit(ctx context.Context, a *store.Audit) error {
	return s.store.RecordAudit(ctx, a)
}

// AuditLog reads the audit log, newest first.
func (s *Service) AuditLog(ctx context.Context, f model.AuditFilter) ([]*model.AuditEntry, error) {
	return s.store.AuditLog(ctx, f)
}

// RecordRefusal writes a refused action to the audit log, a burst of the
// same one as one row (store.RecordRefusal).
func (s *Service) RecordRefusal(ctx context.Context, e *model.AuditEntry) error {
	return s.store.RecordRefusal(ctx, e)
}
