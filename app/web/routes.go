package web

import (
	"github.com/gofiber/fiber/v2"
)

// routes is the whole HTTP surface, in one table.
func (s *Server) routes(app *fiber.App) {
	app.Use(s.recoverer, s.requestID, s.findClient, s.accessLog, s.securityHeaders, s.boundedBodies, s.plainBodies)

	app.Get("/healthz", s.health)
	// Prometheus, for metrics.token or an administrator's API token.
	app.Get("/metrics", s.metricsPage)
	app.Get("/static/*", s.static)
	// The organization's logo and accent colours (branding.go).
	app.Get("/branding/logo", s.brandLogo)
	app.Get("/branding/style.css", s.brandStyle)

	// Public pages and API. Whatever writes or probes counts against the
	// client's limitPublic allowance, joining the waiting list included.
	app.Get("/e/:slug", s.eventPage)
	app.Post("/e/:slug", s.limitPublic, s.eventPageRegister)
	app.Post("/e/:slug/waitlist", s.limitPublic, s.eventPageWaitlist)
	app.Get("/api/v1/public/events/:slug", s.publicEvent)
	app.Get("/api/v1/public/events/:slug/quote", s.limitPromoQuote, s.publicQuote)
	app.Post("/api/v1/public/events/:slug/registrations", s.limitPublic, s.register)
	app.Post("/api/v1/public/events/:slug/waitlist", s.limitPublic, s.joinWaitlist)

	// Payments: provider webhooks and the buyer's way back from checkout.
	app.Post("/webhooks/:provider", s.webhook)
	app.Get("/pay/:provider/return", s.limitPublic, s.payReturn)
	app.Get("/pay/:provider/cancel", s.limitPublic, s.payCancel)
	app.Get("/pay/:provider/status", s.payStatus)

	// The registrant's personal link.
	app.Get("/a/:token", s.accessPage)
	app.Get("/api/v1/access/:token", s.accessJSON)
	app.Get("/a/:token/join", s.join)
	app.Get("/a/:token/calendar.ics", s.calendar)
	app.Get("/a/:token/recordings/:id", s.streamRecording)
	app.Post("/a/:token/cancel", s.cancelByRegistrant)

	// A waiting-list offer: claim the seat, or leave the list.
	app.Get("/w/:token", s.waitlistPage)
	app.Post("/w/:token", s.claimOffer)
	app.Get("/w/:token/leave", s.leavePage)
	app.Post("/w/:token/leave", s.leaveWaitlist)

	// Administrators. Sign-ins are limited per client and per account
	// (limitLogin), the API's and the admin UI's together.
	app.Post("/api/v1/auth/token", s.login)

	// The admin UI: a session cookie, and a CSRF token in every form.
	app.Get("/admin/login", s.adminLoginPage)
	app.Post("/admin/login", s.adminLogin)
	// An invited user sets their password (the link is the credential).
	app.Get("/admin/invite/:token", s.invitePage)
	app.Post("/admin/invite/:token", s.acceptInvite)
	// authorize: roles, for every page and action below (roles.go).
	ui := app.Group("/admin", s.auditRefusals, s.requireSession, s.authorize, s.auditTrail)
	ui.Get("/", s.adminDashboard)
	ui.Post("/logout", s.adminLogout)
	ui.Get("/events", s.adminEvents)
	ui.Post("/events", s.adminCreateEvent)
	ui.Get("/events/:id", s.adminEvent)
	ui.Get("/events/:id/registrations.csv", s.listRegistrationsCSV)
	ui.Post("/events/:id/status", s.adminEventStatus)
	ui.Post("/events/:id/registrations", s.adminAddRegistration)
	// The event editor; changes that tell registrants or move money, and
	// the registrants' actions, are confirmed on a page before they run.
	ui.Get("/events/:id/edit", s.adminEditEvent)
	ui.Post("/events/:id/edit", s.adminSaveEvent)
	ui.Post("/events/:id/sessions", s.adminSessions)
	ui.Post("/events/:id/tiers", s.adminAddTier)
	ui.Post("/events/:id/tiers/:tier/delete", s.adminDeleteTier)
	ui.Post("/events/:id/promo_codes", s.adminAddPromo)
	ui.Post("/events/:id/promo_codes/:promo/delete", s.adminDeletePromo)
	ui.Get("/events/:id/cancel", s.adminCancelPage)
	ui.Post("/events/:id/cancel", s.adminCancelEvent)
	ui.Get("/registrations/:id/:action", s.adminConfirmAction)
	ui.Post("/registrations/:id/:action", s.adminRegistrationAction)
	// Settings: payment providers, mail and the outbox, jobs.
	ui.Get("/settings", s.adminSettings)
	ui.Post("/settings/payments/:provider", s.adminConnectProvider)
	ui.Post("/settings/payments/:provider/disconnect", s.adminDisconnectProvider)
	ui.Post("/settings/mail/test", s.adminTestMail)
	ui.Post("/settings/branding", s.adminSaveBranding)
	ui.Post("/settings/branding/logo", s.adminUploadLogo)
	ui.Post("/settings/branding/logo/delete", s.adminDeleteLogo)
	ui.Get("/settings/outbox", s.adminOutbox)
	ui.Post("/settings/outbox/:id/retry", s.adminRetryMail)
	ui.Get("/settings/jobs", s.adminJobs)
	ui.Get("/settings/webhooks", s.adminWebhooks)
	ui.Post("/settings/webhooks", s.adminAddWebhook)
	ui.Get("/settings/webhooks/:id", s.adminWebhook)
	ui.Post("/settings/webhooks/:id/test", s.adminTestWebhook)
	ui.Post("/settings/webhooks/:id/delete", s.adminDeleteWebhook)
	// The audit log, for administrators (audit_page.go).
	ui.Get("/settings/audit", s.adminAudit)
	// Recordings: the form (multipart file or external URL), delete, and
	// resumable uploads (tus) for the page's progress bar.
	ui.Post("/events/:id/recordings", s.adminAddRecording)
	ui.Post("/events/:id/recordings/:rid/delete", s.adminDeleteRecording)
	ui.Post("/events/:id/follow_up", s.adminFollowUp)
	s.tusRoutes(ui)
	ui.Get("/users", s.adminUsers)
	ui.Post("/users", s.adminInviteUser)
	ui.Post("/users/:id/role", s.adminUserRole)
	ui.Post("/users/:id/delete", s.adminDeleteUser)
	ui.Post("/events/:id/co_organizers/:user/delete", s.adminRemoveCoOrganizer)

	// auditTrail: every action below that changes something is logged
	// (audit.go), here and in the admin UI above; auditRefusals logs one
	// refused before (no valid token or session, a role that may not).
	// authorize: roles, for every route below (roles.go): event routes for
	// their owner and co-organizers, the rest for admins.
	api := app.Group("/api/v1", s.auditRefusals, s.requireAdmin, s.authorize, s.auditTrail)
	api.Delete("/auth/token", s.logout)
	api.Get("/auth/tokens", s.listTokens)
	api.Delete("/auth/tokens", s.revokeTokens)
	api.Delete("/auth/tokens/:id", s.revokeToken)
	// A stolen token must not turn into a way of guessing the password:
	// changes are limited like sign-ins (limitPasswordChange).
	api.Post("/auth/password", s.changePassword)
	api.Get("/events", s.listEvents)
	api.Post("/events", s.createEvent)
	api.Get("/events/:id", s.getEvent)
	api.Patch("/events/:id", s.patchEvent)
	api.Post("/events/:id/cancel", s.cancelEvent)
	api.Get("/events/:id/tiers", s.listTiers)
	api.Post("/events/:id/tiers", s.createTier)
	api.Delete("/events/:id/tiers/:tier", s.deleteTier)
	api.Get("/events/:id/promo_codes", s.listPromos)
	api.Post("/events/:id/promo_codes", s.createPromo)
	api.Delete("/events/:id/promo_codes/:promo", s.deletePromo)
	api.Get("/events/:id/registrations.csv", s.listRegistrationsCSV)
	api.Get("/events/:id/registrations", s.listRegistrations)
	api.Post("/events/:id/registrations", s.addRegistration)
	api.Get("/events/:id/waitlist", s.listWaitlist)
	api.Post("/registrations/:id/confirm", s.confirm)
	api.Post("/registrations/:id/reject", s.reject)
	api.Post("/registrations/:id/cancel", s.adminCancel)
	api.Post("/registrations/:id/resend", s.resend)
	api.Post("/registrations/:id/refund", s.refund)
	api.Post("/registrations/:id/mark_paid", s.markPaid)
	api.Post("/registrations/:id/mark_refunded", s.markRefunded)
	// Who watched a registration's recordings; a new access link for it.
	api.Get("/registrations/:id/views", s.listViews)
	api.Post("/registrations/:id/rotate_token", s.rotateToken)
	api.Get("/settings/payments/:provider", s.getProvider)
	api.Put("/settings/payments/:provider", s.putProvider)
	api.Delete("/settings/payments/:provider", s.deleteProvider)
	api.Get("/settings/branding", s.getBranding)
	api.Put("/settings/branding", s.putBranding)
	api.Put("/settings/branding/logo", s.putLogo)
	api.Delete("/settings/branding/logo", s.deleteLogo)
	api.Get("/events/:id/recordings", s.listRecordings)
	api.Post("/events/:id/recordings", s.addRecording)
	api.Patch("/events/:id/recordings/:rid", s.patchRecording)
	api.Delete("/events/:id/recordings/:rid", s.deleteRecording)
	// Resumable uploads (the tus protocol).
	s.tusRoutes(api)
	api.Post("/events/:id/follow_up", s.followUp)
	api.Get("/outbox", s.outbox)
	api.Get("/outbox/:id", s.outboxMessage)
	api.Post("/outbox/:id/retry", s.retryOutbox)
	api.Get("/jobs", s.listJobs)
	// The audit log: every administrator's action (audit.go).
	api.Get("/audit", s.auditLog)
	// Outgoing webhooks: the organizer's endpoints, their delivery log and
	// a test event.
	api.Get("/webhooks", s.listWebhooks)
	api.Post("/webhooks", s.createWebhook)
	api.Get("/webhooks/:id", s.getWebhook)
	api.Delete("/webhooks/:id", s.deleteWebhook)
	api.Get("/webhooks/:id/deliveries", s.webhookDeliveries)
	api.Post("/webhooks/:id/test", s.testWebhook)
	// Money: Admit's books beside the providers' (admins only).
	api.Get("/reports/reconciliation", s.booksReport)
	// Users and roles.
	api.Get("/users", s.listUsers)
	api.Post("/users", s.inviteUser)
	api.Patch("/users/:id", s.patchUser)
	api.Delete("/users/:id", s.deleteUser)
	api.Get("/events/:id/co_organizers", s.listCoOrganizers)
	api.Delete("/events/:id/co_organizers/:user", s.removeCoOrganizer)

	app.Use(s.notFound)
}

// tusRoutes are the resumable uploads (the tus protocol) of an event's
// recordings, the same under the API and the admin UI.
func (s *Server) tusRoutes(r fiber.Router) {
	r.Post("/events/:id/recordings/uploads", s.tusRoute)
	r.Head("/events/:id/recordings/uploads/:uid", s.tusRoute)
	r.Patch("/events/:id/recordings/uploads/:uid", s.tusRoute)
	r.Delete("/events/:id/recordings/uploads/:uid", s.tusRoute)
}
