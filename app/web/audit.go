package web

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// The audit log records every administrator's action, from the API and
// the admin UI alike: auditTrail runs after authorize on both groups and,
// for each request that changes something (POST, PUT, PATCH, DELETE) and
// succeeds (status below 400), writes who (user id and email), from which
// address (clientAddr), what (action, target type and id, the event) and,
// for money, the target's status and amounts before and after. Nothing of
// the request's body is kept, so no password, key or token can end up
// there.
//
// Recording a new action is one line in auditActions below, keyed by the
// route's method and pattern without /api/v1 or /admin:
//
//	"POST /registrations/:id/mark_paid": {action: "registration.mark_paid", target: "registration", state: stateRegistration},
//
// A write route without a line is still recorded, as "POST /pattern" with
// the first route parameter as its target; under /registrations/:id/ the
// verb is the action ("registration.capture") with the registration's
// money before and after, so the registrants' actions need no line at all.
//
// When the entry is written: a simple change (state "") is logged by the
// first store write the handler makes, in that write's savepoint, so the
// change and its entry commit together (store.WithAudit). An action whose
// state is kept, or that creates its target (the id is known only after),
// is logged once the handler succeeded, in a transaction of its own: a
// refund is several writes around a call to the provider, and its "after"
// is only known at the end.

// Target states kept before and after an action.
const (
	stateRegistration = "registration"
	stateEvent        = "event"
)

// auditSpec says how one route is logged: the action's name, the target's
// type and the route parameter holding its id (default "id"; none: the
// id of what the answer created), and which state to keep.
type auditSpec struct {
	action, target, param, state string
	// skip: not logged here: not an action worth logging (a chunk of an
	// upload), or logged by its handler under action (signing in).
	skip bool
	// refusals: every 4xx is logged as refused, as for money (a wrong
	// current password is a failed sign-in).
	refusals bool
}

