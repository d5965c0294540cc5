package web

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// The buyer's way back from the provider: the return page says where the
// payment stands and, while it is not settled, follows it (payment.js polls
// GET /pay/{provider}/status, keyed by the return URL's own signature; a
// meta refresh does it without JavaScript); the cancel page says until when
// the seat is held and leads back to the payment.

// returnUnconfirmed is the return page's outcome when the return itself
// failed (the provider or the database did not answer): the buyer may have
// paid, so the page says the payment is being checked, never that nothing
// was charged.
const returnUnconfirmed = "unconfirmed"

// returnView is the return page: where the payment stands, and the page's
// own address (to check again while the outcome is unknown).
type returnView struct {
	*ticketing.ReturnResult
	Self string
	// WatchURL leads a buyer of recordings straight to them (replay.go).
	WatchURL string
	// Status is the address payment.js polls while the outcome may still
	// change ("" once it is settled).
	Status string
	// HeldUntil, on the cancel page, is when the seat's hold ends, written
	// in the event's zone ("" when nothing is held).
	HeldUntil string
}

// unsettled outcomes change by themselves: the page follows them.
func unsettled(outcome string) bool {
	return outcome == ticketing.ReturnPending || outcome == ticketing.ReturnChecking || outcome == returnUnconfirmed
}

func (s *Server) payReturn(c *fiber.Ctx) error {
	provider := c.Params("provider")
	res, err := s.Tickets.CompleteReturn(c.UserContext(), provider, queryValues(c))
	if err != nil {
		if errors.Is(err, model.ErrNotFound) || errors.Is(err, model.ErrRateLimited) {
			return err // not this buyer's, or too many: a page of its own
		}
		// The return failed, not necessarily the payment: show where it
		// stands as recorded, or that it is being checked.
		s.Log.ErrorContext(c.UserContext(), "return from checkout failed", "provider", provider, "err", err)
		res, err = s.Tickets.PaymentStatus(c.UserContext(), provider, queryValues(c))
		if err != nil {
			s.Log.ErrorContext(c.UserContext(), "return from checkout: status unknown", "provider", provider, "err", err)
			res = &ticketing.ReturnResult{}
		}
		if res.Outcome != ticketing.ReturnConfirmed && res.Outcome != ticketing.ReturnPendingApproval {
			res.Outcome, res.Again = returnUnconfirmed, false
		}
	}
	v := returnView{ReturnResult: res, Self: c.OriginalURL()}
	if res.Outcome == ticketing.ReturnConfirmed {
		v.WatchURL = s.watchURL(res.Event, res.Registration)
	}
	if unsettled(res.Outcome) && res.Registration != nil {
		v.Status = "/pay/" + provider + "/status?" + s.Tickets.ReturnQuery(provider, res.Registration.ID)
	}
	title := ""
	if res.Event != nil {
		title = res.Event.Title
	} else {
		title = s.I18n.T(s.pages.locale(c), "page.paid.title", nil)
	}
	return s.pages.render(c, fiber.StatusOK, "paid", title, v)
}

// payStatus is the return page's poll: where the payment stands, as
// recorded, and nothing else (no name, no address, no amount). Only the
// return URL's signature opens it: a guessed id is a 404.
func (s *Server) payStatus(c *fiber.Ctx) error {
	res, err := s.Tickets.PaymentStatus(c.UserContext(), c.Params("provider"), queryValues(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"outcome": res.Outcome, "settled": !unsettled(res.Outcome)})
}

func (s *Server) payCancel(c *fiber.Ctx) error {
	res, err := s.Tickets.CancelledCheckout(c.UserContext(), c.Params("provider"), queryValues(c))
	if err != nil {
		return err
	}
	v := returnView{ReturnResult: res, Self: c.OriginalURL()}
	r := res.Registration
	if res.Outcome == ticketing.ReturnPending && r.HoldExpiresAt != nil && r.CheckoutURL != "" {
		v.HeldUntil = s.pages.loc(c).DateTime(*r.HoldExpiresAt, res.Event.Timezone)
		v.ResumeURL = r.CheckoutURL
	}
	return s.pages.render(c, fiber.StatusOK, "paycancel", res.Event.Title, v)
}

// queryValues copies the request's query (fiber reuses its buffers).
func queryValues(c *fiber.Ctx) url.Values {
	q := url.Values{}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) { q.Add(string(k), string(v)) })
	return q
}
