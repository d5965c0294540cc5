package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/admit/admit/app/config"
	"github.com/admit/admit/app/jobs"
	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/metrics"
	"github.com/admit/admit/app/recordings"
	"github.com/admit/admit/app/store"
	"github.com/admit/admit/app/ticketing"
)

// schedule builds the scheduler with every background job (not started).
func schedule(cfg config.Config, log *slog.Logger, counts *metrics.Metrics, db *store.Store, tickets *ticketing.Service,
	dispatcher *mail.Dispatcher, uploads *recordings.Uploads) (*jobs.Scheduler, error) {
	sched := jobs.New(jobs.Options{Log: log, Observe: counts.Job})
	for _, j := range []jobs.Job{
		jobs.Outbox(dispatcher.Run, tickets.ReportMailFailures),
		jobs.Holds(tickets.ExpireHolds),
		jobs.OfflinePayments(tickets.ExpireOfflinePayments),
		jobs.Reminders(tickets.SendDueReminders),
		jobs.Waitlist(tickets.OfferSeats),
		jobs.Tiers(tickets.ReportEndedTiers),
		jobs.Authorizations(tickets.CheckAuthorizations),
		jobs.RecordingsExpiry(tickets.ExpireRecordings),
		jobs.Refunds(tickets.SendDueRefunds),
		jobs.Reconcile(tickets.Reconcile),
		jobs.Webhooks(tickets.DeliverWebhooks),
		jobs.ProviderFees(tickets.LookUpFees),
		jobs.Cleanup(tickets.ForgetIdempotency, time.Now),
		jobs.Uploads(uploads.Clean, time.Now),
	} {
		if err := sched.Add(j); err != nil {
			return nil, err
		}
	}
	return sched, addHousekeeping(sched, cfg, db)
}

// addHousekeeping schedules the WAL checkpoint (unless a replication tool
// does it: data.replicated) and the backups (when backup.dir is set).
func addHousekeeping(sched *jobs.Scheduler, cfg config.Config, db *store.Store) error {
	if !cfg.Data.Replicated {
		if err := sched.Add(jobs.Checkpoint(db.Checkpoint)); err != nil {
			return err
		}
	}
	if cfg.Backup.Dir == "" {
		return nil
	}
	every, _ := cfg.BackupEvery() // checked by config.Load
	dbPath := DBPath(cfg)
	return sched.Add(jobs.Backup(jobs.Backups{Dir: cfg.Backup.Dir, Every: every, Keep: cfg.Backup.Keep, Now: time.Now,
		Copy:  func(ctx context.Context, dest string) error { return store.Backup(ctx, dbPath, dest) },
		Check: store.CheckFile}))
}