var auditActions = map[string]auditSpec{
	// Events.
	"POST /events":                                {action: "event.create", target: "event", param: "-"},
	"PATCH /events/:id":                           {action: "event.update", target: "event", state: stateEvent},
	"POST /events/:id/edit":                       {action: "event.update", target: "event", state: stateEvent},
	"POST /events/:id/status":                     {action: "event.status", target: "event", state: stateEvent},
	"POST /events/:id/sessions":                   {action: "event.sessions", target: "event"},
	"POST /events/:id/cancel":                     {action: "event.cancel", target: "event", state: stateEvent},
	"POST /events/:id/tiers":                      {action: "tier.create", target: "event"},
	"DELETE /events/:id/tiers/:tier":              {action: "tier.delete", target: "tier", param: "tier"},
	"POST /events/:id/tiers/:tier/delete":         {action: "tier.delete", target: "tier", param: "tier"},
	"POST /events/:id/promo_codes":                {action: "promo_code.create", target: "event"},
	"DELETE /events/:id/promo_codes/:promo":       {action: "promo_code.delete", target: "promo_code", param: "promo"},
	"POST /events/:id/promo_codes/:promo/delete":  {action: "promo_code.delete", target: "promo_code", param: "promo"},
	"POST /events/:id/registrations":              {action: "registration.add", target: "event"},
	"POST /events/:id/follow_up":                  {action: "follow_up.send", target: "event"},
	"DELETE /events/:id/co_organizers/:user":      {action: "co_organizer.remove", target: "user", param: "user"},
	"POST /events/:id/co_organizers/:user/delete": {action: "co_organizer.remove", target: "user", param: "user"},
	// Recordings (an upload is logged when it starts, not chunk by chunk).
	"POST /events/:id/recordings":                {action: "recording.create", target: "event"},
	"PATCH /events/:id/recordings/:rid":          {action: "recording.update", target: "recording", param: "rid"},
	"DELETE /events/:id/recordings/:rid":         {action: "recording.delete", target: "recording", param: "rid"},
	"POST /events/:id/recordings/:rid/delete":    {action: "recording.delete", target: "recording", param: "rid"},
	"POST /events/:id/recordings/uploads":        {action: "recording.upload", target: "event"},
	"PATCH /events/:id/recordings/uploads/:uid":  {skip: true},
	"DELETE /events/:id/recordings/uploads/:uid": {action: "recording.upload_cancel", target: "event"},
	// Registrations (any other /registrations/:id/<verb> is logged as
	// registration.<verb> with its money: see auditSpecOf).
	"POST /registrations/:id/:action": {action: "registration.", target: "registration", state: stateRegistration},
	// Payment providers, mail, branding.
	"PUT /settings/payments/:provider":             {action: "provider.connect", target: "provider", param: "provider"},
	"POST /settings/payments/:provider":            {action: "provider.connect", target: "provider", param: "provider"},
	"DELETE /settings/payments/:provider":          {action: "provider.disconnect", target: "provider", param: "provider"},
	"POST /settings/payments/:provider/disconnect": {action: "provider.disconnect", target: "provider", param: "provider"},
	"POST /settings/mail/test":                     {action: "mail.test", target: "mail", param: "-"},
	"POST /outbox/:id/retry":                       {action: "mail.retry", target: "mail"},
	"POST /settings/outbox/:id/retry":              {action: "mail.retry", target: "mail"},
	"PUT /settings/branding":                       {action: "branding.update", target: "branding", param: "-"},
	"PUT /settings/branding/logo":                  {action: "branding.logo", target: "branding", param: "-"},
	"POST /settings/branding":                      {action: "branding.update", target: "branding", param: "-"},
	"POST /settings/branding/logo":                 {action: "branding.logo", target: "branding", param: "-"},
	"POST /settings/branding/logo/delete":          {action: "branding.logo_delete", target: "branding", param: "-"},
	"DELETE /settings/branding/logo":               {action: "branding.logo_delete", target: "branding", param: "-"},
	// Users, roles, invitations, tokens, passwords.
	"POST /users":             {action: "user.invite", target: "user", param: "-"},
	"PATCH /users/:id":        {action: "user.update", target: "user"},
	"POST /users/:id/role":    {action: "user.role", target: "user"},
	"DELETE /users/:id":       {action: "user.delete", target: "user"},
	"POST /users/:id/delete":  {action: "user.delete", target: "user"},
	"POST /auth/password":     {action: "user.password_change", target: "user", param: "self", refusals: true},
	"DELETE /auth/token":      {action: "auth.sign_out", target: "user", param: "self"},
	"POST /logout":            {action: "auth.sign_out", target: "user", param: "self"},
	"DELETE /auth/tokens":     {action: "token.revoke_all", target: "user", param: "self"},
	"DELETE /auth/tokens/:id": {action: "token.revoke", target: "token"},
	// Outgoing webhooks.
	"POST /webhooks":                     {action: "webhook.create", target: "webhook", param: "-"},
	"DELETE /webhooks/:id":               {action: "webhook.delete", target: "webhook"},
	"POST /webhooks/:id/test":            {action: "webhook.test", target: "webhook"},
	"POST /settings/webhooks":            {action: "webhook.create", target: "webhook", param: "-"},
	"POST /settings/webhooks/:id/test":   {action: "webhook.test", target: "webhook"},
	"POST /settings/webhooks/:id/delete": {action: "webhook.delete", target: "webhook"},
	// Outside the signed-in groups: signing in and accepting an invitation
	// are logged by their handlers (audit_signin.go); the public
	// registrations are no administrator's.
	"POST /auth/token":                        {skip: true, action: actionTokenCreate},
	"POST /login":                             {skip: true, action: actionSignIn},
	"POST /invite/:token":                     {skip: true, action: actionInviteAccept},
	"POST /public/events/:slug/registrations": {skip: true},
	"POST /public/events/:slug/waitlist":      {skip: true},
}

// registrationVerbs are the registrants' actions the admin UI's one route
// (/registrations/:id/:action) may name; another verb is not logged under
// its own name (the handler refuses it anyway).
var registrationVerbs = map[string]bool{"confirm": true, "reject": true, "cancel": true, "resend": true, "refund": true,
	"rotate_token": true, "mark_paid": true, "mark_refunded": true, "capture": true, "void": true}

// auditRoute is a route of the API or the admin UI, as the audit log
// matches a request to it: the write routes before the handler runs, the
// reads only once one was refused.
type auditRoute struct {
	prefix string   // /api/v1 or /admin
	segs   []string // the pattern's segments after the prefix, ":x" for a parameter
	key    string   // "METHOD /pattern" (auditActions)
}

// auditRouteTable holds the routes under /api/v1 and /admin by method:
// the writes (POST, PUT, PATCH, DELETE) and the reads (GET).
type auditRouteTable map[string][]auditRoute

// auditRoutes are the routes under /api/v1 and /admin the audit log knows.
func auditRoutes(app *fiber.App) auditRouteTable {
	out := auditRouteTable{}
	for _, r := range app.GetRoutes(true) {
		if !isWrite(r.Method) && r.Method != fiber.MethodGet {
			continue
		}
		prefix, rest, ok := cutAdminPrefix(r.Path)
		if !ok {
			continue
		}
		out[r.Method] = append(out[r.Method], auditRoute{prefix: prefix, segs: splitPath(rest), key: r.Method + " " + rest})
	}
	return out
}

