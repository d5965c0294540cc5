package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

// TestApprovalPayPalReauthorize: confirmed after PayPal's 3-day honor
// period, the authorization is reauthorized once (PayPal allows it from day
// 4 to day 29), then the new authorization is captured; PayPal's webhooks
// about the new authorization and the capture change nothing more. The
// authorization's state and deadlines are in the registrations' JSON, the
// CSV export and the registrant's access JSON throughout.
func TestApprovalPayPalReauthorize(t *testing.T) {
	e, fake := paypalEnv(t)
	ev := e.createEvent(paypalEvent(map[string]any{"approval_required": true}))
	eventID := num(ev["id"])
	ada, _ := e.paypalBuy("intro-to-go", "Ada")
	fake.Approve(ada.CheckoutID)
	e.paypalReturn(ada)
	orig := fake.AuthorizationOf(ada.CheckoutID)
	token := e.accessToken(ada.ID)

	// Authorized: the registrant and the organizer see until when.
	acc := e.do("GET", "/api/v1/access/"+token, nil, false).JSON(t)
	a, _ := acc["authorization"].(map[string]any)
	if a == nil || a["status"] != "authorized" || a["capture_by"] != orig.Created.Add(72*time.Hour).Format(time.RFC3339) ||
		a["expires_at"] != orig.Expires.Format(time.RFC3339) {
		t.Fatalf("access: %v", acc)
	}
	row := e.csvRow(eventID, ada.ID)
	if row["authorization_status"] != "authorized" || row["authorization_capture_by"] != orig.Created.Add(72*time.Hour).Format(time.RFC3339) ||
		row["authorization_expires_at"] != orig.Expires.Format(time.RFC3339) {
		t.Fatalf("CSV %v", row)
	}
	paypalHooks(t, fake, "PAYMENT.AUTHORIZATION.CREATED")

	// Day 5: past the honor period.
	fake.Advance(5 * 24 * time.Hour)
	e.clock.Add(5 * 24 * time.Hour)
	r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/confirm", ada.ID), nil, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"confirmed"`) {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	re := fake.AuthorizationOf(ada.CheckoutID)
	if n := fake.Calls("POST /v2/payments/authorizations/{id}/reauthorize"); n != 1 || re.ReauthorizationOf != orig.ID {
		t.Fatalf("%d reauthorizations, %+v", n, re)
	}
	if re.Status != "CAPTURED" || fake.Authorization(orig.ID).Status != "CREATED" || fake.Calls("POST /v2/payments/authorizations/{id}/capture") != 1 {
		t.Fatalf("captured %+v, original %+v", re, fake.Authorization(orig.ID))
	}
	if g := e.reg(ada.ID); g.Status != model.StatusConfirmed || g.AmountPaid != 1999 || g.PaymentID != re.CaptureID {
		t.Fatalf("confirmed %+v", g)
	}
	a = authorizationOf(t, e.listed(eventID, ada.ID))
	if a["status"] != "captured" || a["reauthorized_at"] == nil || a["capture_by"] != re.Created.Add(72*time.Hour).Format(time.RFC3339) {
		t.Fatalf("authorization %v", a)
	}
	if row := e.csvRow(eventID, ada.ID); row["authorization_status"] != "captured" {
		t.Fatalf("CSV %v", row)
	}
	if a, _ := e.do("GET", "/api/v1/access/"+token, nil, false).JSON(t)["authorization"].(map[string]any); a == nil || a["status"] != "captured" {
		t.Fatalf("access after capture: %v", a)
	}
	for _, d := range paypalHooks(t, fake, "PAYMENT.AUTHORIZATION.CREATED", "PAYMENT.CAPTURE.COMPLETED") {
		if res := e.paypalDeliver(d); res.Status != 200 || !strings.Contains(string(res.Body), "duplicate") {
			t.Fatalf("%s: %d %s", d.EventType, res.Status, res.Body)
		}
	}
	if k := e.mailKinds(); k[model.MailAccess] != 1 || k[model.MailCaptureFailed] != 0 {
		t.Fatalf("mails %v", k)
	}
}
