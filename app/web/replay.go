package web

import (
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// registeredPage is the thank-you page of a registration made through the
// event page's form.
type registeredPage struct {
	*ticketing.RegisterResult
	// WatchURL leads a buyer of recordings straight to them.
	WatchURL string
	// CheckoutURL: embedded, the payment is a link that opens in the whole
	// window (payment pages refuse frames), not a redirect in the frame.
	CheckoutURL string
}

// watchURL is the registrant's page with the player, for a registration
// that gives access now to an event watched rather than attended (an
// on-demand video, or a replay); "" otherwise, and the page says to look
// for the email.
func (s *Server) watchURL(e *model.Event, r *model.Registration) string {
	if !r.MayAttend() || e.Status == model.EventCancelled || !e.Watch(s.Now()) {
		return ""
	}
	return s.Tickets.AccessURL(r.TokenNonce)
}