// isWrite reports whether method changes something (the audit log's
// actions).
func isWrite(method string) bool {
	switch method {
	case fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete:
		return true
	}
	return false
}

func cutAdminPrefix(p string) (prefix, rest string, ok bool) {
	for _, prefix := range []string{"/api/v1", adminPrefix} {
		if rest, ok := strings.CutPrefix(p, prefix); ok && strings.HasPrefix(rest, "/") {
			return prefix, rest, true
		}
	}
	return "", "", false
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// match finds the route of a request and its parameters (copied: fiber's
// buffers are reused), literal segments first.
func matchAuditRoute(routes auditRouteTable, method, path string) (*auditRoute, map[string]string) {
	prefix, rest, ok := cutAdminPrefix(path)
	if !ok {
		return nil, nil
	}
	segs := splitPath(rest)
	var best *auditRoute
	var bestParams map[string]string
	bestLiterals := -1
	candidates := routes[method]
	for i := range candidates {
		r := &candidates[i]
		if r.prefix != prefix || len(r.segs) != len(segs) {
			continue
		}
		params, literals := map[string]string{}, 0
		for j, want := range r.segs {
			if name, ok := strings.CutPrefix(want, ":"); ok {
				params[name] = strings.Clone(segs[j])
				continue
			}
			if !strings.EqualFold(want, segs[j]) {
				params = nil
				break
			}
			literals++
		}
		if params != nil && literals > bestLiterals {
			best, bestParams, bestLiterals = r, params, literals
		}
	}
	return best, bestParams
}

// auditSpecOf is how a write route is logged: its line in auditActions,
// else registration.<verb> under /registrations/:id/, else the route
// itself (routeSpec).
func auditSpecOf(r *auditRoute, params map[string]string) auditSpec {
	spec, ok := auditActions[r.key]
	if ok && spec.action == "registration." {
		verb := strings.ToLower(params["action"])
		if !registrationVerbs[verb] {
			verb = "action"
		}
		spec.action += verb
		return spec
	}
	if ok {
		return spec
	}
	if len(r.segs) == 3 && r.segs[0] == "registrations" && r.segs[1] == ":id" {
		return auditSpec{action: "registration." + r.segs[2], target: "registration", state: stateRegistration}
	}
	return routeSpec(r)
}

// routeSpec logs a route under itself ("GET /events/:id/registrations"),
// its first parameter as the target: a write route without a line in
// auditActions, and every read.
func routeSpec(r *auditRoute) auditSpec {
	spec := auditSpec{action: r.key, param: "-"}
	for _, s := range r.segs {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			spec.target, spec.param = strings.TrimSuffix(r.segs[0], "s"), name
			break
		}
	}
	return spec
}

// auditTrail logs the request's action once it succeeded (see above), and
// its refusal: a 401 or 403 of any action, any 4xx of an action on money
// (a registrant's, such as a refund above what was paid).
func (s *Server) auditTrail(c *fiber.Ctx) error {
	m, ok := s.auditedRoute(c)
	if !ok {
		return c.Next()
	}
	u, _ := caller(c)
	if u == nil {
		return c.Next()
	}
	c.Locals(auditReached, true)
	ctx := c.UserContext()
	spec, params := m.spec, m.params
	a := &store.Audit{AuditEntry: s.auditEntry(c, m, u)}
	a.Before = s.auditState(c, spec.state, params["id"])
	a.Deferred = spec.state != "" || a.TargetID == ""
	c.SetUserContext(store.WithAudit(ctx, a))
	err := c.Next()
	if st, reason := answered(c, err); st >= 400 {
		if !a.Written() && st < 500 && (st == fiber.StatusUnauthorized || st == fiber.StatusForbidden || spec.state == stateRegistration || spec.refusals) {
			a.Status, a.Reason = st, reason
			s.recordRefusal(c, &a.AuditEntry)
		}
		return err // nothing done (a failed multi-step action may have logged its first write)
	}
	if a.Written() {
		return nil
	}
	if st := c.Response().StatusCode(); m.route.prefix == adminPrefix && st != fiber.StatusCreated && (st < 300 || st >= 400) {
		// A form's action ends in a redirect (or 201 for a secret shown
		// once); a page answered 200 is a preview or a confirmation to
		// come, whose writes were rolled back: nothing was done yet.
		return nil
	}
	if a.TargetID == "" {
		a.TargetID = createdID(c)
		if id, err := strconv.ParseInt(a.TargetID, 10, 64); err == nil && a.TargetType == "event" {
			a.EventID = &id // a new event is its own
		}
	}
	a.After = s.auditState(c, spec.state, params["id"])
	if err := s.Tickets.RecordAudit(ctx, a); err != nil {
		s.Log.ErrorContext(ctx, "audit entry not written", "action", a.Action, "err", err)
	}
	return nil
}

