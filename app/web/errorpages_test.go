package web

import (
	"fmt"
	"strings"
	"testing"
)

// pageErrorCodes are the error codes a public page can show beyond the
// sentinels' and the HTTP statuses': the ones the domain names itself.
var pageErrorCodes = []string{"internal", "promo_invalid", "too_many_holds", "recording_expired", "invalid_json",
	"already_registered_recent", "already_registered_preparing", "conflict_not_cancellable"}

// TestEveryErrorCodeHasAPageMessage: each error a page can show has its
// own message in every language, so a French page never shows the API's
// English text; an unknown code gets a general message, in the language.
func TestEveryErrorCodeHasAPageMessage(t *testing.T) {
	e := newEnv(t)
	codes := append([]string{}, pageErrorCodes...)
	for _, s := range sentinels {
		if s.code != "validation" { // a form's errors stand by their fields
			codes = append(codes, s.code)
		}
	}
	for _, c := range statusCodes {
		codes = append(codes, c)
	}
	for _, l := range e.i18n.Locales() {
		L := loc{Lang: l, b: e.i18n}
		for _, code := range codes {
			if id := "page.error." + code; e.i18n.T(l, id, nil) == id {
				t.Errorf("%s: no %s", l, id)
			}
		}
		msg := L.Problem(&apiErrorBody{Code: "no_such_code", Message: "An English sentence."})
		if l != "en" && (msg == "An English sentence." || msg == e.i18n.T("en", "page.error.fallback", nil)) {
			t.Errorf("%s: an unknown code shows %q", l, msg)
		}
	}
}

// TestCancelNotPossibleInTheReadersLanguage: cancelling a registration that
// can no longer be cancelled (here: not accepted) says so in the page's
// language, not in the API's English.
func TestCancelNotPossibleInTheReadersLanguage(t *testing.T) {
	e := newEnv(t)
	e.createEvent(liveEvent(map[string]any{"approval_required": true}))
	id, token := e.registerOne("intro-to-go", "Ada", "ada@example.org")
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/reject", id), nil, true); r.Status != 200 {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	for lang, want := range map[string]string{"fr": "ne peut plus être annulée", "de": "kann nicht mehr storniert werden", "ru": "уже нельзя отменить", "es": "ya no se puede cancelar"} {
		r := e.do("POST", "/a/"+token+"/cancel?lang="+lang, nil, false, "Content-Type", "application/x-www-form-urlencoded")
		body := string(r.Body)
		if r.Status != 409 || !strings.Contains(body, want) || strings.Contains(body, "cannot be cancelled") || !strings.Contains(body, `lang="`+lang+`"`) {
			t.Errorf("%s: %d\n%s", lang, r.Status, body)
		}
	}
	// The API keeps its English message.
	if r := e.do("POST", "/a/"+token+"/cancel", nil, false, "Accept", "application/json"); r.Status != 409 || !strings.Contains(string(r.Body), "cannot be cancelled") {
		t.Errorf("json: %d %s", r.Status, r.Body)
	}
}
