package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
)

// apiError is the body of every error answer (docs/API.md, "Conventions").
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Detail picks a page's wording (model.Problem.Detail); not sent.
	Detail string `json:"-"`
}

var sentinels = []struct {
	err     error
	status  int
	code    string
	message string
}{
	{model.ErrValidation, fiber.StatusUnprocessableEntity, "validation", "Some fields are not valid: see fields."},
	{model.ErrNotFound, fiber.StatusNotFound, "not_found", "Nothing was found here."},
	{model.ErrSoldOut, fiber.StatusConflict, "sold_out", "Sorry, this event is sold out."},
	{model.ErrAlreadyRegistered, fiber.StatusConflict, "already_registered", "This email address is already registered."},
	{model.ErrClosed, fiber.StatusGone, "registration_closed", "Registration is closed."},
	{model.ErrProviderMissing, fiber.StatusUnprocessableEntity, "provider_unavailable", "No payment provider is available for this event."},
	{model.ErrProviderFailed, fiber.StatusBadGateway, "provider_error", "The payment provider could not be reached; nothing was charged. Please try again."},
	{model.ErrConflict, fiber.StatusConflict, "conflict", "This cannot be done in the current state."},
	{model.ErrUnauthorized, fiber.StatusUnauthorized, "unauthorized", "Sign in first: send Authorization: Bearer TOKEN (POST /api/v1/auth/token gives one)."},
	{model.ErrForbidden, fiber.StatusForbidden, "forbidden", "You may not do this."},
	{model.ErrSeatsAvailable, fiber.StatusConflict, "seats_available", "Seats are available: register instead of joining the waiting list."},
	{model.ErrAlreadyWaiting, fiber.StatusConflict, "already_waitlisted", "This email address is already on the waiting list."},
	{model.ErrGone, fiber.StatusGone, "gone", "This link is no longer valid."},
	{model.ErrStorageFull, fiber.StatusInsufficientStorage, "insufficient_storage", "There is no space left to keep this file."},
	{model.ErrRateLimited, fiber.StatusTooManyRequests, "rate_limited", "Too many requests: wait a moment and try again."},
	{model.ErrBadSignature, fiber.StatusBadRequest, "bad_signature", "The webhook signature is missing, wrong or too old."},
	{model.ErrTooLarge, fiber.StatusRequestEntityTooLarge, "too_large", "The file is too large."},
	{model.ErrUnsupportedMedia, fiber.StatusUnsupportedMediaType, "unsupported_media_type", "This kind of file is not accepted."},
}

var statusCodes = map[int]string{
	fiber.StatusBadRequest:            "bad_request",
	fiber.StatusUnauthorized:          "unauthorized",
	fiber.StatusForbidden:             "forbidden",
	fiber.StatusNotFound:              "not_found",
	fiber.StatusMethodNotAllowed:      "method_not_allowed",
	fiber.StatusRequestEntityTooLarge: "body_too_large",
	fiber.StatusUnsupportedMediaType:  "unsupported_media_type",
	fiber.StatusTooManyRequests:       "rate_limited",
	fiber.StatusServiceUnavailable:    "unavailable",
}

// classify turns an error into status, code, message and fields. Unknown
// errors are 500s whose cause is logged, never shown.
func classify(err error) (int, apiErrorBody, bool) {
	var p *model.Problem
	if errors.As(err, &p) {
		for _, s := range sentinels {
			if errors.Is(p.Err, s.err) {
				code := s.code
				if p.Code != "" {
					code = p.Code
				}
				return s.status, apiErrorBody{Code: code, Message: p.Message, Fields: p.Fields, Detail: p.Detail}, true
			}
		}
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.status, apiErrorBody{Code: s.code, Message: s.message}, true
		}
	}
	var fe *fiber.Error
	if errors.As(err, &fe) && fe.Code < 500 {
		code, ok := statusCodes[fe.Code]
		if !ok {
			code = "bad_request"
		}
		msg := fe.Message
		switch fe.Code {
		case fiber.StatusRequestEntityTooLarge:
			msg = "The request body is larger than 1 MB."
		case fiber.StatusNotFound:
			if strings.HasPrefix(msg, "Cannot ") {
				msg = "There is nothing at this address."
			}
		case fiber.StatusMethodNotAllowed:
			msg = "This method is not allowed here."
		}
		return fe.Code, apiErrorBody{Code: code, Message: msg}, true
	}
	return fiber.StatusInternalServerError, apiErrorBody{Code: "internal", Message: "Something went wrong on our side; it has been logged. Please try again."}, false
}

// handleError is fiber's one error handler: JSON for the API, a page for
// people.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status, body, known := classify(err)
	if !known {
		s.Log.ErrorContext(c.UserContext(), "request failed", "method", c.Method(), "path", redactPath(c.Path()), "err", err)
	}
	setRetryAfter(c, err)
	if wantsJSON(c) {
		return c.Status(status).JSON(apiError{Error: body})
	}
	return s.pages.renderError(c, status, body)
}

// wantsJSON is true for the API and webhooks and for clients that ask.
func wantsJSON(c *fiber.Ctx) bool {
	p := c.Path()
	if strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/webhooks/") || p == "/healthz" || p == "/metrics" {
		return true
	}
	return c.Accepts(fiber.MIMETextHTML, fiber.MIMEApplicationJSON) == fiber.MIMEApplicationJSON
}

func (s *Server) notFound(c *fiber.Ctx) error {
	return fiber.NewError(fiber.StatusNotFound, "There is nothing at this address.")
}