// auditReached marks a request auditTrail saw (auditRefusals leaves it).
const auditReached = "audit-reached"

// auditRefused is set by requireSession on a form sent without a live
// session (it answers with the login page, not a 401).
const auditRefused = "audit-refused"

// auditRefusals runs first in the signed-in groups: an action refused
// before auditTrail could see it (no valid token or session: 401; a form
// without its CSRF token, or a role that may not: 403) is logged as
// refused, by whoever the caller turned out to be (nobody for a 401); so
// is a read refused to someone signed in (403: a role that may not).
func (s *Server) auditRefusals(c *fiber.Ctx) error {
	m, ok := s.auditedRoute(c)
	if !ok {
		err := c.Next()
		if !isWrite(c.Method()) {
			s.auditReadRefused(c, err)
		}
		return err
	}
	err := c.Next()
	if reached, _ := c.Locals(auditReached).(bool); reached {
		return err
	}
	st, reason := answered(c, err)
	if refused, _ := c.Locals(auditRefused).(int); refused != 0 {
		st, reason = refused, statusCodes[refused]
	}
	if st != fiber.StatusUnauthorized && st != fiber.StatusForbidden {
		return err
	}
	u, _ := caller(c)
	e := s.auditEntry(c, m, u)
	e.Status, e.Reason = st, reason
	s.recordRefusal(c, &e)
	return err
}

// auditReadRefused logs a read (GET or HEAD) refused to someone signed in
// (403), under its route ("GET /events/:id/registrations", routeSpec: the
// writes' names, such as registration.<verb>, are not a read's). A read costs
// nothing more when it is answered: its route is matched only once it was
// refused, and refusals written are bounded per address as those of
// nobody signed in are, so that a flood of refused reads costs no write.
func (s *Server) auditReadRefused(c *fiber.Ctx, err error) {
	method := c.Method()
	if method == fiber.MethodHead {
		method = fiber.MethodGet
	}
	if method != fiber.MethodGet {
		return
	}
	st, reason := answered(c, err)
	u, _ := caller(c)
	if st != fiber.StatusForbidden || u == nil {
		return
	}
	// Matched before the address's allowance is spent: a path of no route
	// (refused by authorize all the same) writes nothing and costs none.
	r, params := matchAuditRoute(s.auditRoutes, method, c.Path())
	if r == nil || !s.mayRecordRefusal(c, true) {
		return
	}
	m := &auditMatch{route: r, params: params, spec: routeSpec(r)}
	e := s.auditEntry(c, m, u)
	e.Status, e.Reason = st, reason
	s.writeRefusal(c, &e)
}

// auditMatch is the write route a request was matched to and how it is
// logged; auditRefusals matches it, auditTrail finds it in the request's
// locals (auditMatched): once a request.
type auditMatch struct {
	route  *auditRoute // nil: no write route of the audit log's
	params map[string]string
	spec   auditSpec
}

// auditMatched is the local holding a request's *auditMatch.
const auditMatched = "audit-match"

// auditedRoute is the write route of a request under /api/v1 or /admin
// and how it is logged (ok false: not a write, or skipped).
func (s *Server) auditedRoute(c *fiber.Ctx) (*auditMatch, bool) {
	if !isWrite(c.Method()) {
		return nil, false
	}
	m, found := c.Locals(auditMatched).(*auditMatch)
	if !found {
		m = &auditMatch{}
		if m.route, m.params = matchAuditRoute(s.auditRoutes, c.Method(), c.Path()); m.route != nil {
			m.spec = auditSpecOf(m.route, m.params)
		}
		c.Locals(auditMatched, m)
	}
	return m, m.route != nil && !m.spec.skip
}

// maxAuditTarget bounds a target id read from the path (a refused request
// may name anything).
const maxAuditTarget = 64

