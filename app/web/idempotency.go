// Idempotent registrations: the answer an Idempotency-Key keeps, and the
// same answer, byte for byte, to a retry.

package web

import (
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/ticketing"
)

// registerRecord is what a registration's Idempotency-Key keeps of its
// outcome (ticketing.Record): the answer's status in decimal, then its
// JSON body. Only replayAnswer reads it.
func registerRecord(res *ticketing.RegisterResult, err error) []byte {
	status, body := registerAnswer(res, err)
	return append(strconv.AppendInt(nil, int64(status), 10), body...)
}

// replayAnswer sends a retry the first request's answer again, with the
// content type it had: register's for a registration, the error
// handler's for a refusal.
func replayAnswer(c *fiber.Ctx, r *ticketing.Replayed) error {
	status, body := recordedAnswer(r.Outcome)
	ct := fiber.MIMEApplicationJSONCharsetUTF8
	if status >= fiber.StatusBadRequest {
		ct = fiber.MIMEApplicationJSON
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set("Idempotent-Replayed", "true")
	return c.Status(status).Send(body)
}

// recordedAnswer reads what registerRecord wrote. A key answered before
// the status was recorded with the body keeps the body alone: a
// registration's answer was a 201, a refusal's status follows from its
// code (promo_invalid is the one refusal kept whose code is not its
// kind's).
func recordedAnswer(outcome []byte) (int, []byte) {
	if len(outcome) > 3 && outcome[3] == '{' {
		if status, err := strconv.Atoi(string(outcome[:3])); err == nil {
			return status, outcome[3:]
		}
	}
	var refused apiError
	if json.Unmarshal(outcome, &refused) != nil || refused.Error.Code == "" {
		return fiber.StatusCreated, outcome
	}
	for _, s := range sentinels {
		if s.code == refused.Error.Code {
			return s.status, outcome
		}
	}
	if refused.Error.Code == promoInvalid {
		return fiber.StatusUnprocessableEntity, outcome
	}
	return fiber.StatusConflict, outcome
}
