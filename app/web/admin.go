package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"html/template"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/auth"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// The admin UI signs in with a session cookie. Every form that changes
// something carries a CSRF token: for a signed-in administrator it is
// derived from the session token (so it needs no storage and dies with the
// session); the login form uses a double-submit cookie.
const (
	sessionCookie = "admit_session"
	loginCookie   = "admit_login"
	csrfField     = "csrf"
	// csrfHeader carries the token of a request sent by the page's script
	// (the resumable upload).
	csrfHeader = "X-CSRF-Token"
	// csrfLater holds the token an upload's body must start with.
	csrfLater   = "csrf_later"
	adminPrefix = "/admin"
)

// adminPageNames are the templates of assets/admin.
var adminPageNames = []string{"login", "dashboard", "events", "event", "settings", "users", "invite",
	"event_edit", "event_confirm", "registration_confirm", "outbox", "jobs", "followup_confirm",
	"webhooks", "webhook", "audit"}

// randomToken is a fresh random value for a form's CSRF cookie.
func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfFor is the CSRF token of a session: an HMAC of a fixed label keyed
// by the session token, which only the session's holder knows.
func csrfFor(session string) string {
	m := hmac.New(sha256.New, []byte(session))
	m.Write([]byte("admit admin csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func (s *Server) adminCookie(name, value, path string, maxAge time.Duration, sameSite string) *fiber.Cookie {
	ck := &fiber.Cookie{Name: name, Value: value, Path: path, MaxAge: int(maxAge / time.Second), HTTPOnly: true,
		Secure: s.https, SameSite: sameSite}
	if maxAge < 0 { // delete
		ck.MaxAge, ck.Expires = -1, time.Unix(1, 0)
	}
	return ck
}

// adminURL adds the page language to an admin address.
func (s *Server) adminURL(c *fiber.Ctx, p string) string {
	sep := "?"
	if strings.Contains(p, "?") {
		sep = "&"
	}
	return p + sep + "lang=" + s.admin.locale(c)
}

// requireSession lets through a request with a live session; others are
// sent to the login page. A state-changing request must also carry the
// session's CSRF token, else 403.
func (s *Server) requireSession(c *fiber.Ctx) error {
	token := c.Cookies(sessionCookie)
	u, tk, err := s.Auth.User(c.UserContext(), token, store.TokenSession, clientAddr(c))
	if errors.Is(err, model.ErrUnauthorized) {
		next := c.OriginalURL()
		if c.Method() != fiber.MethodGet {
			next = adminPrefix + "/"
			c.Locals(auditRefused, fiber.StatusUnauthorized) // an action without a session
		}
		login := "/admin/login?next=" + url.QueryEscape(next)
		if token != "" { // a session that ended: idle too long, or signed out elsewhere
			c.Cookie(s.adminCookie(sessionCookie, "", adminPrefix, -time.Second, "Lax"))
			login += "&done=session_ended"
		}
		return c.Redirect(s.adminURL(c, login), fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	c.Locals("user", u) // who is refused, when the form's token is wrong
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		want := csrfFor(token)
		switch {
		case sameToken(c.Get(csrfHeader), want): // a script's request
		case c.Method() == fiber.MethodPost && isUpload(c):
			// The form's fields are not read ahead of its file: the
			// upload's handler checks the token (csrfChecked), the body's
			// first field.
			c.Locals(csrfLater, want)
		case sameToken(c.FormValue(csrfField), want):
		default:
			return errCSRF
		}
	}
	c.Locals("user", u)
	c.Locals("token", tk)
	c.Locals("csrf", csrfFor(token))
	return c.Next()
}

// csrfChecked checks a token read by the handler against the session's,
// when requireSession left that to it (no-op otherwise).
func csrfChecked(c *fiber.Ctx, got string) error {
	want, ok := c.Locals(csrfLater).(string)
	if ok && !sameToken(got, want) {
		return errCSRF
	}
	return nil
}

// errCSRF refuses a form without its session's CSRF token.
var errCSRF = fiber.NewError(fiber.StatusForbidden, "This form has expired or did not come from Admit: open the page again and resend it.")

// adminData is what every admin page gets besides its own data.
type adminData struct {
	User *model.User
	CSRF string
	// Done is the translated result of the last action (a flash message).
	Done string
	Data any
}

func (s *Server) renderAdmin(c *fiber.Ctx, status int, name, title string, data any) error {
	u, _ := caller(c)
	csrf, _ := c.Locals("csrf").(string)
	return s.admin.render(c, status, name, title, adminData{User: u, CSRF: csrf, Done: s.flash(c), Data: data})
}

// flashCounts are the query's numbers a flash message may show.
var flashCounts = []string{"attendees", "absentees"}

// flash is the translated result of the last action, named by ?done=.
func (s *Server) flash(c *fiber.Ctx) string {
	done := c.Query("done")
	if done == "" {
		return ""
	}
	id := "admin.done." + done
	// Counts the flash message names (a follow-up's recipients).
	vars := map[string]any{}
	for _, k := range flashCounts {
		if n, err := strconv.Atoi(c.Query(k)); err == nil && n >= 0 {
			vars[k] = n
		}
	}
	if m, ok := s.Tickets.Modules().Get(c.Query("provider")); ok {
		vars["Provider"] = m.Title.In(s.admin.locale(c))
	}
	if t := s.I18n.T(s.admin.locale(c), id, vars); t != id {
		return t
	}
	return ""
}

// loginForm is the login page's data.
type loginForm struct {
	Email   string
	Next    string
	CSRF    string
	Problem *apiErrorBody
}

// safeNext keeps a post-login destination only when it is an admin page of
// this site.
func safeNext(n string) string {
	if !strings.HasPrefix(n, adminPrefix+"/") || strings.HasPrefix(n, "//") || strings.ContainsAny(n, "\\\r\n") ||
		strings.HasPrefix(n, "/admin/login") {
		return adminPrefix + "/"
	}
	return n
}

func (s *Server) adminLoginPage(c *fiber.Ctx) error {
	return s.renderLogin(c, fiber.StatusOK, loginForm{Next: safeNext(c.Query("next"))})
}

func (s *Server) renderLogin(c *fiber.Ctx, status int, f loginForm) error {
	f.CSRF = s.formToken(c, loginCookie, "/admin/login")
	title := s.I18n.T(s.admin.locale(c), "admin.login.title", nil)
	return s.admin.render(c, status, "login", title, adminData{Done: s.flash(c), Data: f})
}

// adminLogin checks the form and opens a session. It shares the API
// login's per-address limit (the same limiter in the route table).
func (s *Server) adminLogin(c *fiber.Ctx) error {
	if !sameToken(c.FormValue(csrfField), c.Cookies(loginCookie)) {
		return errCSRF
	}
	f := loginForm{Email: strings.TrimSpace(c.FormValue("email")), Next: safeNext(c.FormValue("next"))}
	password := c.FormValue("password")
	bad := map[string]string{}
	if f.Email == "" {
		bad["email"] = "is required"
	}
	if password == "" {
		bad["password"] = "is required"
	}
	if len(bad) > 0 {
		f.Problem = &apiErrorBody{Code: "validation", Fields: bad}
		return s.renderLogin(c, fiber.StatusUnprocessableEntity, f)
	}
	if err := s.limitLogin(c, f.Email); err != nil {
		s.signInRefused(c, actionSignIn, f.Email, nil, err)
		return err
	}
	tried := signInAudit(c, actionSignIn, nil)
	ctx := store.WithAudit(c.UserContext(), tried)
	token, err := s.Auth.Login(ctx, f.Email, password, store.TokenSession, clientAddr(c))
	if errors.Is(err, model.ErrUnauthorized) {
		s.loginFailed(f.Email)
		s.signInRefused(c, actionSignIn, f.Email, tried, err)
		f.Problem = &apiErrorBody{Code: "unauthorized", Fields: map[string]string{"password": "wrong"}}
		return s.renderLogin(c, fiber.StatusUnauthorized, f)
	}
	if err != nil {
		return err
	}
	s.setSession(c, token)
	c.Cookie(s.adminCookie(loginCookie, "", "/admin/login", -time.Second, "Strict"))
	return c.Redirect(s.adminURL(c, f.Next), fiber.StatusSeeOther)
}

// setSession gives the browser the cookie of a new session.
func (s *Server) setSession(c *fiber.Ctx, token string) {
	c.Cookie(s.adminCookie(sessionCookie, token, adminPrefix, auth.SessionTTL, "Lax"))
}

// adminLogout ends the session.
func (s *Server) adminLogout(c *fiber.Ctx) error {
	if err := s.Auth.Revoke(c.UserContext(), c.Cookies(sessionCookie)); err != nil {
		return err
	}
	c.Cookie(s.adminCookie(sessionCookie, "", adminPrefix, -time.Second, "Lax"))
	return c.Redirect(s.adminURL(c, "/admin/login?done=logged_out"), fiber.StatusSeeOther)
}

// fieldError is the message next to an input.
type fieldError struct {
	Text string
	// Detail is the service's own words (English), kept beside a
	// translated text because it carries specifics such as limits.
	Detail string
}

// indexed matches the row number of a list field: sessions[2].starts_at.
var indexed = regexp.MustCompile(`\[\d+\]`)

// Field is the error of a form field, or nil: the translation of
// "admin.error.<field>" (row numbers left out, dots as _) with the service's words as
// detail, else the service's words.
func (l loc) Field(p *apiErrorBody, field string) *fieldError {
	if p == nil {
		return nil
	}
	msg, ok := p.Fields[field]
	if !ok {
		return nil
	}
	id := "admin.error." + strings.ReplaceAll(indexed.ReplaceAllString(field, ""), ".", "_")
	if t := l.b.T(l.Lang, id, nil); t != id {
		return &fieldError{Text: t, Detail: msg}
	}
	return &fieldError{Text: msg}
}

// Invalid marks an input whose field has an error and points to the
// message, and to the input's hint if it has one:
// {{$L.Invalid $problem "price.amount" "amount" "amount-hint"}} in its tag.
func (l loc) Invalid(p *apiErrorBody, field, id string, hint ...string) template.HTMLAttr {
	by := hint
	invalid := l.Field(p, field) != nil
	if invalid {
		by = append([]string{id + "-error"}, hint...)
	}
	var b strings.Builder
	if invalid {
		b.WriteString(`aria-invalid="true"`)
	}
	if len(by) > 0 {
		if invalid {
			b.WriteByte(' ')
		}
		b.WriteString(`aria-describedby="` + template.HTMLEscapeString(strings.Join(by, " ")) + `"`)
	}
	return template.HTMLAttr(b.String())
}