// auditEntry is the entry of a request matched by m, by u (nil: nobody signed in):
// who, from where, what and on what.
func (s *Server) auditEntry(c *fiber.Ctx, m *auditMatch, u *model.User) model.AuditEntry {
	r, params, spec := m.route, m.params, m.spec
	e := model.AuditEntry{ClientIP: clientAddr(c), Action: spec.action, TargetType: spec.target}
	if u != nil {
		e.ActorID, e.ActorEmail = u.ID, u.Email
	}
	switch spec.param {
	case "-": // the answer says what was created
	case "self":
		if u != nil {
			e.TargetID = strconv.FormatInt(u.ID, 10)
		}
	case "":
		e.TargetID = params["id"]
	default:
		e.TargetID = params[spec.param]
	}
	if len(e.TargetID) > maxAuditTarget {
		e.TargetID = e.TargetID[:maxAuditTarget]
	}
	if id, err := strconv.ParseInt(params["id"], 10, 64); err == nil && len(r.segs) > 0 && u != nil {
		switch r.segs[0] {
		case "events":
			e.EventID = &id
		case "registrations":
			if ev, err := s.Tickets.RegistrationEvent(c.UserContext(), id); err == nil {
				e.EventID = &ev
			}
		}
	}
	return e
}

// answered is the status a request is answered with and its error's code:
// the error's when the handler returned one (turned into HTTP later), else
// the response's.
func answered(c *fiber.Ctx, err error) (int, string) {
	if err != nil {
		st, body, _ := classify(err)
		return st, body.Code
	}
	st := c.Response().StatusCode()
	return st, statusCodes[st]
}

// anonymousRefusalsPerMinute is how many refusals by nobody signed in
// (failed sign-ins, requests without a valid token), and of reads, one
// client address may have written a minute: beyond, they are answered as
// usual and not written, so that a flood costs no write at all.
const anonymousRefusalsPerMinute = 20

// recordRefusal logs a refused action (store.RecordRefusal bounds bursts;
// anonymousRefusalsPerMinute the writes one address may cause).
func (s *Server) recordRefusal(c *fiber.Ctx, e *model.AuditEntry) {
	if s.mayRecordRefusal(c, e.ActorID == 0) {
		s.writeRefusal(c, e)
	}
}

// mayRecordRefusal spends one of the client address's refusals a minute
// when bounded (a refusal of nobody signed in, or of a read): false when
// none is left, and the refusal is not written.
func (s *Server) mayRecordRefusal(c *fiber.Ctx, bounded bool) bool {
	if !bounded {
		return true
	}
	ok, _ := s.limits.refusals.take(clientKey(clientOf(c)), s.Now())
	return ok
}

// writeRefusal writes a refusal recordRefusal or mayRecordRefusal let
// through.
func (s *Server) writeRefusal(c *fiber.Ctx, e *model.AuditEntry) {
	if err := s.Tickets.RecordRefusal(c.UserContext(), e); err != nil {
		s.Log.ErrorContext(c.UserContext(), "audit entry not written", "action", e.Action, "err", err)
	}
}

// auditState reads the state an action keeps (nil: none, or unreadable).
func (s *Server) auditState(c *fiber.Ctx, state, rawID string) *model.AuditState {
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil || state == "" {
		return nil
	}
	switch state {
	case stateRegistration:
		r, err := s.Tickets.Registration(c.UserContext(), id)
		if err != nil {
			return nil
		}
		return &model.AuditState{Status: r.Status, AmountPaid: r.AmountPaid, AmountRefunded: r.AmountRefunded, Currency: r.MoneyCurrency()}
	case stateEvent:
		e, err := s.Tickets.Event(c.UserContext(), id)
		if err != nil {
			return nil
		}
		return &model.AuditState{Status: e.Status}
	}
	return nil
}

// createdID is the id of what a request created: the "id" of a JSON
// answer, or the last number of a redirect's path (/admin/events/12).
func createdID(c *fiber.Ctx) string {
	if loc := string(c.Response().Header.Peek(fiber.HeaderLocation)); loc != "" {
		loc, _, _ = strings.Cut(loc, "?")
		segs := splitPath(loc)
		for i := len(segs) - 1; i >= 0; i-- {
			if _, err := strconv.ParseInt(segs[i], 10, 64); err == nil {
				return segs[i]
			}
		}
		return ""
	}
	var body struct {
		ID json.Number `json:"id"`
	}
	if strings.HasPrefix(string(c.Response().Header.ContentType()), fiber.MIMEApplicationJSON) && json.Unmarshal(c.Response().Body(), &body) == nil {
		if _, err := body.ID.Int64(); err == nil {
			return body.ID.String()
		}
	}
	return ""
}
